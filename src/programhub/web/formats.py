"""Timestamp formats the dialects share."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_millis(moment: datetime | None) -> str | None:
    """`2025-05-19T13:30:02.952Z` (Record, Sunbird)."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
