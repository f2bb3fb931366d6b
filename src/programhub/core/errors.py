"""Domain failures. Dialects translate them into their own envelopes and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every failure the core reports on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The id does not exist for this tenant (which includes: it belongs to another one)."""

    def __init__(self, kind: str, identifier: object) -> None:
        super().__init__(f"{kind} {identifier!s} not found")
        self.kind = kind
        self.identifier = identifier


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
