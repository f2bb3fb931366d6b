"""Domain failures. Dialects translate them into their own envelopes and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every failure the core reports on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


MAX_SHOWN_ID = 64


def shown_identifier(identifier: object) -> str:
    """An id as messages may repeat it: control characters escaped, and cut short, since
    a caller can send any text as an id and should not get megabytes of it echoed back."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(identifier))
    return text if len(text) <= MAX_SHOWN_ID else text[: MAX_SHOWN_ID - 1] + "…"


class NotFound(DomainError):
    """The id does not exist for this tenant (which includes: it belongs to another one).
    `identifier` is the id as messages show it (see shown_identifier)."""

    def __init__(self, kind: str, identifier: object) -> None:
        self.identifier = shown_identifier(identifier)
        super().__init__(f"{kind} {self.identifier} not found")
        self.kind = kind


class Invalid(DomainError):
    """A value breaks a rule of the domain; `field` names it in the core's vocabulary."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Conflict(DomainError):
    """The request is well formed but clashes with the current state (duplicate, in use...)."""

    def __init__(self, message: str, *, field: str | None = None, related: list[object] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.related = related or []
