"""The console's session and its protection against cross-site requests.

**Session.** Signing in stores the API key in a cookie: HttpOnly (no script reads it),
`SameSite=Strict` (no other site's page sends it), `Secure` when the console is served over
https, `Path=/console`, and no expiry (it ends with the browser, or at sign-out). The key is
never put in a URL. A session holds at most one key per mode of one organisation (the
test/live switch chooses which acts); each request looks its key up like any API call, so a
revoked key or a suspended organisation ends the session at once.

**CSRF.** Every form carries a token: an HMAC of the session, keyed with a random secret
kept in a second cookie (HttpOnly, SameSite=Strict). A POST whose token does not match, or
that comes from another origin (`Origin`, or `Sec-Fetch-Site: cross-site`), is refused with
403 before anything is read or written. The sign-in form has a token too (of the empty
session), so no other site can sign a browser in with its own key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core.auth import AuthFailure, Principal
from programhub.core.keys.service import KEY_PATTERN
from programhub.core.tenancy import Mode
from programhub.web.auth import authenticate
from programhub.web.body import WhenEmpty, read_body

PREFIX = "/console"
SESSION_COOKIE = "programhub_console"
CSRF_COOKIE = "programhub_console_csrf"
SIGN_IN = PREFIX + "/sign-in"
_CSRF_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_FIELD_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Session:
    """The keys a browser signed in with (one per mode) and the mode it acts in."""

    mode: Mode = Mode.LIVE
    keys: tuple[tuple[Mode, str], ...] = ()

    def key(self, mode: Mode | None = None) -> str | None:
        return dict(self.keys).get(mode or self.mode)

    def with_key(self, mode: Mode, key: str, *, same_org: bool) -> Session:
        """Signed in with `key` too (alone, when it belongs to another organisation)."""
        kept = {m: k for m, k in self.keys if same_org and m is not mode}
        kept[mode] = key
        return Session(mode, tuple(sorted(kept.items())))

    def without(self, mode: Mode) -> Session:
        return replace(self, keys=tuple((m, k) for m, k in self.keys if m is not mode))

    def encode(self) -> str:
        return ".".join([self.mode.value, *(key for _mode, key in self.keys)])

    @classmethod
    def decode(cls, value: str | None) -> Session:
        """The session a cookie holds; an empty one for anything malformed."""
        if not value:
            return cls()
        mode, *keys = value.split(".")
        if mode not in ("test", "live") or len(keys) > 2 or not all(KEY_PATTERN.match(key) for key in keys):
            return cls()
        by_mode = {Mode(key.split("_")[1]): key for key in keys}
        return cls(Mode(mode), tuple(sorted(by_mode.items())))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or str(request.app.state.settings.public_url).startswith("https://")


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name, value, path=PREFIX, httponly=True, samesite="strict", secure=_secure(request), max_age=None
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=PREFIX, httponly=True, samesite="strict", secure=_secure(request))


def session_of(request: Request) -> Session:
    return Session.decode(request.cookies.get(SESSION_COOKIE))


def csrf_secret(request: Request) -> str | None:
    value = request.cookies.get(CSRF_COOKIE)
    return value if value and _CSRF_SECRET.fullmatch(value) else None


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret: str, session: Session) -> str:
    return hmac.new(secret.encode(), b"console-csrf\0" + session.encode().encode(), hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:  # browsers send it with every form POST; other clients need the token anyway
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def form_of(request: Request) -> dict[str, str]:
    """A POSTed form whose CSRF token and origin check out: its plain fields (anything
    nested or listed is ignored). 403 otherwise, before the form is used."""
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Send the form as the page does (a URL-encoded form).")
    parsed: Any = await read_body(request, when_empty=WhenEmpty.EMPTY_OBJECT, forms=True)
    fields = {name: value for name, value in parsed.items() if isinstance(value, str)}
    secret = csrf_secret(request)
    token = fields.get("csrf", "")
    expected = None if secret is None else csrf_token(secret, session_of(request))
    if not same_origin(request) or expected is None or not hmac.compare_digest(token, expected):
        raise HTTPException(
            403, "This form has expired or did not come from this console. Go back, reload the page and try again."
        )
    return fields


Form = Annotated[dict[str, str], Depends(form_of)]


@dataclass(frozen=True, slots=True)
class Console:
    """A signed-in request: who acts, the session, and the token its forms carry."""

    principal: Principal
    session: Session
    csrf: str

    @property
    def tenant(self) -> Any:
        return self.principal.tenant


def sign_in_redirect(request: Request, note: str | None = None) -> HTTPException:
    """To the sign-in page, forgetting a session that no longer works."""
    location = SIGN_IN + (f"?note={note}" if note else "")
    return HTTPException(303, "Sign in", headers={"Location": location, "X-Console-Clear": "1"})


async def require_console(request: Request) -> Console:
    session = session_of(request)
    key = session.key()
    secret = csrf_secret(request)
    if key is None or secret is None:
        raise sign_in_redirect(request)
    try:
        principal = await authenticate(request, key)
    except AuthFailure:
        raise sign_in_redirect(request, "ended") from None
    return Console(principal, session, csrf_token(secret, session))


Signed = Annotated[Console, Depends(require_console)]
