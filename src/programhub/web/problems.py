"""Failures known before (or outside) a dialect's own logic, in neutral form.

Each dialect renders a Problem in its own envelope; see `DialectErrors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemKind(StrEnum):
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    MALFORMED_BODY = "malformed_body"
    INVALID = "invalid"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


STATUS = {
    ProblemKind.NOT_FOUND: 404,
    ProblemKind.METHOD_NOT_ALLOWED: 405,
    ProblemKind.UNAUTHORIZED: 401,
    ProblemKind.FORBIDDEN: 403,
    ProblemKind.MALFORMED_BODY: 400,
    ProblemKind.INVALID: 422,
    ProblemKind.CONFLICT: 409,
    ProblemKind.PAYLOAD_TOO_LARGE: 413,
    ProblemKind.UNSUPPORTED_MEDIA_TYPE: 415,
    ProblemKind.RATE_LIMITED: 429,
    ProblemKind.UNAVAILABLE: 503,
    ProblemKind.INTERNAL: 500,
}


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    message: str
    field: str | None = None

    @property
    def status(self) -> int:
        return STATUS[self.kind]


class BodyTooLarge(Exception):
    """Raised while streaming a request body past the configured limit."""
