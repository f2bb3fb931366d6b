"""Catalog's wire shapes out: the base path, listings (programs and courses) rendered key
for key as the seed shows them, by the database, and the `account` object of a catalog."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement

from programhub.core.catalogs.models import catalogs
from programhub.core.credentials.signing import credential_url
from programhub.core.db import AnyRow
from programhub.core.listings import tree
from programhub.core.listings.models import listings
from programhub.core.listings.tree import Trees
from programhub.core.renderings import service as renderings
from programhub.store import sqljson as sj

PREFIX = "/api/v1"
PROGRAM, COURSE = "program", "course"
TYPES = {PROGRAM: "Program", COURSE: "Course"}

# The settings a catalog shows, with what each shows while it has not been set.
DEFAULT_SETTINGS: dict[str, Any] = {
    "privacy_policy_url": None,
    "terms_url": None,
    "currency": "USD",
    "supported_payment_types": "standard",
    "time_zone": None,
    "country": None,
    "measurement": "credit",
    "allow_user_registration": True,
    "private_catalog": False,
    "show_listings_in_parent": True,
}


def timestamp(moment: datetime | None) -> str | None:
    """`2025/03/28 13:11:23 +0000`, the year in four digits (strftime's `%Y` writes the
    year 690 as `690` on glibc, which Catalog's format does not allow)."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}/{utc.month:02d}/{utc.day:02d} {utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000"


def number(value: float | None) -> float | int | None:
    """9.0 -> 9, 4.5 -> 4.5: whole numbers are shown without a fraction, as in the seed."""
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _listing_pieces() -> tuple[ColumnElement[Any], ...]:
    """A listing as Catalog shows it, in three pieces the database renders when the
    listing is written (render on write, core/renderings): `body` (id .. created_at),
    `middle` (measurement .. tag_names) and `tail` (start_date .. associated_account_ids).
    Between them a read puts what only it knows: the credits derived from the tree, and
    the `listing_url`, whose base may be the service's own public URL."""
    t, c = listings.c, catalogs.c
    head = sj.json_object(
        ("id", t.id),
        ("visibility", t.visibility),
        ("enrollment_open", sj.boolean(t.enrollment_open)),
        ("enrollment_open_from", sj.slash_time(t.enrollment_open_from)),
        ("enrollment_open_to", sj.slash_time(t.enrollment_open_to)),
        ("enrollment_cap", t.enrollment_cap),
        ("description", t.description),
        ("enrollment_fee", sj.cents(t.enrollment_fee_cents)),
        ("created_at", sj.slash_time(t.created_at)),
    )
    middle = sj.json_object(
        ("measurement", t.measurement),
        ("updated_at", sj.slash_time(t.updated_at)),
        ("short_description", t.short_description),
        ("listing_path", t.listing_path),
        ("listing_image", t.image),
        ("currency", t.currency),
        ("catalog", sj.json_object(("id", t.catalog_id), ("name", c.name))),
        ("type", sa.case((t.kind == PROGRAM, TYPES[PROGRAM]), else_=TYPES[COURSE])),
        ("title", t.name),
        ("list_order", t.list_order),
        ("waitlist", sj.boolean(t.waitlist)),
        ("waitlist_cap", t.waitlist_cap),
        ("sku", t.sku),
        ("show_free_banner", sj.boolean(t.show_free_banner)),
        ("image_alt_text", t.image_alt_text),
        ("allowed_payment_types", sj.document(t.allowed_payment_types)),
        ("tag_names", sj.document(t.tag_names)),
    )
    tail = sj.json_object(
        ("start_date", sj.slash_time(t.start_date)),
        ("end_date", sj.slash_time(t.end_date)),
        ("canvas_section_id", t.canvas_section_id),
        ("associated_account_ids", sj.document(t.associated_account_ids)),
    )
    return (sj.as_text(head), sj.as_text(middle), sj.as_text(tail))


LISTING = renderings.register(
    renderings.Face(
        "catalog.listing", listings, _listing_pieces, joins=lambda source: tree.listings_with_catalogs(), code=1
    )
)
LISTING_SOURCE, _PIECES = renderings.joined(LISTING)
# The stored pieces alone (NULL where a listing has none): statements a fraction of the size
# of those that can render a listing on the spot, which a read runs only for such listings.
STORED_SOURCE, STORED_PIECES = renderings.attached(LISTING, tree.listings_with_catalogs(), fallback=False)
# A tree is read with what a read splices between the stored pieces, the pieces' sizes
# (to refuse an answer over the budget) and the stored pieces themselves, which the
# database sends only when the tree's rows fit the budget (`tree.load`'s `texts`). A
# listing without stored pieces has no size (NULL) and is rendered on the spot.
STORED_SIZE = sum((sa.func.length(piece) for piece in STORED_PIECES), sa.literal(0)).label("size")
TREE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    listings.c.id,
    listings.c.kind,
    listings.c.credits,
    listings.c.sequential,
    listings.c.canvas_course_id,
    listings.c.listing_path,
    listings.c.catalog_id,
    catalogs.c.url.label("catalog_url"),
    STORED_SIZE,
)
PIECE_COLUMNS: tuple[ColumnElement[Any], ...] = (listings.c.id, *STORED_PIECES)
LIVE_PIECE_COLUMNS: tuple[ColumnElement[Any], ...] = (listings.c.id, *_PIECES)


def rendered_size(pieces_length: int) -> int:
    """About how many bytes a listing takes in an answer, beyond its requirements, from
    the length of its pieces."""
    return pieces_length + 200


def pieces_length(pieces: tree.Row) -> int:
    """The length of a listing's pieces as read (what TREE_COLUMNS' `size` counts)."""
    return sum(len(pieces[column.name]) for column in _PIECES)


# The public catalog's pages (programhub.site.catalog) live here under the service's URL.
SITE_CATALOGS = "/catalogs"


def catalog_site(catalog_url: str | None, catalog_id: int, public_url: str) -> str:
    """Where a catalog's listings live: its own site, else its page on this service."""
    return catalog_url or f"{public_url}{SITE_CATALOGS}/{catalog_id}"


def listing_url(site: str, kind: str, path: str) -> str:
    """`<catalog site>/programs/<path>` (`site`: `catalog_site`, the catalog's own site when
    it has one, else its pages in the public catalog, which answer the listing)."""
    return f"{site}/{kind}s/{quote(path, safe='')}"


class Renderer:
    """Listing objects as JSON text, nested from a Trees. Each listing's text is written
    once, as parts of one list joined at the end (each byte copied once, not once per
    level it is nested in); a listing reached again repeats its parts. `public_url` is
    the base of the listings of catalogs without a URL."""

    def __init__(self, trees: Trees, pieces: Mapping[int, tree.Row], public_url: str) -> None:
        self.trees = trees
        self.pieces = pieces
        self.public_url = public_url
        self._parts: list[str] = []
        self._spans: dict[int, tuple[int, int]] = {}  # where each listing's parts are
        self._sites: dict[int, str] = {}  # by catalog id

    def listing(self, listing_id: int) -> str:
        """The listing and its requirements, nested, as one JSON text."""
        start = len(self._parts)
        self._write(listing_id)
        return "".join(self._parts[start:])

    def _write(self, listing_id: int) -> None:
        parts = self._parts
        span = self._spans.get(listing_id)
        if span is not None:
            parts.extend(parts[span[0] : span[1]])
            return
        start = len(parts)
        trees = self.trees
        row = trees.rows[listing_id]
        credits = number(trees.credits(listing_id))
        kind = row["kind"]
        text = self.pieces[listing_id]
        parts.append(
            f'{text["body"][:-1]},"credits":{orjson.dumps(credits).decode()},{text["middle"][1:-1]},'
            f'"listing_url":{self._url(row)},{text["tail"][1:-1]}'
        )
        if kind == PROGRAM:
            parts.append(
                ',"sequential":true,"requirements":[' if row["sequential"] else ',"sequential":false,"requirements":['
            )
            for position, child in enumerate(trees.requirements(listing_id)):
                if position:
                    parts.append(",")
                self._write(child)
            parts.append("]}")
        else:
            course_id = row["canvas_course_id"]
            parts.append(',"canvas_course":null}' if course_id is None else f',"canvas_course":{{"id":{course_id}}}}}')
        self._spans[listing_id] = (start, len(parts))

    def _url(self, row: tree.Row) -> str:
        """The listing's `listing_url` as JSON (`listing_url`, its catalog's site found once)."""
        catalog_id = row["catalog_id"]
        site = self._sites.get(catalog_id)
        if site is None:
            site = self._sites[catalog_id] = catalog_site(row["catalog_url"], catalog_id, self.public_url)
        return orjson.dumps(listing_url(site, row["kind"], row["listing_path"])).decode()


def envelope(root: str, items: list[str]) -> bytes:
    """`{"<root>": [...]}` for a list of JSON texts (`root` is plural: `programs`)."""
    return f'{{"{root}":[{",".join(items)}]}}'.encode()


def single(root: str, item: str) -> bytes:
    """`{"<root>": item}` for one JSON text."""
    return f'{{"{root}":{item}}}'.encode()


def account_json(row: AnyRow, public_url: str) -> dict[str, Any]:
    """A catalog as Catalog's `account` (a faithful subset of Catalog's)."""
    settings = {**DEFAULT_SETTINGS, **(row.settings or {})}
    return {
        "id": row.id,
        "name": row.name,
        "parent": None,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "canvas_domain": row.canvas_domain,
        "canvas_id": row.canvas_id,
        "settings": settings,
        "url": catalog_site(row.url, row.id, public_url),
        "measurement": settings["measurement"],
    }


def certificate_json(row: AnyRow) -> dict[str, Any]:
    """A listing's certificate, key for key as Catalog's documentation shows it."""
    return {
        "id": row.id,
        "listing_id": row.listing_id,
        "name": row.name,
        "active": row.active,
        "template": row.template,
        "pdf_settings": row.pdf_settings,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "days_to_expire": row.days_to_expire,
        "expires_at": timestamp(row.expires_at),
    }


# Catalog's `canvas_course_workflow_state`, from the listing's state (programhub keeps no
# Canvas course: the listing stands for it).
WORKFLOW_STATES = {"live": "available", "unlisted": "available", "retired": "completed", "draft": "unpublished"}


def completed_certificate_json(row: AnyRow, public_url: str) -> dict[str, Any]:
    """A user's completion as `GET /completed_certificates` shows it: `certificate_url` is
    the credential's page (Record's credentialUrl), null without a standing award."""
    return {
        "canvas_course_id": row.canvas_course_id,
        "catalog_title": row.name,
        "canvas_course_name": row.name,
        "certificate_url": None
        if row.recipient_public_id is None
        else credential_url(public_url, row.recipient_public_id),
        "canvas_course_workflow_state": "deleted" if row.deleted_at is not None else WORKFLOW_STATES[row.status],
        "completed_at": timestamp(row.requirements_completed_at),
    }


def revoked_certificate_json(
    canvas_user_id: int | None, canvas_course_id: int | None, listing_id: int
) -> dict[str, Any]:
    return {"canvas_user_id": canvas_user_id, "canvas_course_id": canvas_course_id, "listing_id": listing_id}
