"""Text matching that behaves the same on SQLite and PostgreSQL.

SQLite's LOWER() and LIKE only fold ASCII, so folded copies are computed here, in Python,
and stored; filters fold their input the same way and match with an escaped LIKE.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

SEPARATOR = "\x1f"  # between fields in a combined search column; never matched


def fold(value: str) -> str:
    return value.casefold()


def search_text(*parts: str | None) -> str:
    return SEPARATOR.join(fold(part) for part in parts if part)


def contains(column: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    """`column` (already folded) contains `needle` as a substring, wildcards taken literally."""
    needle = fold(needle).replace(SEPARATOR, "")
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")
