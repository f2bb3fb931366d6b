"""The operator console at /console: an organisation's programs as each API shows them,
their requirement trees and nominations, credential batches, API keys, and the test/live
switch. Signed in with an API key (site/session.py: an HttpOnly, SameSite=Strict cookie,
never a URL); every form carries a CSRF token. Every action goes through the core service
the APIs use, in a write transaction of the tenant (`versions.writing`), so the APIs and
the public pages see it at once. Each page reads a constant number of queries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, Connection
from starlette.responses import RedirectResponse, Response

from programhub.core import versions
from programhub.core.admissions import roster as admissions_roster
from programhub.core.auth import AuthFailure, look_up
from programhub.core.catalogs.models import catalogs
from programhub.core.clock import utcnow
from programhub.core.credentials import service as credentials
from programhub.core.errors import Invalid, NotFound
from programhub.core.keys import service as keys
from programhub.core.learners import roster
from programhub.core.learners import service as learners
from programhub.core.listings import service as listing_service
from programhub.core.listings import tree
from programhub.core.listings.enrollment import STATE_COLUMNS, EnrollmentState
from programhub.core.listings.models import STATUSES, listings
from programhub.core.listings.search import Ordering, Page, ProgramFilter, search_programs
from programhub.core.nominations import queries as nomination_queries
from programhub.core.nominations import service as nominations
from programhub.core.nominations.models import nominations as nomination_rows
from programhub.core.nominations.queries import NominationFilter, Nominee
from programhub.core.renderings import service as renderings
from programhub.core.tenancy import Mode
from programhub.site import texts
from programhub.site.catalog import describe_state
from programhub.site.errors import NO_STORE, SITE_ERRORS
from programhub.site.session import (
    CSRF_COOKIE,
    MAX_FIELD_LENGTH,
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    Console,
    Form,
    Session,
    Signed,
    clear_cookie,
    csrf_secret,
    csrf_token,
    new_csrf_secret,
    session_of,
    set_cookie,
)
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import SigningDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.ids import possible_id
from programhub.web.pages import HTML, SECURITY_HEADERS, page

router = APIRouter(route_class=dialect_route_class(SITE_ERRORS), include_in_schema=False)

# Console pages let the browser name their origin on the forms they post (`Origin`, which
# `no-referrer` would make "null"); their URLs hold nothing secret and are never sent elsewhere.
CONSOLE_HEADERS = {**NO_STORE, "Referrer-Policy": "same-origin"}

PER_PAGE = 25
MAX_PAGE = 10_000
_MAX_ID = 2**31 - 1
# How each face is named on the page (faces are registered by the dialects, by name).
FACE_NAMES = {"catalog.listing": "Canvas Catalog", "record.program": "Record", "sunbird.program_item": "Sunbird"}
WEBADMIT = "WebAdMIT"
NOTES = {
    "approved": "The nomination was approved.",
    "rejected": "The nomination was rejected.",
    "revoked": "The credential was revoked.",
    "key-revoked": "The key was revoked.",
    "mode": "Switched.",
    "dropped": "The enrollment was dropped; its seat went to the first on the waitlist, if anyone waits.",
    "promoted": "The first on the waitlist got a seat.",
    "no-one-promoted": "Nobody was promoted: no seat is free, enrollment is closed, or nobody waits.",
    "ended": "Your session ended (its key was revoked or is no longer valid). Sign in again.",
    "signed-out": "Signed out.",
    "need-test": "Sign in with a test key (sk_test_...) to work in test mode.",
    "need-live": "Sign in with a live key (sk_live_...) to work in live mode.",
}


def _id(kind: str, value: str) -> int:
    if not value.isdigit() or len(value) > 10 or int(value) > _MAX_ID:
        raise NotFound(kind, value)
    return int(value)


def _text(fields: dict[str, str], name: str, *, required: bool = False) -> str | None:
    value = (fields.get(name) or "").strip()
    if len(value) > MAX_FIELD_LENGTH or any(ord(c) < 32 and c != "\t" for c in value):
        raise Invalid(name, f"{name} must be at most {MAX_FIELD_LENGTH} characters of text.")
    if required and not value:
        raise Invalid(name, f"{name} is required.")
    return value or None


def _note(note: str | None) -> str | None:
    return NOTES.get(note or "")


def console_page(template: str, console: Console, *, status: int = 200, current: str = "", **context: Any) -> Response:
    tenant = console.principal.tenant
    return page(
        template,
        status=status,
        headers=CONSOLE_HEADERS,
        console=console,
        tenant=tenant,
        mode=tenant.mode.value,
        other_mode="live" if tenant.mode is Mode.TEST else "test",
        csrf=console.csrf,
        current=current,
        **context,
    )


def _done(location: str, note: str) -> Response:
    return RedirectResponse(f"{location}?note={note}", 303, headers=NO_STORE)


# --- signing in and out, the mode ----------------------------------------------------------


@router.get(PREFIX)
async def console_home() -> Response:
    return RedirectResponse(PREFIX + "/programs", 303, headers=NO_STORE)


def _sign_in_page(
    request: Request, *, status: int = 200, error: str | None = None, note: str | None = None
) -> Response:
    secret = csrf_secret(request)
    fresh = secret is None
    secret = secret or new_csrf_secret()
    response = page(
        "console_sign_in.html",
        status=status,
        headers=CONSOLE_HEADERS,
        title="Sign in — programhub console",
        csrf=csrf_token(secret, session_of(request)),
        error=error,
        note=_note(note),
    )
    if fresh:
        set_cookie(response, request, CSRF_COOKIE, secret)
    return response


@router.get(SIGN_IN)
async def sign_in_form(request: Request, note: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    return _sign_in_page(request, note=note)


@router.post(SIGN_IN)
def sign_in(request: Request, fields: Form, store: StoreDep) -> Response:
    key = (fields.get("key") or "").strip()
    try:
        principal, _due = look_up(store, key)
    except AuthFailure as failure:
        return _sign_in_page(request, status=401, error=failure.message)
    old = session_of(request)
    other = old.key(Mode.LIVE if principal.tenant.mode is Mode.TEST else Mode.TEST)
    same_org = False
    if other is not None:
        try:
            same_org = look_up(store, other)[0].tenant.org_id == principal.tenant.org_id
        except AuthFailure:
            same_org = False
    session = old.with_key(principal.tenant.mode, key, same_org=same_org)
    response = RedirectResponse(PREFIX + "/programs", 303, headers=NO_STORE)
    set_cookie(response, request, SESSION_COOKIE, session.encode())
    set_cookie(response, request, CSRF_COOKIE, new_csrf_secret())  # a new session, new tokens
    return response


@router.post(PREFIX + "/sign-out")
async def sign_out(request: Request, _fields: Form) -> Response:
    response = RedirectResponse(SIGN_IN + "?note=signed-out", 303, headers=NO_STORE)
    clear_cookie(response, request, SESSION_COOKIE)
    clear_cookie(response, request, CSRF_COOKIE)
    return response


@router.post(PREFIX + "/mode")
async def switch_mode(request: Request, fields: Form) -> Response:
    wanted = fields.get("mode")
    if wanted not in ("test", "live"):
        raise Invalid("mode", "mode must be test or live.")
    session = session_of(request)
    if session.key(Mode(wanted)) is None:
        return RedirectResponse(f"{SIGN_IN}?note=need-{wanted}", 303, headers=NO_STORE)
    response = RedirectResponse(PREFIX + "/programs?note=mode", 303, headers=NO_STORE)
    set_cookie(response, request, SESSION_COOKIE, Session(Mode(wanted), session.keys).encode())
    return response


# --- programs --------------------------------------------------------------------------


_PROGRAM_COLUMNS: tuple[ColumnElement[Any], ...] = (
    listings.c.id,
    listings.c.public_id,
    listings.c.uuid,
    listings.c.name,
    listings.c.status,
    listings.c.listing_path,
    listings.c.catalog_id,
    listings.c.updated_at,
)


def _faces(listing: Any, stored: dict[str, str]) -> list[dict[str, str]]:
    """Each face's rendering side by side, pretty-printed; WebAdMIT's list item is built from
    the row (its `organization_name` is the asking identity's, so it is never stored)."""
    shown = []
    for face, name in FACE_NAMES.items():
        text = stored.get(face)
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False) if text else "(not rendered for this face)"
        shown.append({"name": name, "face": face, "text": pretty})
    webadmit = {"id": listing.id, "name": listing.name, "organization_name": "(the identity's organization)"}
    shown.append({"name": WEBADMIT, "face": "identity program list", "text": json.dumps(webadmit, indent=2)})
    return shown


@router.get(PREFIX + "/programs")
async def programs_page(
    console: Signed,
    store: StoreDep,
    cache: CacheDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    note: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Kept in the response cache while the tenant's data version stands (web/cache.py), per
    session (its form token, which differs by session, is on the page): the page an operator
    comes back to costs the key lookup only."""
    tenant = console.principal.tenant

    def build(conn: Connection) -> Fresh[bytes]:
        total, rows = search_programs(
            conn,
            tenant,
            ProgramFilter(statuses=STATUSES),
            Ordering(keys=(("name", False),)),
            Page(PER_PAGE, (page_number - 1) * PER_PAGE),
            _PROGRAM_COLUMNS,
            now=utcnow(),
        )
        stored = renderings.stored(conn, listings, tenant.org_id, tenant.mode.value, [row.id for row in rows])
        body = console_page(
            "console_programs.html",
            console,
            current="programs",
            title=f"Programs — {tenant.org_name} ({tenant.mode.value})",
            note=_note(note),
            programs=[{"row": row, "faces": _faces(row, stored.get(row.id, {}))} for row in rows],
            total=total,
            page_number=page_number,
            pages=max(1, -(-total // PER_PAGE)),
        ).body
        return Fresh(bytes(body), len(body))

    body = await cache.value(console.principal, ("console/programs", console.csrf, page_number, note), store, build)
    return Response(body, headers={**SECURITY_HEADERS, **CONSOLE_HEADERS}, media_type=HTML)


_TREE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    listings.c.id,
    listings.c.kind,
    listings.c.name,
    listings.c.public_id,
    listings.c.uuid,
    listings.c.status,
    listings.c.credits,
    listings.c.measurement,
    listings.c.listing_path,
    listings.c.catalog_id,
    catalogs.c.url.label("catalog_url"),
    *STATE_COLUMNS,
)
_NOMINATION_COLUMNS: tuple[ColumnElement[Any], ...] = (
    nomination_rows.c.id,
    nomination_rows.c.user_id,
    nomination_rows.c.organisation_id,
    nomination_rows.c.status,
    nomination_rows.c.createdon,
    nomination_rows.c.updatedon,
    listings.c.id.label("program_id"),
    listings.c.name.label("program_name"),
)


def _tree_view(trees: tree.Trees, now: datetime) -> Any:
    def view(listing_id: int) -> dict[str, Any]:
        row = trees.rows[listing_id]
        return {
            "id": listing_id,
            "kind": row["kind"],
            "name": row["name"],
            "status": row["status"],
            "credits": texts.number(trees.credits(listing_id)),
            "measurement": row["measurement"],
            "state_text": describe_state(EnrollmentState.of(row, now)),
            "requirements": trees.requirements(listing_id),
        }

    return view


@router.get(PREFIX + "/programs/{programId}")
def program_page(
    programId: str,  # noqa: N803 - one spelling with the other routes
    console: Signed,
    store: StoreDep,
    note: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    tenant = console.principal.tenant
    program_id = _id("program", programId)
    with store.read() as conn:
        trees = tree.load(conn, tenant, [program_id], _TREE_COLUMNS)
        root = trees.rows.get(program_id)
        if root is None:
            raise NotFound("program", program_id)
        stored = renderings.stored(conn, listings, tenant.org_id, tenant.mode.value, [program_id])
        nominated = nomination_queries.list_nominations(
            conn, tenant, NominationFilter(program_uuids=(root["uuid"],)), Page(200), _NOMINATION_COLUMNS
        )
        enrolled = roster.enrolled(conn, tenant, program_id, limit=ROSTER_LIMIT)
        designated = admissions_roster.designated(conn, tenant, program_id, limit=ROSTER_LIMIT)
        waiting = roster.waiting(conn, tenant, program_id, limit=ROSTER_LIMIT)
    public_url = None
    if root["catalog_url"] is None and root["status"] == "live" and tenant.mode is Mode.LIVE:
        public_url = f"/catalogs/{root['catalog_id']}/{root['kind']}s/{root['listing_path']}"
    return console_page(
        "console_program.html",
        console,
        current="programs",
        title=f"{root['name']} — console",
        note=_note(note),
        program=root,
        shown_faces=_faces(_Row(root["id"], root["name"]), stored.get(program_id, {})),
        view=_tree_view(trees, utcnow()),
        requirements=trees.requirements(program_id),
        nominations=nominated,
        enrolled=enrolled,
        waiting=waiting,
        designated=designated,
        roster_limit=ROSTER_LIMIT,
        state_text=describe_state(EnrollmentState.of(root, utcnow(), len(waiting))),
        public_url=public_url,
        moment=texts.moment,
    )


class _Row:
    def __init__(self, id: int, name: str) -> None:
        self.id, self.name = id, name


# --- enrollments and waitlists -------------------------------------------------------------

ROSTER_LIMIT = 500  # enrollments and waiting applicants shown on a listing's page


def _back_to(listing_id: int, note: str) -> Response:
    return _done(f"{PREFIX}/programs/{listing_id}", note)


@router.post(PREFIX + "/enrollments/{enrollmentId}/drop")
def drop_enrollment(enrollmentId: str, console: Signed, _fields: Form, store: StoreDep) -> Response:  # noqa: N803
    """Drop a user's own enrollment (learners.drop: its tree too; the seat goes to the
    first on the waitlist)."""
    tenant = console.principal.tenant
    enrollment_id = _id("enrollment", enrollmentId)
    with versions.writing(store, tenant) as conn:
        listing_id = int(learners.get_enrollment(conn, tenant, enrollment_id).listing_id)
        learners.drop(conn, tenant, enrollment_id)
    return _back_to(listing_id, "dropped")


@router.post(PREFIX + "/programs/{listingId}/promote")
def promote(listingId: str, console: Signed, fields: Form, store: StoreDep) -> Response:  # noqa: N803
    """Promote the first on the waitlist: into a free seat (learners.fill_seats), or with
    `add_seat`, into one more seat (the cap raised by one through listings.update, which
    fills it)."""
    tenant = console.principal.tenant
    listing_id = _id("listing", listingId)
    with versions.writing(store, tenant) as conn:
        row = listing_service.get(conn, tenant, listing_id)
        first = [applicant.id for applicant in roster.waiting(conn, tenant, listing_id, limit=1)]
        if fields.get("add_seat") and row.enrollment_cap is not None and first:
            listing_service.update(conn, tenant, listing_id, {"enrollment_cap": row.enrollment_cap + 1})
            now_first = [applicant.id for applicant in roster.waiting(conn, tenant, listing_id, limit=1)]
            promoted = now_first != first
            if not promoted:  # closed for enrollment: the seat stays unraised
                raise Invalid("add_seat", "Nobody could be promoted: the listing is not open for enrollment.")
        else:
            promoted = bool(learners.fill_seats(conn, tenant, listing_id))
    return _back_to(listing_id, "promoted" if promoted else "no-one-promoted")


# --- nominations ---------------------------------------------------------------------------


@router.get(PREFIX + "/nominations")
def nominations_page(
    console: Signed,
    store: StoreDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    note: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    tenant = console.principal.tenant
    with store.read() as conn:
        rows = nomination_queries.list_nominations(
            conn, tenant, NominationFilter(), Page(PER_PAGE + 1, (page_number - 1) * PER_PAGE), _NOMINATION_COLUMNS
        )
    return console_page(
        "console_nominations.html",
        console,
        current="nominations",
        title=f"Nominations — {tenant.org_name} ({tenant.mode.value})",
        note=_note(note),
        nominations=rows[:PER_PAGE],
        page_number=page_number,
        has_next=len(rows) > PER_PAGE,
        moment=texts.moment,
    )


DECISIONS = {"approve": ("Approved", "approved"), "reject": ("Rejected", "rejected")}


@router.post(PREFIX + "/nominations/{nominationId}/{decision}")
def decide_nomination(
    nominationId: str,  # noqa: N803
    decision: str,
    console: Signed,
    fields: Form,
    store: StoreDep,
) -> Response:
    if decision not in DECISIONS:
        raise NotFound("decision", decision)
    status, note = DECISIONS[decision]
    tenant = console.principal.tenant
    nomination_id = _id("nomination", nominationId)
    with versions.writing(store, tenant) as conn:
        found = nomination_queries.find(conn, tenant, nomination_id)
        nominee = Nominee(user_id=found.user_id, organisation_id=found.organisation_id, nomination_id=found.id)
        nominations.update(
            conn, tenant, found.program_id, nominee, {"status": status, "updatedby": console.principal.key_public_id}
        )
    back = fields.get("back")
    location = back if back in (PREFIX + "/nominations", f"{PREFIX}/programs/{found.program_id}") else None
    return _done(location or PREFIX + "/nominations", note)


# --- credentials ---------------------------------------------------------------------------


@router.get(PREFIX + "/credentials")
def credentials_page(console: Signed, store: StoreDep) -> Response:
    tenant = console.principal.tenant
    now = utcnow()
    with store.read() as conn:
        batches = credentials.list_batches(conn, tenant)
    return console_page(
        "console_credentials.html",
        console,
        current="credentials",
        title=f"Credentials — {tenant.org_name} ({tenant.mode.value})",
        batches=[{"row": b, "status": credentials.batch_status(b.status, b.expires_at, now)} for b in batches],
        moment=texts.moment,
    )


@router.get(PREFIX + "/credentials/{batchId}")
def batch_page(
    batchId: str,  # noqa: N803
    console: Signed,
    store: StoreDep,
    note: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    tenant = console.principal.tenant
    possible_id("batch", batchId)
    with store.read() as conn:
        batch = credentials.get_batch(conn, tenant, batchId)
    return console_page(
        "console_batch.html",
        console,
        current="credentials",
        title=f"{batch.name} — credentials",
        note=_note(note),
        batch=batch,
        moment=texts.moment,
    )


@router.post(PREFIX + "/credentials/{batchId}/{recipientId}/revoke")
def revoke_credential(
    batchId: str,  # noqa: N803
    recipientId: str,  # noqa: N803
    console: Signed,
    fields: Form,
    store: StoreDep,
    signing: SigningDep,
) -> Response:
    tenant = console.principal.tenant
    possible_id("batch", batchId)
    possible_id("credential", recipientId)
    reason = _text(fields, "reason")
    with versions.writing(store, tenant) as conn:
        credentials.revoke(conn, tenant, recipientId, reason, signing_with=signing)
    return _done(f"{PREFIX}/credentials/{batchId}", "revoked")


# --- keys ----------------------------------------------------------------------------------


def _keys_page(
    console: Console, store: Any, *, created: keys.IssuedKey | None = None, note: str | None = None
) -> Response:
    tenant = console.principal.tenant
    with store.read() as conn:
        listed = keys.list_for_org(conn, tenant.org_public_id)
    return console_page(
        "console_keys.html",
        console,
        current="keys",
        title=f"API keys — {tenant.org_name}",
        keys=[key for key in listed if key.mode is tenant.mode],
        created=created,
        note=_note(note),
        current_key=console.principal.key_public_id,
        moment=texts.moment,
    )


@router.get(PREFIX + "/keys")
def keys_page(console: Signed, store: StoreDep, note: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    return _keys_page(console, store, note=note)


@router.post(PREFIX + "/keys")
def create_key(console: Signed, fields: Form, store: StoreDep) -> Response:
    """The new key's secret is on this answer only (no-store), never in a URL or a redirect."""
    tenant = console.principal.tenant
    label = _text(fields, "label")
    with versions.writing(store, tenant) as conn:
        issued = keys.create(conn, tenant.org_public_id, tenant.mode, label)
    return _keys_page(console, store, created=issued)


@router.post(PREFIX + "/keys/{keyId}/revoke")
def revoke_key(keyId: str, console: Signed, _fields: Form, store: StoreDep) -> Response:  # noqa: N803
    tenant = console.principal.tenant
    possible_id("key", keyId)
    with versions.writing(store, tenant) as conn:
        keys.revoke_own(conn, tenant.org_public_id, keyId)
    return _done(PREFIX + "/keys", "key-revoked")
