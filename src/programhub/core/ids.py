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


def random_base36(length: int) -> str:
    return "".join(secrets.choice(_BASE36) for _ in range(length))


def random_base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def new_uuid() -> str:
    return str(uuid.uuid4())
