"""The public catalog: the pages behind every `listing_url` of a catalog without a site of
its own. No key: anyone may read what a catalog lists (core/catalogs/public.py says what
that is). Each client address may open at most `catalog_page_rate_limit` pages a minute,
counted in the database like the credential page's (so across every server process).

    /catalogs/<id>                   listed programs and courses: text, tag, kind, open now, paged
    /catalogs/<id>/programs/<path>   a program: its facts, enrollment state and whole tree
    /catalogs/<id>/courses/<path>    a course
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core.catalogs import public
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid, NotFound
from programhub.core.listings.enrollment import EnrollmentState
from programhub.core.listings.tree import Trees
from programhub.settings import Settings
from programhub.site import texts
from programhub.site.errors import SITE_ERRORS
from programhub.site.pagecache import PageCache
from programhub.site.visits import Visits
from programhub.store import Store
from programhub.web.addresses import client_address
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.flights import Flights
from programhub.web.pages import HTML, SECURITY_HEADERS, render

PREFIX = "/catalogs"
router = APIRouter(route_class=dialect_route_class(SITE_ERRORS), include_in_schema=False)

RATE_SCOPE = "catalog_page"
RATE_WINDOW = 60  # seconds
PER_PAGE = 20
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 200
MAX_PATH_LENGTH = 255
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=0, must-revalidate"}
_CATALOG_ID = re.compile(r"[0-9]{1,10}")
_MAX_ID = 2**31 - 1


def clock() -> float:
    """Epoch seconds now (a function, so tests can move time)."""
    return time.time()


def _app_state(request: Request) -> Any:
    """The site's per-process state of this app: the visit counts and the page cache."""
    state = request.app.state
    with _STATE_LOCK:
        if not hasattr(state, "site_visits"):
            state.site_visits = Visits(RATE_SCOPE, RATE_WINDOW)
            state.site_pages = PageCache()
            state.site_page_flights = Flights()
    return state


_STATE_LOCK = threading.Lock()


async def count_visit(request: Request, store: Store, settings: Settings) -> None:
    """Count this page read against its client address (site/visits.py: in the database, in
    batches, so most visits cost no write); refuse it with 429 past the limit."""
    limit = settings.catalog_page_rate_limit
    verdict = await _app_state(request).site_visits.count_async(store, client_address(request), limit, clock())
    if not verdict.allowed:
        raise HTTPException(
            429,
            f"Too many catalog pages were opened from this address: at most {limit} a minute; "
            f"try again in {verdict.retry_after} seconds.",
            headers={"Retry-After": str(verdict.retry_after)},
        )


async def _page(request: Request, key: Any, catalog: public.PublicCatalog, render_body: Callable[[], str]) -> Response:
    """The page kept under `key`, or `render_body()`'s on the thread pool: rendered once for
    all the requests that miss it at once (web/flights.py), and kept when the catalog has a
    data version."""
    state = _app_state(request)
    body = state.site_pages.get(key, clock())
    if body is None:

        async def render_and_keep() -> bytes:
            encoded = (await run_in_threadpool(render_body)).encode()
            if catalog.version is not None:
                state.site_pages.put(key, encoded, clock())
            return encoded

        body, _shared = await state.site_page_flights.share(key, render_and_keep)
    return _html(body)


def _html(body: bytes) -> Response:
    return Response(body, headers={**SECURITY_HEADERS, **PUBLIC_HEADERS}, media_type=HTML)


def catalog_id_of(value: str) -> int:
    """A catalog id a path may name; anything else cannot exist (404 without a query)."""
    if not _CATALOG_ID.fullmatch(value) or int(value) > _MAX_ID:
        raise NotFound("catalog", value)
    return int(value)


def _checked_text(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_QUERY_LENGTH:
        raise Invalid(field, f"The search may be at most {MAX_QUERY_LENGTH} characters long.")
    if any(ord(character) < 32 for character in value):
        raise Invalid(field, "The search may not contain control characters.")
    return value or None


def home_url(catalog_id: int, **query: Any) -> str:
    wanted = {name: value for name, value in query.items() if value not in (None, "", False)}
    return f"{PREFIX}/{catalog_id}" + (f"?{urlencode(wanted)}" if wanted else "")


def listing_url(catalog_id: int, kind: str, path: str) -> str:
    return f"{PREFIX}/{catalog_id}/{kind}s/{quote(path, safe='')}"


STATE_TEXT = {
    "open": "Open for enrollment",
    "waitlist": "Full: join the waitlist",
    "waitlist_full": "Full, and so is its waitlist",
    "full": "Full",
    "not_yet": "Enrollment not open yet",
    "closed": "Enrollment closed",
}


def describe_state(state: EnrollmentState) -> str:
    """What a person reads about enrollment: the phase, seats, dates."""
    parts = [STATE_TEXT[state.phase]]
    if state.phase == "open" and state.seats_left is not None:
        parts.append(f"{state.seats_left} seat{'s' if state.seats_left != 1 else ''} left")
    if state.phase == "waitlist":
        parts.append(
            f"{state.waiting} waiting" + ("" if state.waitlist_cap is None else f" of at most {state.waitlist_cap}")
        )
    if state.opens_at is not None:
        parts.append(f"opens {texts.day(state.opens_at)}")
    if state.closes_at is not None and state.phase != "closed":
        parts.append(f"until {texts.day(state.closes_at)}")
    return "; ".join(parts)


class Views:
    """Listings of one catalog's trees as the templates read them."""

    def __init__(self, catalog: public.PublicCatalog, trees: Trees, waiting: dict[int, int], now: datetime) -> None:
        self.catalog, self.trees, self.waiting, self.now = catalog, trees, waiting, now

    def __call__(self, listing_id: int) -> dict[str, Any]:
        row = self.trees.rows[listing_id]
        state = EnrollmentState.of(row, self.now, self.waiting.get(listing_id, 0))
        linked = public.is_public(row) and row["catalog_id"] == self.catalog.id
        return {
            "id": listing_id,
            "kind": row["kind"],
            "name": row["name"],
            "description": row["description"],
            "teaser": row["short_description"],
            "url": listing_url(self.catalog.id, row["kind"], row["listing_path"]) if linked else None,
            "credits": texts.number(self.trees.credits(listing_id)),
            "measurement": row["measurement"],
            "fee": texts.money(row["enrollment_fee_cents"], row["currency"]),
            "start": texts.day(row["start_date"]),
            "end": texts.day(row["end_date"]),
            "days": row["days_to_complete"],
            "tags": list(row["tag_names"] or []),
            "image": row["image"] if (row["image"] or "").startswith("https://") else None,
            "image_alt": row["image_alt_text"] or "",
            "state": state,
            "state_text": describe_state(state),
            "sequential": row["sequential"],
            "requirements": self.trees.requirements(listing_id),
        }


def _previewing(settings: Settings) -> bool:
    return settings.catalog_preview_test


@router.get(PREFIX + "/{catalogId}")
async def catalog_home(
    catalogId: str,  # noqa: N803 - one spelling with the other routes
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    tag: Annotated[str | None, Query(max_length=1000)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    open: Annotated[str | None, Query(max_length=20)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """A hit of the page cache is served on the event loop after the catalog's one query; a
    miss is read and rendered on the thread pool."""
    await count_visit(request, store, settings)
    catalog_id = catalog_id_of(catalogId)
    wanted = public.Search(
        text=_checked_text("q", q),
        tag=_checked_text("tag", tag),
        kind=kind if kind in public.KINDS else None,
        open_now=open is not None and open not in ("", "0", "false"),
        page=page_number,
        per_page=PER_PAGE,
    )

    def find() -> public.PublicCatalog:
        with store.read() as conn:
            return public.find(conn, catalog_id, previewing=_previewing(settings))

    catalog = await store.run_read(find, python_bound=True)
    key = ("home", catalog.id, catalog.version, wanted)
    return await _page(request, key, catalog, lambda: _render_home(store, catalog, wanted))


def _render_home(store: Store, catalog: public.PublicCatalog, wanted: public.Search) -> str:
    now = utcnow()
    with store.read() as conn:
        found = public.search(conn, catalog, wanted, now)
    catalog_id, page_number = catalog.id, wanted.page
    views = Views(catalog, found.trees, found.waiting, now)
    pages = max(1, -(-found.total // PER_PAGE))
    query = {"q": wanted.text, "tag": wanted.tag, "kind": wanted.kind, "open": "1" if wanted.open_now else None}
    link: Callable[[int], str] = lambda number: home_url(catalog_id, **query, page=number if number > 1 else None)  # noqa: E731
    return render(
        "catalog.html",
        title=catalog.name if found.total or wanted == public.Search(per_page=PER_PAGE) else f"Search — {catalog.name}",
        indexable=not catalog.is_test,
        catalog=catalog,
        home=home_url(catalog_id),
        wanted=wanted,
        results=[views(listing_id) for listing_id in found.ids],
        total=found.total,
        page_number=page_number,
        pages=pages,
        previous_url=link(page_number - 1) if page_number > 1 else None,
        next_url=link(page_number + 1) if page_number < pages else None,
        tag_url=lambda name: home_url(catalog_id, tag=name),
    )


async def _listing_page(
    kind: str, catalog_id_text: str, path: str, request: Request, store: Store, settings: Settings
) -> Response:
    await count_visit(request, store, settings)
    catalog_id = catalog_id_of(catalog_id_text)
    if len(path) > MAX_PATH_LENGTH or any(ord(character) < 32 for character in path):
        raise NotFound(kind, path)

    def locate() -> tuple[public.PublicCatalog, int]:
        with store.read() as conn:
            return public.locate(conn, catalog_id, kind, path, previewing=_previewing(settings))

    catalog, listing_id = await store.run_read(locate, python_bound=True)
    key = (kind, catalog.id, catalog.version, listing_id)
    return await _page(request, key, catalog, lambda: _render_listing(store, settings, catalog, listing_id, kind, path))


def _render_listing(
    store: Store, settings: Settings, catalog: public.PublicCatalog, listing_id: int, kind: str, path: str
) -> str:
    now = utcnow()
    catalog_id = catalog.id
    with store.read() as conn:
        shown = public.with_tree(conn, catalog, listing_id)
    views = Views(shown.catalog, shown.trees, shown.waiting, now)
    listing = views(shown.listing_id)
    page_url = f"{settings.public_url}{listing_url(catalog_id, kind, path)}"
    return render(
        "listing.html",
        title=f"{listing['name']} — {shown.catalog.name}",
        indexable=not shown.catalog.is_test,
        catalog=shown.catalog,
        home=home_url(catalog_id),
        listing=listing,
        view=views,
        page_url=page_url,
        tag_url=lambda name: home_url(catalog_id, tag=name),
    )


@router.get(PREFIX + "/{catalogId}/programs/{path}")
async def program_page(catalogId: str, path: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:  # noqa: N803
    return await _listing_page("program", catalogId, path, request, store, settings)


@router.get(PREFIX + "/{catalogId}/courses/{path}")
async def course_page(catalogId: str, path: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:  # noqa: N803
    return await _listing_page("course", catalogId, path, request, store, settings)
