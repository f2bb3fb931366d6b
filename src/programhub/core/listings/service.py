"""Writing listings (programs and courses) and their requirement graph.

Field names here are the core's vocabulary (the `listings` columns); each dialect maps its
wire names onto them. Reads for each dialect's shapes live with the queries that need them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from programhub.core import validation as check
from programhub.core import versions
from programhub.core.catalogs import service as catalogs_service
from programhub.core.clock import utcnow
from programhub.core.db import AnyRow, insert_rows
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.ids import new_uuid, public_id, random_base36
from programhub.core.listings.models import (
    FACETS,
    KINDS,
    PROGRAM_TYPES,
    STATUSES,
    listings,
    program_facets,
    requirements,
)
from programhub.core.renderings import service as renderings
from programhub.core.tenancy import Tenant, bound_values, owned_by, owned_by_bound, update_owned
from programhub.core.text import fold, search_text

Checker = Callable[[str, Any], Any]
MAX_REQUIREMENTS = 1000


def _nullable(checker: Checker) -> Checker:
    return lambda field, value: None if value is None else checker(field, value)


def _long_text(field: str, value: Any) -> str:
    return check.text(field, value, max_length=check.LONG_TEXT)


def _non_negative(field: str, value: Any) -> int:
    return check.integer(field, value, minimum=0)


FIELDS: dict[str, Checker] = {
    "name": lambda f, v: check.text(f, v, allow_empty=False),
    "description": _nullable(_long_text),
    "status": lambda f, v: check.one_of(f, v, STATUSES),
    "start_date": _nullable(check.moment),
    "end_date": _nullable(check.moment),
    "image": _nullable(check.text),
    "catalog_id": lambda f, v: check.integer(f, v, minimum=1),
    "visibility": lambda f, v: check.text(f, v, allow_empty=False, max_length=16),
    "short_description": _nullable(_long_text),
    "listing_path": lambda f, v: check.text(f, v, allow_empty=False, max_length=255),
    "image_alt_text": _nullable(check.text),
    "enrollment_open": check.boolean,
    "enrollment_open_from": _nullable(check.moment),
    "enrollment_open_to": _nullable(check.moment),
    "enrollment_cap": _nullable(_non_negative),
    "enrollment_count": _non_negative,
    "waitlist": check.boolean,
    "waitlist_cap": _nullable(_non_negative),
    "enrollment_fee_cents": lambda f, v: check.integer(f, v, minimum=0, bounds=check.INT64),
    "currency": check.currency,
    "credits": _nullable(lambda f, v: check.number(f, v, minimum=0, maximum=99_999_999)),
    "measurement": lambda f, v: check.text(f, v, allow_empty=False, max_length=16),
    "list_order": _nullable(check.integer),
    "sku": _nullable(check.text),
    "show_free_banner": check.boolean,
    "allowed_payment_types": check.string_list,
    "tag_names": check.string_list,
    "associated_account_ids": check.int_list,
    "days_to_complete": _nullable(_non_negative),
    "canvas_section_id": _nullable(check.integer),
    "canvas_course_id": _nullable(check.integer),
    "sequential": check.boolean,
    "program_type": lambda f, v: check.one_of(f, v, PROGRAM_TYPES),
    "nomination_enddate": _nullable(check.moment),
    "shortlisting_enddate": _nullable(check.moment),
    "content_submission_enddate": _nullable(check.moment),
    "content_types": _nullable(lambda f, v: check.string_list(f, v, max_length=check.INDEXED_TEXT)),
    "collection_ids": _nullable(check.json_document),
    "target_collection_category": _nullable(lambda f, v: check.string_list(f, v, max_length=check.INDEXED_TEXT)),
    "rolemapping": _nullable(check.role_mapping),
    "config": _nullable(lambda f, v: _config(f, v)),
    "slug": _nullable(check.text),
    "channel": _nullable(check.text),
    "template_id": _nullable(check.text),
    "guidelines_url": _nullable(check.text),
    "rootorg_id": _nullable(check.text),
    "sourcing_org_name": _nullable(check.text),
    "createdby": _nullable(check.text),
    "updatedby": _nullable(check.text),
    "target_type": _nullable(check.text),
    "targetprimarycategories": _nullable(check.json_document),
    "targetprimarycategorynames": _nullable(check.string_list),
    "acceptedcontents": _nullable(check.string_list),
    "rejectedcontents": _nullable(check.string_list),
    "sourcingrejectedcomments": _nullable(check.json_document),
    "closed_at": _nullable(check.moment),
}

_DEFAULTS: dict[str, Any] = {
    "allowed_payment_types": ["standard"],
    "tag_names": [],
    "associated_account_ids": [],
}

_SEARCHED = ("name", "description", "tag_names")
_FACETED = ("content_types", "target_collection_category", "config")


def _not_object(field: str) -> None:
    raise Invalid(field, f"{field} must be an object")


def _config(field: str, value: Any) -> dict[str, Any]:
    """Any JSON object; its framework terms are indexed (program_facets), so each is short."""
    if not isinstance(value, dict):
        _not_object(field)
    # Each member may nest as deep as any JSON document (real coKreat configs are 9 levels deep).
    check.storable_keys(field, value)
    for member in value.values():
        check.json_document(field, member)
    for facet in FACETS[2:]:
        terms = value.get(facet)
        for term in terms if isinstance(terms, list) else [terms]:
            if isinstance(term, str) and len(term) > check.INDEXED_TEXT:
                raise Invalid(field, f"{field}.{facet} values must be at most {check.INDEXED_TEXT} characters")
    return value


def checked(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate core field values; unknown field names are a programming error."""
    unknown = set(fields) - FIELDS.keys()
    if unknown:
        raise KeyError(f"not listing fields: {sorted(unknown)}")
    return {name: FIELDS[name](name, value) for name, value in fields.items()}


def create(conn: Connection, tenant: Tenant, kind: str, fields: Mapping[str, Any]) -> int:
    """Insert a listing; returns its integer id (shared by programs and courses)."""
    check.one_of("kind", kind, KINDS)
    values = {**_DEFAULTS, **checked(fields)}
    if "name" not in values:
        raise Invalid("name", "name is required")
    if "catalog_id" in values:
        catalogs_service.ensure_owned(conn, tenant, values["catalog_id"])
    else:
        values["catalog_id"] = catalogs_service.default_id(conn, tenant)
    now = utcnow()
    values.update(
        org_id=tenant.org_id,
        mode=tenant.mode.value,
        kind=kind,
        public_id=public_id("prog" if kind == "program" else "course", now),
        uuid=new_uuid(),
        created_at=now,
        updated_at=now,
        name_folded=fold(values["name"]),
        search_text=search_text(values["name"], values.get("description"), *values["tag_names"]),
    )
    if "listing_path" in values:
        _ensure_path_free(conn, values["catalog_id"], kind, values["listing_path"], None)
        with _path_clash_as_conflict(values["listing_path"]):
            listing_id = _insert(conn, values)
    else:
        listing_id = _insert_with_generated_path(conn, values)
    _write_facets(conn, tenant, listing_id, values, replace=False)
    renderings.refresh(conn, listings, [listing_id])
    return listing_id


def _insert(conn: Connection, values: Mapping[str, Any]) -> int:
    return conn.execute(sa.insert(listings).values(values).returning(listings.c.id)).scalar_one()


def _insert_with_generated_path(conn: Connection, values: dict[str, Any]) -> int:
    """Give a listing created without a path the first free `<slug>`, `<slug>-2`, ...
    A concurrent writer may take the same path between the check and the insert; the
    insert then runs again (in a savepoint) with a random suffix."""
    base = slugify(values["name"], values["kind"])
    values["listing_path"] = _first_free_path(conn, values["catalog_id"], values["kind"], base)
    for _attempt in range(3):
        try:
            with conn.begin_nested():
                return _insert(conn, values)
        except IntegrityError as exc:
            if "listing_path" not in str(exc.orig):
                raise
            values["listing_path"] = f"{base}-{random_base36(6)}"
    with _path_clash_as_conflict(values["listing_path"]):
        return _insert(conn, values)


def slugify(name: str, fallback: str) -> str:
    """`Program 21: Intro` -> `program-21-intro` (ASCII, at most 80 characters)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80].strip("-") or fallback


def _first_free_path(conn: Connection, catalog_id: int, kind: str, base: str) -> str:
    # A slug has only [a-z0-9-], so it needs no LIKE escaping.
    taken = set(
        conn.execute(
            sa.select(listings.c.listing_path).where(
                listings.c.catalog_id == catalog_id,
                listings.c.kind == kind,
                listings.c.deleted_at.is_(None),
                sa.or_(listings.c.listing_path == base, listings.c.listing_path.like(f"{base}-%")),
            )
        ).scalars()
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def update(
    conn: Connection,
    tenant: Tenant,
    listing_id: int,
    changes: Mapping[str, Any],
    *,
    kind: str | None = None,
    current: AnyRow | None = None,
) -> None:
    """Change only the fields named in `changes`. `current` is the listing as `get` read it
    in this transaction, when the caller has it (reading it again cost a Catalog edit a
    round trip inside its tenant's lock and converting the whole row, ~0.5 ms)."""
    if current is None:
        current = get(conn, tenant, listing_id, kind=kind)
    values = checked(changes)
    if "catalog_id" in values:
        catalogs_service.ensure_owned(conn, tenant, values["catalog_id"])
    merged = {**current._mapping, **values}
    if any(name in values for name in _SEARCHED):
        values["name_folded"] = fold(merged["name"])
        values["search_text"] = search_text(merged["name"], merged["description"], *merged["tag_names"])
    if "listing_path" in values or "catalog_id" in values:
        _ensure_path_free(conn, merged["catalog_id"], current.kind, merged["listing_path"], listing_id)
    values["updated_at"] = utcnow()
    with _path_clash_as_conflict(merged["listing_path"]):
        update_owned(conn, listings, tenant, listing_id, values)
    if any(name in values for name in _FACETED):
        _write_facets(conn, tenant, listing_id, merged, replace=True)
    renderings.refresh(conn, listings, [listing_id])
    if any(name in values for name in SEAT_FIELDS):
        # Imported here: the learners core builds on this module.
        from programhub.core.learners import service as learners

        learners.fill_seats(conn, tenant, listing_id)


# A change to one of these may free seats for a listing's waitlist (or end it).
SEAT_FIELDS = (
    "enrollment_cap",
    "waitlist",
    "enrollment_open",
    "enrollment_open_from",
    "enrollment_open_to",
    "status",
)


def touch(conn: Connection, tenant: Tenant, listing_id: int) -> None:
    update_owned(conn, listings, tenant, listing_id, {"updated_at": utcnow()})
    renderings.refresh(conn, listings, [listing_id])


def set_status(conn: Connection, tenant: Tenant, kind: str, ids: Iterable[int], status: str) -> list[int]:
    """Give live listings of this kind among `ids` the core status (Catalog's archive is
    `retired`, reactivate `live`); returns the ids that are not such listings."""
    check.one_of("status", status, STATUSES)
    wanted = list(dict.fromkeys(ids))
    mine = (owned_by(listings, tenant), listings.c.kind == kind, listings.c.deleted_at.is_(None))
    found = set(conn.execute(sa.select(listings.c.id).where(*mine, listings.c.id.in_(wanted))).scalars())
    changed = list(
        conn.execute(
            sa.update(listings)
            .where(*mine, listings.c.id.in_(found), listings.c.status != status)
            .values(status=status, updated_at=utcnow())
            .returning(listings.c.id)
        ).scalars()
    )
    renderings.refresh(conn, listings, changed)
    if status == "live":
        from programhub.core.learners import service as learners

        for listing_id in changed:  # reopened: waiting applicants may take free seats
            learners.fill_seats(conn, tenant, listing_id)
    return [listing_id for listing_id in wanted if listing_id not in found]


def get(conn: Connection, tenant: Tenant, listing_id: int, *, kind: str | None = None) -> AnyRow:
    """The full row of a live (not deleted) listing of this tenant, or NotFound."""
    row = conn.execute(_live_listing(kind), {**bound_values(tenant), "listing_id": listing_id}).one_or_none()
    if row is None:
        raise NotFound(kind or "listing", listing_id)
    return row


# Built once per kind with the tenant bound: every listing edit reads its listing first, and
# building a select of every column and its cache key cost SQLAlchemy more than running it.


@cache
def _live_listing(kind: str | None) -> sa.Select[Any]:
    query = sa.select(listings).where(
        owned_by_bound(listings), listings.c.id == sa.bindparam("listing_id"), listings.c.deleted_at.is_(None)
    )
    return query if kind is None else query.where(listings.c.kind == kind)


@cache
def _program_id_by(column: str) -> sa.Select[Any]:
    """The program's id by its `column` (bound as `known_as`), built once per column: every
    Sunbird and Record write to a program runs it first."""
    return sa.select(listings.c.id).where(
        owned_by_bound(listings),
        listings.c[column] == sa.bindparam("known_as", type_=listings.c[column].type),
        listings.c.kind == "program",
        listings.c.deleted_at.is_(None),
    )


def id_for(conn: Connection, tenant: Tenant, *, uuid: str | None = None, public_id: str | None = None) -> int:
    """The integer id of a live program known by its Sunbird uuid or Record public id."""
    column, value = ("uuid", uuid) if uuid is not None else ("public_id", public_id)
    found = conn.execute(_program_id_by(column), {**bound_values(tenant), "known_as": value}).scalar_one_or_none()
    if found is None:
        raise NotFound("program", value)
    return found


def delete_listing(conn: Connection, tenant: Tenant, listing_id: int, *, kind: str | None = None) -> None:
    """Soft-delete: the row stays (credentials and nominations still point at it) but no
    dialect shows it again. A listing other programs require is refused with Conflict."""
    lock_graph(conn, tenant)
    get(conn, tenant, listing_id, kind=kind)
    required_by = required_by_programs(conn, tenant, listing_id)
    if required_by:
        ids = ", ".join(str(i) for i in required_by)
        raise Conflict(
            f"{kind or 'listing'} {listing_id} is a requirement of program(s) {ids}; remove it from them first",
            related=list(required_by),
        )
    conn.execute(sa.delete(requirements).where(owned_by(requirements, tenant), requirements.c.program_id == listing_id))
    now = utcnow()
    conn.execute(
        sa.update(listings)
        .where(owned_by(listings, tenant), listings.c.id == listing_id)
        .values(deleted_at=now, updated_at=now)
    )
    renderings.refresh(conn, listings, [listing_id])


def required_by_programs(conn: Connection, tenant: Tenant, listing_id: int) -> list[int]:
    return list(
        conn.execute(
            sa.select(requirements.c.program_id)
            .where(owned_by(requirements, tenant), requirements.c.requirement_id == listing_id)
            .order_by(requirements.c.program_id)
        ).scalars()
    )


def lock_graph(conn: Connection, tenant: Tenant) -> None:
    """Serialise requirement-graph edits of one tenant, so that two concurrent edits cannot
    together form a cycle: the tenant's version row lock (core/versions.py), which its
    other writes take too, so there is one lock order. SQLite serialises all writes."""
    versions.bump(conn, tenant)


def set_requirements(conn: Connection, tenant: Tenant, program_id: int, requirement_ids: Any) -> None:
    """Replace a program's ordered requirements; refuse unknown ids, repeats and cycles."""
    ids = check.int_list("requirement_ids", requirement_ids, max_items=MAX_REQUIREMENTS)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise Invalid("requirement_ids", f"requirement_ids lists {repeated[0]} more than once")
    lock_graph(conn, tenant)
    get(conn, tenant, program_id, kind="program")
    if program_id in ids:
        raise Invalid("requirement_ids", f"requirement_ids would create a cycle: {program_id} → {program_id}")
    found = set(
        conn.execute(
            sa.select(listings.c.id).where(
                owned_by(listings, tenant), listings.c.id.in_(ids), listings.c.deleted_at.is_(None)
            )
        ).scalars()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid("requirement_ids", f"requirement_ids: no program or course with id {missing[0]}")
    cycle = _path_to(conn, tenant, ids, program_id)
    if cycle:
        path = " → ".join(str(i) for i in [program_id, *cycle])
        raise Invalid("requirement_ids", f"requirement_ids would create a cycle: {path}")
    conn.execute(sa.delete(requirements).where(owned_by(requirements, tenant), requirements.c.program_id == program_id))
    if ids:
        insert_rows(
            conn,
            requirements,
            [
                {
                    "program_id": program_id,
                    "position": position,
                    "requirement_id": requirement_id,
                    "org_id": tenant.org_id,
                    "mode": tenant.mode.value,
                }
                for position, requirement_id in enumerate(ids)
            ],
        )
    touch(conn, tenant, program_id)


def descendant_edges(conn: Connection, tenant: Tenant, roots: Iterable[int]) -> list[tuple[int, int, int]]:
    """Every (program, position, requirement) edge reachable from `roots`, in one query."""
    roots = list(roots)
    if not roots:
        return []
    reach = (
        sa.select(requirements.c.program_id, requirements.c.position, requirements.c.requirement_id)
        .where(owned_by(requirements, tenant), requirements.c.program_id.in_(roots))
        .cte("reach", recursive=True)
    )
    reach = reach.union(
        sa.select(requirements.c.program_id, requirements.c.position, requirements.c.requirement_id).join(
            reach, requirements.c.program_id == reach.c.requirement_id
        )
    )
    rows = conn.execute(sa.select(reach.c.program_id, reach.c.position, reach.c.requirement_id))
    return [(r[0], r[1], r[2]) for r in rows]


def _path_to(conn: Connection, tenant: Tenant, starts: list[int], target: int) -> list[int] | None:
    """A path from one of `starts` down the requirement graph to `target`, if any."""
    children: dict[int, list[int]] = {}
    for parent, _position, child in descendant_edges(conn, tenant, starts):
        children.setdefault(parent, []).append(child)
    came_from: dict[int, int | None] = dict.fromkeys(starts)
    queue = list(starts)
    while queue:
        node = queue.pop(0)
        if node == target:
            path = [node]
            while came_from[path[-1]] is not None:
                path.append(came_from[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for child in children.get(node, ()):
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return None


def _ensure_path_free(conn: Connection, catalog_id: int, kind: str, path: str, own_id: int | None) -> None:
    query = sa.select(listings.c.id).where(
        listings.c.catalog_id == catalog_id,
        listings.c.kind == kind,
        listings.c.listing_path == path,
        listings.c.deleted_at.is_(None),
    )
    if own_id is not None:
        query = query.where(listings.c.id != own_id)
    if conn.execute(query.limit(1)).first() is not None:
        raise _path_taken(path)


def _path_taken(path: str) -> Conflict:
    return Conflict(f"listing_path {path!r} is already taken in this catalog", field="listing_path")


@contextmanager
def _path_clash_as_conflict(path: str) -> Iterator[None]:
    """Turn the unique-index violation of a concurrent writer into the same Conflict (the
    loser of a race gets the answer it would have got a moment later)."""
    try:
        yield
    except IntegrityError as exc:
        if "listing_path" in str(exc.orig):
            raise _path_taken(path) from None
        raise


def facet_values(values: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The (facet, folded value) pairs a program is found by."""
    pairs: set[tuple[str, str]] = set()
    for item in values.get("content_types") or ():
        pairs.add(("content_type", fold(item)))
    for item in values.get("target_collection_category") or ():
        pairs.add(("target_collection_category", fold(item)))
    config = values.get("config") or {}
    for facet in FACETS[2:]:
        raw = config.get(facet)
        for item in raw if isinstance(raw, list) else [raw]:
            if isinstance(item, str) and item:
                pairs.add((facet, fold(item)))
    return pairs


def _write_facets(
    conn: Connection, tenant: Tenant, listing_id: int, values: Mapping[str, Any], *, replace: bool
) -> None:
    if replace:
        conn.execute(
            sa.delete(program_facets).where(owned_by(program_facets, tenant), program_facets.c.listing_id == listing_id)
        )
    pairs = facet_values(values)
    if pairs:
        insert_rows(
            conn,
            program_facets,
            [
                {
                    "listing_id": listing_id,
                    "facet": facet,
                    "value": value,
                    "org_id": tenant.org_id,
                    "mode": tenant.mode.value,
                }
                for facet, value in sorted(pairs)
            ],
        )
