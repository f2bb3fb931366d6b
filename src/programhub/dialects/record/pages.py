"""The page behind every `credentialUrl`: PUBLIC_URL/credentials/<recipientId>.

No key is needed: whoever holds the link may see the credential. People get HTML; a client
that asks for `Accept: application/json` gets the same facts in Record's envelope. Every
user-supplied string is HTML-escaped.
"""

from __future__ import annotations

import html
from datetime import datetime
from importlib.resources import files
from string import Template
from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from programhub.core.credentials import service as credentials
from programhub.core.credentials.service import Credential
from programhub.core.errors import DomainError, NotFound
from programhub.dialects.record import schemas
from programhub.dialects.record.accept import wants_json
from programhub.dialects.record.errors import CODES, ERRORS
from programhub.dialects.record.wire import envelope, possible_id
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import DialectErrors, dialect_route_class
from programhub.web.problems import Problem, ProblemKind
from programhub.web.responses import JSONResponse

_TEMPLATES = files("programhub.dialects.record") / "templates"


def _template(name: str) -> Template:
    return Template((_TEMPLATES / name).read_text(encoding="utf-8"))


LAYOUT, CREDENTIAL, MESSAGE = _template("layout.html"), _template("credential.html"), _template("message.html")


def html_page(title: str, content: str) -> str:
    """A whole document; `title` is escaped here, `content` must be escaped already."""
    return LAYOUT.substitute(title=html.escape(title), content=content)


_HEADERS = {
    "Vary": "Accept",
    "Cache-Control": "private, no-cache",
    "Referrer-Policy": "no-referrer",  # the URL is the permission: keep it out of Referer
    "X-Content-Type-Options": "nosniff",
}
_HTML_HEADERS = {**_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
_HTML = "text/html; charset=utf-8"
_TITLES = {
    ProblemKind.NOT_FOUND: "Credential not found",
    ProblemKind.UNAVAILABLE: "Temporarily unavailable",
}
_NOT_FOUND_TEXT = "There is no credential at this address. Check that the link was copied completely."


def message_page(status: int, title: str, message: str) -> Response:
    body = html_page(title, MESSAGE.substitute(title=html.escape(title), message=html.escape(message)))
    return Response(body, status, headers=_HTML_HEADERS, media_type=_HTML)


class PageErrors(DialectErrors):
    """Failures on the page: Record's JSON error when JSON was asked for, else an HTML page."""

    def render(self, request: Request, problem: Problem) -> Response:
        if wants_json(request.headers.get("accept")):
            return _json_error(ERRORS.render(request, problem))
        status, _code = CODES[problem.kind]
        message = _NOT_FOUND_TEXT if problem.kind is ProblemKind.NOT_FOUND else problem.message
        return message_page(status, _TITLES.get(problem.kind, "Something went wrong"), message)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if wants_json(request.headers.get("accept")):
            return _json_error(ERRORS.domain_error(request, exc))
        if isinstance(exc, NotFound):
            return message_page(404, _TITLES[ProblemKind.NOT_FOUND], _NOT_FOUND_TEXT)
        return super().domain_error(request, exc)


def _json_error(response: Response) -> Response:
    response.headers.update(_HEADERS)
    return response


PAGE_ERRORS = PageErrors()
PAGES_PREFIX = "/credentials"  # every path under it, routed or not, answers as a page
router = APIRouter(route_class=dialect_route_class(PAGE_ERRORS), tags=["Record credential page"])


def _html_content() -> dict[str, dict[str, dict[str, str]]]:
    """A fresh dict per use: FastAPI merges response models into what it is given."""
    return {"text/html": {"schema": {"type": "string"}}}


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _day(moment: datetime) -> str:
    """`19 May 2025`, whatever the process locale."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def credential_page(credential: Credential) -> str:
    escape = html.escape
    notice = (
        f'<p class="test">Test credential: issued in test mode by {escape(credential.org_name)} '
        "while trying out the API. It is not a real award.</p>\n"
        if credential.mode == "test"
        else ""
    )
    content = CREDENTIAL.substitute(
        test_notice=notice,
        recipient=escape(credential.recipient_name),
        program=escape(credential.program_name),
        organisation=escape(credential.org_name),
        batch=escape(credential.batch_name),
        status=escape(credential.status.capitalize()),
        issued_at=f"{credential.issued_at:%Y-%m-%dT%H:%M:%SZ}",
        issued_at_text=f"{credential.issued_at:%Y-%m-%d %H:%M} UTC",
        issued_on=_day(credential.issued_at),
        recipient_id=escape(credential.recipient_public_id),
        program_id=escape(credential.program_public_id),
        org_id=escape(credential.org_public_id),
        batch_id=escape(credential.batch_public_id),
    )
    return html_page(f"{credential.recipient_name} — {credential.program_name}", content)


@router.get(
    PAGES_PREFIX + "/{recipientId}",
    summary="A credential's public page",
    description=(
        "The page each `credentialUrl` points at; no key needed. HTML by default, Record's JSON "
        "envelope with `Accept: application/json`."
    ),
    responses={
        200: {"model": schemas.RecordCredentialResponse, "content": _html_content(), "description": "The credential"},
        404: {"model": schemas.RecordError, "content": _html_content(), "description": "No credential has this id"},
        503: {"model": schemas.RecordError, "content": _html_content(), "description": "The database is unreachable"},
    },
)
def show_credential(
    recipientId: str,  # noqa: N803 - the wire name
    store: StoreDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header(description="`application/json` for JSON; HTML otherwise")] = None,
) -> Response:
    possible_id("credential", recipientId)
    with store.read() as conn:
        credential = credentials.find_credential(conn, recipientId)
    if wants_json(accept):
        data = schemas.credential_json(credential, settings.public_url)
        return JSONResponse(envelope("Credential fetched successfully", data), headers=_HEADERS)
    return Response(credential_page(credential), headers=_HTML_HEADERS, media_type=_HTML)
