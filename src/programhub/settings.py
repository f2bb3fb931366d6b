"""Settings, read from `PROGRAMHUB_*` environment variables (pydantic-settings), with the
defaults the README documents. A bad value stops the process with the variable named."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "PROGRAMHUB_"
DEFAULT_DATABASE_URL = "sqlite:///./var/programhub.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_CREDENTIAL_KEY_FILE = "./var/credential-key"
# Where issuers' DIDs, credentials and status lists live, so it must be an absolute http(s)
# URL whose characters need no escaping in an IRI or a did:web (docs/credentials.md).
_PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*/?")
MIN_SECRET_LENGTH = 32
# Values never echoed in an error message.
_SECRET_FIELDS = {"credential_key_secret"}
_NOWHERE = "PROGRAMHUB_NO_VARIABLE_HAS_THIS_PREFIX_"

Positive = Annotated[int, Field(gt=0)]
NonNegative = Annotated[int, Field(ge=0)]
Seconds = Annotated[float, Field(gt=0)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections each server process holds at most (docs/architecture.md).
    database_connections: Annotated[int, Field(ge=4, le=1000)] = 20
    # "transaction" behind a pooler in transaction mode (PgBouncer's).
    database_pooler: Literal["none", "transaction"] = "none"
    public_url: str = DEFAULT_PUBLIC_URL
    webadmit_rate_limit: Positive = 1000  # WebAdMIT's documented limit (its v1.md)
    max_body_bytes: Positive = 2 * 1024 * 1024
    log_requests: bool = True
    response_cache_mb: NonNegative = 32
    # Background jobs (bulk enrollments, exports) run in every server process.
    run_jobs: bool = True
    # Move what start-up loaded out of the cyclic collector's sight (`programhub serve`
    # turns it on; a process that builds many apps, such as the tests, leaves it off).
    freeze_gc: bool = False
    # malloc arenas the process's threads share (memory.py; `programhub serve` sets 1);
    # 0 leaves the C library's default.
    malloc_arenas: Annotated[int, Field(ge=0, le=64)] = 0
    jobs_poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    # What one request, connection or client may cost (docs/security.md, "Bounds").
    request_timeout: Seconds = 30.0
    max_in_flight: Positive = 256
    max_connections: Positive = 1024
    max_header_bytes: Annotated[int, Field(ge=1024)] = 16 * 1024
    max_headers: Positive = 100
    header_timeout: Seconds = 10.0
    keep_alive_timeout: Positive = 5
    credential_page_rate_limit: Positive = 60
    # The secret that encrypts each organisation's credential signing keys at rest; without
    # it, a secret kept in `credential_key_file` (created on first use) does.
    credential_key_secret: SecretStr | None = None
    credential_key_file: str = DEFAULT_CREDENTIAL_KEY_FILE
    # Hosts a WebAdMIT export run may name as its callback (comma-separated; none by default).
    webadmit_callback_hosts: str = ""

    @property
    def callback_hosts(self) -> tuple[str, ...]:
        return tuple(host.strip().lower() for host in self.webadmit_callback_hosts.split(",") if host.strip())

    # The public catalog pages (docs/pages.md): pages a client address may open a minute, and
    # the preview flag that shows test-mode catalogs too (never on a public server).
    catalog_page_rate_limit: Positive = 300
    catalog_enroll_rate_limit: Positive = 30  # enroll forms a client address may send an hour
    catalog_preview_test: bool = False

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not _PUBLIC_URL.fullmatch(value):
            raise ValueError("must be an http(s) URL: scheme, host, optional port and path, no query")
        return value.rstrip("/")

    @field_validator("credential_key_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters (e.g. 32 random bytes, base64url)")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of `environ` (the process environment by default); ValueError
        naming the variable when one is not valid."""
        try:
            if environ is None:
                return cls()
            values: dict[str, Any] = {
                name.removeprefix(ENV_PREFIX).lower(): value
                for name, value in environ.items()
                if name.startswith(ENV_PREFIX) and value != ""
            }
            return cls(_env_prefix=_NOWHERE, **values)  # only `environ`, not the process's
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0])
            given = "" if field in _SECRET_FIELDS else f" (given {first.get('input')!r})"
            raise ValueError(f"{ENV_PREFIX}{field.upper()}: {first['msg']}{given}") from None
