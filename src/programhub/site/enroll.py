"""The public catalog's enroll form: a person gives a name and an email, and is enrolled,
put on the waitlist, or told why not, under the learners' rules (core/learners: the same
`find_or_create_user` and `enroll` Catalog's API uses), in one write transaction.

    GET  /catalogs/<id>/programs/<path>/enroll   the form (and /courses/...)
    POST the same                                 enroll

The form carries a CSRF token: an HMAC of the listing keyed with a random secret kept in a
cookie (HttpOnly, SameSite=Strict, `Path=/catalogs`); a POST without the matching token,
or from another origin, is refused with 403 before anything is read. Each client address
may send `catalog_enroll_rate_limit` forms an hour (core/ratelimit address windows); past
it, 429 with `Retry-After`. Pages here are never cached (`no-store`): they may name the
person."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core import versions
from programhub.core.catalogs import public
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid, NotFound
from programhub.core.learners import service as learners
from programhub.core.ratelimit import service as ratelimit
from programhub.settings import Settings
from programhub.site import catalog as pages
from programhub.site.errors import NO_STORE, SITE_ERRORS
from programhub.site.session import same_origin
from programhub.store import Store
from programhub.web.addresses import client_address
from programhub.web.body import WhenEmpty, read_body
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.pages import page

router = APIRouter(route_class=dialect_route_class(SITE_ERRORS), include_in_schema=False)

CSRF_COOKIE = "programhub_enroll_csrf"
RATE_SCOPE = "catalog_enroll"
RATE_WINDOW = 3600
NAME_LENGTH = 255
HEADERS = {**NO_STORE, "Referrer-Policy": "same-origin"}
REASONS = {
    learners.CLOSED: "Enrollment is closed.",
    learners.NOT_OPEN_YET: "Enrollment has not opened yet.",
    learners.ENDED: "Enrollment has ended.",
    learners.FULL: "It is full, and it has no waitlist.",
    learners.WAITLIST_FULL: "It is full, and so is its waitlist.",
    learners.ALREADY_ENROLLED: "You are enrolled already.",
    learners.ALREADY_WAITLISTED: "You are on its waitlist already.",
}


def _token(secret: str, listing_id: int) -> str:
    return hmac.new(secret.encode(), f"enroll\0{listing_id}".encode(), hashlib.sha256).hexdigest()


def _secret(request: Request) -> str | None:
    value = request.cookies.get(CSRF_COOKIE)
    return value if value and len(value) == 43 and value.replace("-", "").replace("_", "").isalnum() else None


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Send the form as the page does (a URL-encoded form).")
    parsed: Any = await read_body(request, when_empty=WhenEmpty.EMPTY_OBJECT, forms=True)
    return {name: value for name, value in parsed.items() if isinstance(value, str)}


Form = Annotated[dict[str, str], Depends(_form)]


def _located(store: Store, settings: Settings, catalog_id: str, kind: str, path: str) -> tuple[public.Shown, Any]:
    catalog_number = pages.catalog_id_of(catalog_id)
    if len(path) > pages.MAX_PATH_LENGTH or any(ord(character) < 32 for character in path):
        raise NotFound(kind, path)
    with store.read() as conn:
        shown = public.listing(conn, catalog_number, kind, path, previewing=settings.catalog_preview_test)
    return shown, pages.Views(shown.catalog, shown.trees, shown.waiting, utcnow())(shown.listing_id)


def _form_page(
    request: Request,
    shown: public.Shown,
    listing: dict[str, Any],
    *,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    secret = _secret(request)
    fresh = secret is None
    secret = secret or secrets.token_urlsafe(32)
    response = page(
        "enroll.html",
        status=status,
        headers=HEADERS,
        title=f"Enroll — {listing['name']}",
        indexable=False,
        catalog=shown.catalog,
        home=pages.home_url(shown.catalog.id),
        listing=listing,
        csrf=_token(secret, shown.listing_id),
        error=error,
        values=values or {},
        result=None,
    )
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            secret,
            path=pages.PREFIX,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response


def _show_form(kind: str, request: Request, store: Store, settings: Settings, catalog_id: str, path: str) -> Response:
    shown, listing = _located(store, settings, catalog_id, kind, path)
    return _form_page(request, shown, listing)


def _enroll(
    kind: str, request: Request, fields: dict[str, str], store: Store, settings: Settings, catalog_id: str, path: str
) -> Response:
    shown, listing = _located(store, settings, catalog_id, kind, path)
    secret = _secret(request)
    token = fields.get("csrf", "")
    if not same_origin(request) or secret is None or not hmac.compare_digest(token, _token(secret, shown.listing_id)):
        raise HTTPException(
            403, "This form has expired or did not come from this catalog. Go back, reload and try again."
        )
    limit = settings.catalog_enroll_rate_limit
    quota = ratelimit.count_address(
        store, client_address(request), RATE_SCOPE, limit, now=pages.clock(), window=RATE_WINDOW
    )
    if not quota.allowed:
        raise HTTPException(
            429,
            f"Too many enrollments were sent from this address: at most {limit} an hour; "
            f"try again in {quota.retry_after} seconds.",
            headers={"Retry-After": str(quota.retry_after)},
        )
    values = {name: (fields.get(name) or "").strip() for name in ("first_name", "last_name", "email")}
    try:
        for name in ("first_name", "last_name"):
            if len(values[name]) > NAME_LENGTH or any(ord(c) < 32 for c in values[name]):
                raise Invalid(name, f"A name may be at most {NAME_LENGTH} characters of text.")
        if not values["first_name"]:
            raise Invalid("first_name", "Please give your first name.")
        if not values["email"]:
            raise Invalid("email", "Please give your email address.")
        with versions.writing(store, shown.catalog.tenant) as conn:
            user_id = learners.find_or_create_user(
                conn,
                shown.catalog.tenant,
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"] or None,
            )
            outcome = learners.enroll(conn, shown.catalog.tenant, user_id=user_id, listing_id=shown.listing_id)
    except learners.Refused as refused:
        return _result(shown, listing, "refused", REASONS.get(refused.reason, refused.message), 409)
    except Invalid as invalid:
        # The core's words name the field as an API does; a person reads these.
        message = (
            "Please give a valid email address." if invalid.field == "email" and values["email"] else invalid.message
        )
        return _form_page(request, shown, listing, status=422, error=message, values=values)
    if outcome.status == learners.WAITLISTED:
        return _result(
            shown,
            listing,
            "waitlisted",
            "It is full, so you are on its waitlist: a seat that frees goes to the first in line.",
            200,
        )
    return _result(shown, listing, "enrolled", "You are enrolled.", 200)


def _result(shown: public.Shown, listing: dict[str, Any], result: str, message: str, status: int) -> Response:
    return page(
        "enroll.html",
        status=status,
        headers=HEADERS,
        title=f"{listing['name']} — {shown.catalog.name}",
        indexable=False,
        catalog=shown.catalog,
        home=pages.home_url(shown.catalog.id),
        listing=listing,
        csrf="",
        error=None,
        values={},
        result={"kind": result, "message": message},
    )


for _kind in ("program", "course"):

    def _routes(kind: str) -> None:
        at = pages.PREFIX + "/{catalogId}/" + kind + "s/{path}/enroll"

        @router.get(at, name=f"enroll_{kind}_form")
        async def form(catalogId: str, path: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:  # noqa: N803
            await pages.count_visit(request, store, settings)
            return await run_in_threadpool(_show_form, kind, request, store, settings, catalogId, path)

        @router.post(at, name=f"enroll_{kind}")
        async def enroll(
            catalogId: str,  # noqa: N803
            path: str,
            request: Request,
            fields: Form,
            store: StoreDep,
            settings: SettingsDep,
        ) -> Response:
            return await run_in_threadpool(_enroll, kind, request, fields, store, settings, catalogId, path)

    _routes(_kind)
