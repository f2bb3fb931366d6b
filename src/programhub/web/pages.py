"""HTML pages: Jinja2 templates shipped in the package (`web/templates`), every value
escaped by autoescaping, and the security headers every page carries. `FrameGuardMiddleware`
makes sure that no HTML answer at all (error pages, the OpenAPI browser at /docs) can be
framed by another site."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTML = "text/html; charset=utf-8"

TEMPLATES = Environment(
    loader=PackageLoader("programhub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
    trim_blocks=True,
    keep_trailing_newline=True,
)

# No script runs on any page; its one stylesheet comes from this server (STYLESHEET); images
# (a listing's own) may come from https sites; forms post only here; nothing may frame it;
# the URL (which may be the permission to see a credential) is never sent on as a Referer.
STYLESHEET = "/assets/site.css"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' https:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def render(template: str, **context: Any) -> str:
    return TEMPLATES.get_template(template).render(**context)


def page(template: str, *, status: int = 200, headers: Mapping[str, str] | None = None, **context: Any) -> Response:
    """A whole HTML page with the security headers (and any `headers` more)."""
    return Response(
        render(template, **context), status, headers={**SECURITY_HEADERS, **(headers or {})}, media_type=HTML
    )


_NO_FRAMING = b"frame-ancestors 'none'"


def _framing_guarded(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An HTML answer's headers with framing forbidden: `X-Frame-Options: DENY` and a CSP
    `frame-ancestors 'none'` (added to the policy the answer has, if it has one)."""
    guarded = [(name, value) for name, value in headers if name.lower() != b"x-frame-options"]
    guarded.append((b"x-frame-options", b"DENY"))
    for index, (name, value) in enumerate(guarded):
        if name.lower() == b"content-security-policy":
            if b"frame-ancestors" not in value:
                guarded[index] = (name, value.rstrip(b"; ") + b"; " + _NO_FRAMING)
            return guarded
    guarded.append((b"content-security-policy", _NO_FRAMING))
    return guarded


class FrameGuardMiddleware:
    """Every HTML answer, whoever rendered it, forbids framing (clickjacking)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers):
                    message = {**message, "headers": _framing_guarded(headers)}
            await send(message)

        await self.app(scope, receive, send_guarded)
