"""Ids a path may name."""

from __future__ import annotations

import re

from programhub.core.errors import NotFound

# Every public id programhub hands out fits this; anything else cannot exist.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def possible_id(kind: str, value: str) -> str:
    """Refuse, as NotFound and without a query, an id no row can have (too long, NUL, ...)."""
    if not _PUBLIC_ID.fullmatch(value):
        raise NotFound(kind, value)
    return value
