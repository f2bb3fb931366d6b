"""Settings read from the environment, with documented defaults (see README)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./var/programhub.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    public_url: str = DEFAULT_PUBLIC_URL
    webadmit_rate_limit: int = 5000
    max_body_bytes: int = 2 * 1024 * 1024
    log_requests: bool = True
    response_cache_mb: int = 32

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("PROGRAMHUB_DATABASE_URL") or DEFAULT_DATABASE_URL,
            public_url=(env.get("PROGRAMHUB_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
            webadmit_rate_limit=_positive_int(env, "PROGRAMHUB_WEBADMIT_RATE_LIMIT", 5000),
            max_body_bytes=_positive_int(env, "PROGRAMHUB_MAX_BODY_BYTES", 2 * 1024 * 1024),
            log_requests=env.get("PROGRAMHUB_LOG_REQUESTS", "1") not in ("0", "false", "no"),
            response_cache_mb=_non_negative_int(env, "PROGRAMHUB_RESPONSE_CACHE_MB", 32),
        )


def _positive_int(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    value = _non_negative_int(env, name, default)
    if value == 0:
        raise ValueError(f"{name} must be greater than zero, not 0")
    return value


def _non_negative_int(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {value}")
    return value
