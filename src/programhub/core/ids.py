"""Public identifiers: `<prefix>_<epoch ms>_<6 lowercase base36>`, as Record shows them, and
the unguessable ids of credential links."""

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


# Credential links are the permission to see a credential, so the recipient ids in them
# carry UNGUESSABLE_DIGITS random base62 digits: 22 of them are 130.9 bits, and the whole id
# (`rec_<13 digits>_<22>`) still fits the 40 characters a public id may have.
UNGUESSABLE_DIGITS = 22
_UNGUESSABLE_SPACE = 62**UNGUESSABLE_DIGITS
_DRAW_BYTES = 17  # 136 bits a draw, of which whole multiples of the space are kept
_DRAW_LIMIT = (2 ** (8 * _DRAW_BYTES) // _UNGUESSABLE_SPACE) * _UNGUESSABLE_SPACE


def unguessable_ids(prefix: str, moment: datetime, count: int) -> list[str]:
    """`count` distinct ids of one moment (the recipients of one batch), each
    `<prefix>_<epoch ms>_<22 random base62>`: the moment is shared by the batch, so all of an
    id's secrecy is in its random part, drawn from one read of the OS's random source."""
    stem = f"{prefix}_{epoch_ms(moment)}_"
    ids: dict[str, None] = {}
    while len(ids) < count:
        raw = secrets.token_bytes(_DRAW_BYTES * (count - len(ids) + 1))
        for start in range(0, len(raw), _DRAW_BYTES):
            value = int.from_bytes(raw[start : start + _DRAW_BYTES], "big")
            if value < _DRAW_LIMIT and len(ids) < count:  # rejection keeps the digits uniform
                ids[stem + _base62(value % _UNGUESSABLE_SPACE, UNGUESSABLE_DIGITS)] = None
    return list(ids)


def _base62(value: int, length: int) -> str:
    digits = []
    for _ in range(length):
        value, digit = divmod(value, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def random_base36(length: int) -> str:
    return "".join(secrets.choice(_BASE36) for _ in range(length))


def random_base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def new_uuid() -> str:
    return str(uuid.uuid4())
