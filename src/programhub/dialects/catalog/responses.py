"""Programs and courses on Catalog's wire: request fields translated to the core's names,
and listing rows rendered key for key as the seed shows them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement, RowMapping

from programhub.core.catalogs.models import catalogs
from programhub.core.errors import Conflict, Invalid
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.listings.tree import Trees
from programhub.dialects.catalog import values as v
from programhub.store import sqljson as sj

PROGRAM, COURSE = "program", "course"
BOTH = frozenset({PROGRAM, COURSE})
TYPES = {PROGRAM: "Program", COURSE: "Course"}
VISIBILITIES = ("listed", "unlisted")


@dataclass(frozen=True, slots=True)
class WireField:
    core: str | None  # None: not a listing column (requirement_ids)
    parse: v.Parser
    kinds: frozenset[str] = BOTH


# Request fields: Catalog's names (the seed's create/update body, plus the response fields
# a client can sensibly write back), their core columns and their parsers.
FIELDS: dict[str, WireField] = {
    "title": WireField("name", v.title),
    "description": WireField("description", v.nullable_text),
    "path": WireField("listing_path", v.path),
    "teaser": WireField("short_description", v.nullable_text),
    "enrollment_open": WireField("enrollment_open", v.boolean),
    "enrollment_open_from": WireField("enrollment_open_from", v.nullable(v.moment)),
    "enrollment_open_to": WireField("enrollment_open_to", v.nullable(v.moment)),
    "visibility": WireField("visibility", v.choice(*VISIBILITIES)),
    "enrollment_cap": WireField("enrollment_cap", v.nullable(v.non_negative)),
    "enrollment_fee": WireField("enrollment_fee_cents", v.cents),
    "allowed_payment_types": WireField("allowed_payment_types", v.string_list),
    "days_to_complete": WireField("days_to_complete", v.nullable(v.non_negative)),
    "account_id": WireField("catalog_id", v.integer),
    "list_order": WireField("list_order", v.nullable(v.integer)),
    "waitlist": WireField("waitlist", v.boolean),
    "waitlist_cap": WireField("waitlist_cap", v.nullable(v.non_negative)),
    "listing_image": WireField("image", v.nullable(v.text)),
    "image_alt_text": WireField("image_alt_text", v.nullable(v.text)),
    "tag_names": WireField("tag_names", v.string_list),
    "show_free_banner": WireField("show_free_banner", v.boolean),
    "associated_account_ids": WireField("associated_account_ids", v.id_list),
    "start_date": WireField("start_date", v.nullable(v.moment)),
    "end_date": WireField("end_date", v.nullable(v.moment)),
    "credits": WireField("credits", v.nullable(v.quantity)),
    "currency": WireField("currency", v.text),
    "measurement": WireField("measurement", v.text),
    "sku": WireField("sku", v.nullable(v.text)),
    "canvas_section_id": WireField("canvas_section_id", v.nullable(v.integer)),
    "canvas_course_id": WireField("canvas_course_id", v.nullable(v.integer), frozenset({COURSE})),
    "sequential": WireField("sequential", v.boolean, frozenset({PROGRAM})),
    "requirement_ids": WireField(None, v.id_list, frozenset({PROGRAM})),
}
WIRE_NAMES = {spec.core: name for name, spec in FIELDS.items() if spec.core}

# Pairs that must stay in order: (earlier, later).
WINDOWS = (("enrollment_open_from", "enrollment_open_to"), ("start_date", "end_date"))


@dataclass(slots=True)
class ListingInput:
    """A request body in core terms."""

    fields: dict[str, Any] = field(default_factory=dict)
    requirement_ids: list[int] | None = None


def listing_input(kind: str, body: Mapping[str, Any]) -> ListingInput:
    """Translate and check the fields of a create or update body; unknown keys are
    ignored (as Catalog does), a field of the other kind is refused."""
    result = ListingInput()
    for name, raw in body.items():
        spec = FIELDS.get(name)
        if spec is None:
            continue
        if kind not in spec.kinds:
            other = "programs" if kind == COURSE else "courses"
            raise Invalid(name, f"{name} applies only to {other}")
        value = spec.parse(name, raw)
        if spec.core is None:
            result.requirement_ids = value
        else:
            # The core's own checks, reported with the wire name.
            result.fields[spec.core] = listings_service.FIELDS[spec.core](name, value)
    return result


@contextmanager
def wire_names() -> Iterator[None]:
    """Report the core's field errors under the names the request used
    (`listing_path` -> `path`, `name` -> `title`)."""
    try:
        yield
    except (Invalid, Conflict) as exc:
        wire = WIRE_NAMES.get(exc.field or "")
        if wire is None or wire == exc.field:
            raise
        raise Invalid(wire, exc.message.replace(exc.field or "", wire, 1)) from None


def check_windows(merged: Mapping[str, Any], changed: Mapping[str, Any]) -> None:
    for start, end in WINDOWS:
        touched = start in changed or end in changed
        if touched and merged.get(start) and merged.get(end) and merged[start] > merged[end]:
            raise Invalid(WIRE_NAMES[end], f"{WIRE_NAMES[end]} must not be before {WIRE_NAMES[start]}")


# The service's own URL (the default catalog's site), bound when a query runs.
PUBLIC_URL = sa.bindparam("public_url", type_=sa.Text())


def _listing_columns() -> tuple[ColumnElement[Any], ...]:
    """What a listing is rendered from: the database builds its JSON in two fragments,
    `head` (id .. created_at) and `tail` (measurement .. associated_account_ids), so the
    derived credits go between them and the kind's own keys after, in the seed's order.
    Built once: queries that select them pass `{"public_url": ...}` when they run."""
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
    tail = sj.json_object(
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
        ("listing_url", sa.func.coalesce(c.url, PUBLIC_URL) + "/" + t.kind + "s/" + t.listing_path),
        ("start_date", sj.slash_time(t.start_date)),
        ("end_date", sj.slash_time(t.end_date)),
        ("canvas_section_id", t.canvas_section_id),
        ("associated_account_ids", sj.document(t.associated_account_ids)),
    )
    return (
        t.id,
        t.kind,
        t.credits,
        t.sequential,
        t.canvas_course_id,
        sj.as_text(head).label("head"),
        sj.as_text(tail).label("tail"),
    )


LISTING_COLUMNS = _listing_columns()


class Renderer:
    """Listing objects as JSON text, nested from a Trees; a listing reached twice is
    built once."""

    def __init__(self, trees: Trees) -> None:
        self.trees = trees
        self._built: dict[int, str] = {}

    def listing(self, listing_id: int) -> str:
        built = self._built.get(listing_id)
        if built is None:
            built = self._build(self.trees.rows[listing_id])
            self._built[listing_id] = built
        return built

    def _build(self, row: RowMapping) -> str:
        credits = orjson.dumps(v.number(self.trees.credits(row["id"]))).decode()
        middle = f'{row["head"][:-1]},"credits":{credits},{row["tail"][1:-1]}'
        if row["kind"] == PROGRAM:
            children = ",".join(self.listing(child) for child in self.trees.requirements(row["id"]))
            sequential = "true" if row["sequential"] else "false"
            return f'{middle},"sequential":{sequential},"requirements":[{children}]}}'
        course_id = row["canvas_course_id"]
        canvas_course = "null" if course_id is None else f'{{"id":{course_id}}}'
        return f'{middle},"canvas_course":{canvas_course}}}'


def envelope(root: str, items: list[str]) -> bytes:
    """`{"<root>": item}` for one JSON text, `{"<root>s": [...]}` for a list."""
    return f'{{"{root}":[{",".join(items)}]}}'.encode()


def single(root: str, item: str) -> bytes:
    return f'{{"{root}":{item}}}'.encode()
