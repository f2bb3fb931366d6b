"""The one source of "now", so every timestamp is UTC and millisecond-aligned."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now in UTC, truncated to whole milliseconds (the finest unit any dialect shows)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
