"""How the pages write dates, money and numbers, whatever the process locale."""

from __future__ import annotations

from datetime import UTC, datetime

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day(moment: datetime | None) -> str:
    """`19 May 2025` (UTC)."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def money(cents: int, currency: str) -> str:
    """`Free`, `USD 49.99`, `EUR 120.00`."""
    if not cents:
        return "Free"
    return f"{currency} {cents // 100:,}.{cents % 100:02d}"


def number(value: float | None) -> str:
    """`9`, `4.5`; empty for none."""
    if value is None:
        return ""
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else str(value)


def moment(value: datetime | None) -> str:
    """`2025-05-19 13:30 UTC`."""
    if value is None:
        return ""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
