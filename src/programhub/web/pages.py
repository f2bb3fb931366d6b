"""HTML pages: Jinja2 templates shipped in the package (`web/templates`), every value
escaped by autoescaping, and the security headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

HTML = "text/html; charset=utf-8"

TEMPLATES = Environment(
    loader=PackageLoader("programhub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
    trim_blocks=True,
    keep_trailing_newline=True,
)

# No script runs on any page; nothing may frame it; the URL (which may be the permission
# to see a credential) is never sent on as a Referer.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
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
