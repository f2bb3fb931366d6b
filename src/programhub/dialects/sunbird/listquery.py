"""The /list query language, parsed into the core's program and nomination filters.

`{"filters": {...}, "sort": {...}, "limit": n, "offset": n}`: program-level filters, an
optional `nomination` filter that selects one of the seed's forms, an ordering, a page.
Unknown keys and operators are refused with the path that names them; nothing a caller
sends becomes SQL text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from programhub.core import validation as check
from programhub.core.errors import Invalid
from programhub.core.listings.models import PROGRAM_TYPES
from programhub.core.listings.search import DEFAULT_ORDER, Ordering, Page, ProgramFilter
from programhub.core.nominations.models import NOMINATION_STATUSES
from programhub.core.nominations.queries import NominationFilter, Nominee
from programhub.dialects.sunbird.schemas import LIST_ITEM_KEYS, STATUSES
from programhub.dialects.sunbird.values import choices, count, known_keys, obj, one_or_many

DEFAULT_LIMIT = 300
MAX_LIMIT = 1000
REQUEST_KEYS = ("filters", "sort", "limit", "offset", "fields")

# Filter keys matched against program_facets (wire key -> facet), "any of".
FACET_FILTERS = {
    "content_types": "content_type",
    "target_collection_category": "target_collection_category",
    "board": "board",
    "medium": "medium",
    "gradeLevel": "gradeLevel",
    "subject": "subject",
}
EXACT_FILTERS = ("rootorg_id", "createdby", "channel")
DATE_FILTERS = {"nomination_enddate": "nomination_open", "content_submission_enddate": "submission_open"}
PROGRAM_FILTERS = (
    "type",
    "status",
    "program_id",
    "name",
    *DATE_FILTERS,
    *FACET_FILTERS,
    *EXACT_FILTERS,
)
FILTER_KEYS = (*PROGRAM_FILTERS, "nomination")
NOMINATION_KEYS = ("organisation_id", "user_id", "status", "roles")

SORT_FIELDS = {
    "name": "name",
    "createdon": "created_at",
    "updatedon": "updated_at",
    "startdate": "start_date",
    "enddate": "end_date",
    "nomination_enddate": "nomination_enddate",
}
RELEVANCE_KEYS = ("medium", "gradeLevel", "subject", "board")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What a /list request asks for. Exactly one of three shapes:
    programs (no nomination filter), programs not nominated by someone (forms A and D),
    or nominations with their programs (forms B, C and E)."""

    programs: ProgramFilter
    ordering: Ordering
    page: Page
    not_nominated_by: tuple[Nominee, ...] = ()
    nominations: NominationFilter | None = None
    fields: tuple[str, ...] | None = None  # program items show only these keys


def parse_list(request: Mapping[str, Any]) -> ListQuery:
    known_keys("", request, REQUEST_KEYS)
    if request.get("filters") is None:
        raise Invalid("filters", "filters is required")
    filters = obj("filters", request["filters"])
    known_keys("filters", filters, FILTER_KEYS)
    programs = _program_filter(filters)
    ordering = _ordering(request.get("sort"))
    page = parse_page(request)
    fields = _fields(request.get("fields"))
    if filters.get("nomination") is None:
        return ListQuery(programs, ordering, page, fields=fields)
    query = _with_nomination(obj("filters.nomination", filters["nomination"]), programs, ordering, page)
    # As in the reference, `fields` picks the keys of program items (forms A and D);
    # nomination items (B, C, E) keep their fixed shape.
    return replace(query, fields=fields) if query.nominations is None else query


def _fields(value: Any) -> tuple[str, ...] | None:
    """`fields`: which keys of each program item to show, in this order (null: all)."""
    if value is None:
        return None
    names = one_or_many("fields", value)
    for name in names:
        if name not in LIST_ITEM_KEYS:
            raise Invalid("fields", f"fields: {name!r} is not a program field; use any of: {', '.join(LIST_ITEM_KEYS)}")
    return tuple(dict.fromkeys(names))


def parse_page(request: Mapping[str, Any]) -> Page:
    """`limit` (default 300, above 1000 capped) and `offset` (default 0)."""
    return Page(
        limit=count("limit", request.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        offset=count("offset", request.get("offset"), default=0, maximum=check.INT32[1]),
    )


def _program_filter(filters: Mapping[str, Any]) -> ProgramFilter:
    def given(key: str, parse: Callable[[str, Any], Any]) -> Any:
        value = filters.get(key)
        return None if value is None else parse(f"filters.{key}", value)

    name = given("name", lambda path, value: check.text(path, value))
    return ProgramFilter(
        statuses=given("status", lambda p, v: choices(p, v, STATUSES)),
        program_types=given("type", lambda p, v: choices(p, v, {t: t for t in PROGRAM_TYPES})),
        uuids=given("program_id", one_or_many),
        name_contains=name,
        nomination_open=given("nomination_enddate", _open_or_closed),
        submission_open=given("content_submission_enddate", _open_or_closed),
        facets={facet: given(key, one_or_many) for key, facet in FACET_FILTERS.items() if filters.get(key) is not None},
        exact={key: given(key, one_or_many) for key in EXACT_FILTERS if filters.get(key) is not None},
    )


def _open_or_closed(path: str, value: Any) -> bool:
    if value not in ("open", "closed"):
        raise Invalid(path, f'{path} must be "open" (on or after now) or "closed" (before now)')
    return value == "open"


def _nominee_ids(path: str, value: Any) -> tuple[str, tuple[str, ...]]:
    """`{"eq": X}`, `{"ne": X}`, a list of ids (any of), or one id: (operator, ids)."""
    if isinstance(value, Mapping):
        if len(value) != 1:
            raise Invalid(path, f"{path} must have exactly one operator: eq or ne")
        ((operator, operand),) = value.items()
        if operator not in ("eq", "ne"):
            raise Invalid(f"{path}.{operator}", f"{path}: unknown operator {operator!r}; use eq, ne or a list of ids")
        if not isinstance(operand, str):
            raise Invalid(f"{path}.{operator}", f"{path}.{operator} must be a string")
        return operator, (check.text(f"{path}.{operator}", operand),)
    return "eq", one_or_many(path, value)


def _with_nomination(
    nomination: Mapping[str, Any], programs: ProgramFilter, ordering: Ordering, page: Page
) -> ListQuery:
    known_keys("filters.nomination", nomination, NOMINATION_KEYS)
    ids = {
        key: _nominee_ids(f"filters.nomination.{key}", nomination[key])
        for key in ("organisation_id", "user_id")
        if nomination.get(key) is not None
    }
    if not ids:
        raise Invalid("filters.nomination", "filters.nomination needs organisation_id or user_id")
    if any(operator == "ne" for operator, _ in ids.values()):
        return _not_nominated(nomination, ids, programs, ordering, page)
    statuses = None
    if nomination.get("status") is not None:
        statuses = choices("filters.nomination.status", nomination["status"], {s: s for s in NOMINATION_STATUSES})
    if nomination.get("roles") is not None:
        return _role_holders(nomination["roles"], ids, statuses, programs, ordering, page)
    wanted = NominationFilter(
        organisation_ids=ids["organisation_id"][1] if "organisation_id" in ids else None,
        user_ids=ids["user_id"][1] if "user_id" in ids else None,
        statuses=statuses,
    )
    return ListQuery(programs, ordering, page, nominations=wanted)


def _not_nominated(
    nomination: Mapping[str, Any],
    ids: Mapping[str, tuple[str, tuple[str, ...]]],
    programs: ProgramFilter,
    ordering: Ordering,
    page: Page,
) -> ListQuery:
    """Forms A and D: programs with no nomination by the organisation or user."""
    for key, (operator, _) in ids.items():
        if operator != "ne":
            raise Invalid(f"filters.nomination.{key}", "filters.nomination cannot mix ne with eq or a list")
    for key in ("status", "roles"):
        if nomination.get(key) is not None:
            raise Invalid(f"filters.nomination.{key}", f"filters.nomination.{key} cannot be combined with ne")
    nominees = tuple(
        Nominee(organisation_id=values[0]) if key == "organisation_id" else Nominee(user_id=values[0])
        for key, (_, values) in ids.items()
    )
    return ListQuery(programs, ordering, page, not_nominated_by=nominees)


def _role_holders(
    roles: Any,
    ids: Mapping[str, tuple[str, tuple[str, ...]]],
    statuses: tuple[str, ...] | None,
    programs: ProgramFilter,
    ordering: Ordering,
    page: Page,
) -> ListQuery:
    """Form C: nominations of the organisation where the user holds one of the roles."""
    path = "filters.nomination.roles"
    roles = obj(path, roles)
    known_keys(path, roles, ("or",))
    if "or" not in roles:
        raise Invalid(path, f'{path} must be {{"or": [role, ...]}}')
    wanted_roles = one_or_many(f"{path}.or", roles["or"])
    for key in ("organisation_id", "user_id"):
        if key not in ids or len(ids[key][1]) != 1:
            raise Invalid(f"filters.nomination.{key}", f"{path} needs filters.nomination.{key} with one id (eq)")
    wanted = NominationFilter(
        organisation_ids=ids["organisation_id"][1],
        statuses=statuses,
        role_holder=ids["user_id"][1][0],
        roles=wanted_roles,
    )
    return ListQuery(programs, ordering, page, nominations=wanted)


def _ordering(sort: Any) -> Ordering:
    if sort is None:
        return Ordering(DEFAULT_ORDER)
    sort = obj("sort", sort)
    if not sort:
        return Ordering(DEFAULT_ORDER)
    known_keys("sort", sort, (*SORT_FIELDS, *RELEVANCE_KEYS))
    relevance = [key for key in sort if key in RELEVANCE_KEYS]
    if relevance:
        if len(relevance) != len(sort):
            raise Invalid(
                "sort", f"sort by {', '.join(RELEVANCE_KEYS)} (relevance) cannot be combined with field sorts"
            )
        return Ordering(relevance={key: _ranked_values(f"sort.{key}", sort[key]) for key in relevance})
    keys = []
    for key, direction in sort.items():
        if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
            raise Invalid(f"sort.{key}", f'sort.{key} must be "asc" or "desc"')
        keys.append((SORT_FIELDS[key], direction.lower() == "desc"))
    return Ordering(tuple(keys))


def _ranked_values(path: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(path, f"{path} must be a list of values to rank programs by")
    return one_or_many(path, value)
