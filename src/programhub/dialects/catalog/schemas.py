"""Programs and courses on Catalog's wire: request fields translated to the core's names,
and listing rows rendered key for key as the seed shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping

from programhub.core.catalogs.models import catalogs
from programhub.core.errors import Invalid
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.listings.tree import Trees
from programhub.dialects.catalog import values as v

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
    "listing_image": WireField("image", v.nullable_text),
    "image_alt_text": WireField("image_alt_text", v.nullable_text),
    "tag_names": WireField("tag_names", v.string_list),
    "show_free_banner": WireField("show_free_banner", v.boolean),
    "associated_account_ids": WireField("associated_account_ids", v.id_list),
    "start_date": WireField("start_date", v.nullable(v.moment)),
    "end_date": WireField("end_date", v.nullable(v.moment)),
    "credits": WireField("credits", v.nullable(v.quantity)),
    "currency": WireField("currency", v.text),
    "measurement": WireField("measurement", v.text),
    "sku": WireField("sku", v.nullable_text),
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


def check_windows(merged: Mapping[str, Any], changed: Mapping[str, Any]) -> None:
    for start, end in WINDOWS:
        if (start in changed or end in changed) and merged.get(start) and merged.get(end):
            if merged[start] > merged[end]:
                raise Invalid(WIRE_NAMES[end], f"{WIRE_NAMES[end]} must not be before {WIRE_NAMES[start]}")


# The columns a listing is rendered from.
COLUMNS = (
    listings.c.id,
    listings.c.kind,
    listings.c.name,
    listings.c.description,
    listings.c.start_date,
    listings.c.end_date,
    listings.c.image,
    listings.c.created_at,
    listings.c.updated_at,
    listings.c.catalog_id,
    listings.c.visibility,
    listings.c.short_description,
    listings.c.listing_path,
    listings.c.image_alt_text,
    listings.c.enrollment_open,
    listings.c.enrollment_open_from,
    listings.c.enrollment_open_to,
    listings.c.enrollment_cap,
    listings.c.waitlist,
    listings.c.waitlist_cap,
    listings.c.enrollment_fee_cents,
    listings.c.currency,
    listings.c.credits,
    listings.c.measurement,
    listings.c.list_order,
    listings.c.sku,
    listings.c.show_free_banner,
    listings.c.allowed_payment_types,
    listings.c.tag_names,
    listings.c.associated_account_ids,
    listings.c.canvas_section_id,
    listings.c.canvas_course_id,
    listings.c.sequential,
    catalogs.c.name.label("catalog_name"),
    catalogs.c.url.label("catalog_url"),
)


class Renderer:
    """Builds listing objects from a Trees; a listing reached twice is built once."""

    def __init__(self, trees: Trees, public_url: str) -> None:
        self.trees = trees
        self.public_url = public_url
        self._built: dict[int, dict[str, Any]] = {}

    def listing(self, listing_id: int) -> dict[str, Any]:
        built = self._built.get(listing_id)
        if built is None:
            built = self._build(self.trees.rows[listing_id])
            self._built[listing_id] = built
        return built

    def _build(self, row: RowMapping) -> dict[str, Any]:
        kind = row["kind"]
        site = row["catalog_url"] or self.public_url
        body: dict[str, Any] = {
            "id": row["id"],
            "visibility": row["visibility"],
            "enrollment_open": row["enrollment_open"],
            "enrollment_open_from": v.timestamp(row["enrollment_open_from"]),
            "enrollment_open_to": v.timestamp(row["enrollment_open_to"]),
            "enrollment_cap": row["enrollment_cap"],
            "description": row["description"],
            "enrollment_fee": v.money(row["enrollment_fee_cents"]),
            "created_at": v.timestamp(row["created_at"]),
            "credits": v.number(self.trees.credits(row["id"])),
            "measurement": row["measurement"],
            "updated_at": v.timestamp(row["updated_at"]),
            "short_description": row["short_description"],
            "listing_path": row["listing_path"],
            "listing_image": row["image"],
            "currency": row["currency"],
            "catalog": {"id": row["catalog_id"], "name": row["catalog_name"]},
            "type": TYPES[kind],
            "title": row["name"],
            "list_order": row["list_order"],
            "waitlist": row["waitlist"],
            "waitlist_cap": row["waitlist_cap"],
            "sku": row["sku"],
            "show_free_banner": row["show_free_banner"],
            "image_alt_text": row["image_alt_text"],
            "allowed_payment_types": row["allowed_payment_types"],
            "tag_names": row["tag_names"],
            "listing_url": f"{site}/{kind}s/{row['listing_path']}",
            "start_date": v.timestamp(row["start_date"]),
            "end_date": v.timestamp(row["end_date"]),
            "canvas_section_id": row["canvas_section_id"],
            "associated_account_ids": row["associated_account_ids"],
        }
        if kind == PROGRAM:
            body["sequential"] = row["sequential"]
            body["requirements"] = [self.listing(child) for child in self.trees.requirements(row["id"])]
        else:
            course_id = row["canvas_course_id"]
            body["canvas_course"] = None if course_id is None else {"id": course_id}
        return body
