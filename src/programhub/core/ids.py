"""Public identifiers: `<prefix>_<epoch ms>_<6 lowercase base36>`, as Record shows them."""

from __future__ import annotations

import secrets
import string
import uuid
from datetime import datetime

from programhub.core.clock import epoch_ms, utcnow

_BASE36 = string.digits + string.ascii_lowercase
_BASE62 = string.digits + string.ascii_letters


def public_id(prefix: str, moment: datetime | None = None) -> str:
    """E.g. `prog_1779175802952_zlymqs`; pass the row's creation time so the two agree."""
    return f"{prefix}_{epoch_ms(moment or utcnow())}_{random_base36(6)}"


_SUFFIX_SPACE = 36**6


def public_ids(prefix: str, moment: datetime, count: int) -> list[str]:
    """`count` distinct ids of one moment (the rows of one batch), like `public_id`, with
    the random suffixes drawn from one read of the OS's random source instead of six per id."""
    stem = f"{prefix}_{epoch_ms(moment)}_"
    ids: dict[str, None] = {}
    while len(ids) < count:
        raw = secrets.token_bytes(8 * (count - len(ids)))  # 4 bytes a draw, about half kept
        for start in range(0, len(raw), 4):
            value = int.from_bytes(raw[start : start + 4], "big")
            if value < _SUFFIX_SPACE and len(ids) < count:  # rejection keeps suffixes uniform
                ids[stem + _base36_6(value)] = None
    return list(ids)


def _base36_6(value: int) -> str:
    digits = []
    for _ in range(6):
        value, digit = divmod(value, 36)
        digits.append(_BASE36[digit])
    return "".join(reversed(digits))


def random_base36(length: int) -> str:
    return "".join(secrets.choice(_BASE36) for _ in range(length))


def random_base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def new_uuid() -> str:
    return str(uuid.uuid4())
