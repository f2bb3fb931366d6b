"""Timestamp formats the dialects share."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_millis(moment: datetime | None) -> str | None:
    """`2025-05-19T13:30:02.952Z` (Record, Sunbird). isoformat is C code, strftime is not."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
