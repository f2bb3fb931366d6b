"""The /list query language, parsed into the core's program and nomination filters.

`{"filters": {...}, "sort": {...}, "limit": n, "offset": n, "fields": [...]}`: program-level
filters, an optional `nomination` filter that selects one of the seed's forms, an ordering,
a page, the keys of program items. The parsers here are the rules of `requests.ListRequest`
(which checks a request with them); they are a module of their own because the language
has a grammar of its own (values or lists of values, `eq`/`ne` operators, the nomination
forms A-E, relevance sorts) that pydantic types cannot state, and their messages name the
path under `request` word for word. Unknown keys and operators are refused with the path
that names them; nothing a caller sends becomes SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from programhub.core import validation as check
from programhub.core.errors import Invalid
from programhub.core.listings.models import PROGRAM_TYPES
from programhub.core.listings.search import DEFAULT_ORDER, Ordering, Page, ProgramFilter
from programhub.core.nominations.models import NOMINATION_STATUSES
from programhub.core.nominations.queries import NominationFilter, Nominee
from programhub.dialects.sunbird.responses import LIST_ITEM_KEYS, STATUSES

# A framework category's code, as a config key and an item's key (`targetFWIds`, `se_boards`).
CATEGORY_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
DEFAULT_LIMIT = 300
MAX_LIMIT = 1000
MAX_ITEMS = 1000

# Filter keys matched against program_facets (wire key -> facet), "any of".
FACET_FILTERS = {
    "content_types": "content_type",
    "target_collection_category": "target_collection_category",
    "board": "board",
    "medium": "medium",
    "gradeLevel": "gradeLevel",
    "subject": "subject",
}
EXACT_FILTERS = ("rootorg_id", "createdby", "channel", "target_type")
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
# `role` with `user_id`: programs whose own rolemapping lists the user under one of the roles.
FILTER_KEYS = (*PROGRAM_FILTERS, "role", "user_id", "nomination")
# The reference's statuses include Closed, which no programhub program has: a list asking
# for it alone is empty (programhub closes nothing; a program is retired instead).
FILTER_STATUSES = {**STATUSES, "Closed": "closed"}
NOMINATION_KEYS = ("organisation_id", "user_id", "status", "roles")

SORT_FIELDS = {
    "name": "name",
    "createdon": "created_at",
    "updatedon": "updated_at",
    "startdate": "start_date",
    "enddate": "end_date",
    "nomination_enddate": "nomination_enddate",
    "shortlisting_enddate": "shortlisting_enddate",
    "content_submission_enddate": "content_submission_enddate",
    "type": "program_type",
    "status": "status",
}
RELEVANCE_KEYS = ("medium", "gradeLevel", "subject", "board")


# --- value forms ------------------------------------------------------------------------


def obj(path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(path, f"{path} must be an object")
    return dict(value)


def known_keys(path: str, value: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse the first key that is not in `allowed`, naming it and the ones that are."""
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise Invalid(where, f"{where} is not supported; use one of: {', '.join(allowed)}")


def one_or_many(path: str, value: Any) -> tuple[str, ...]:
    """A string, or a list of strings (any of them)."""
    if isinstance(value, str):
        return (check.text(path, value),)
    if isinstance(value, list) and len(value) <= MAX_ITEMS and all(isinstance(item, str) for item in value):
        return tuple(check.text(path, item) for item in value)
    raise Invalid(path, f"{path} must be a string or a list of at most {MAX_ITEMS} strings")


def choices(path: str, value: Any, allowed: Mapping[str, str]) -> tuple[str, ...]:
    """One or many of the wire values in `allowed`, translated to their core values."""
    picked = one_or_many(path, value)
    for item in picked:
        if item not in allowed:
            raise Invalid(path, f"{path} must be one of: {', '.join(allowed)} (or a list of them)")
    return tuple(allowed[item] for item in picked)


def count(path: str, value: Any, *, default: int, maximum: int | None = None) -> int:
    """A whole number from 0; missing or null gives `default`; above `maximum` is capped."""
    if value is None:
        return default
    number = check.whole(path, value, minimum=0)
    return number if maximum is None else min(number, maximum)


def limit(path: str, value: Any) -> int:
    """`limit`: 300 when missing, above 1000 capped."""
    return count(path, value, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)


def offset(path: str, value: Any) -> int:
    return count(path, value, default=0, maximum=check.INT32[1])


def parse_page(request: Mapping[str, Any]) -> Page:
    """`limit` (default 300, above 1000 capped) and `offset` (default 0)."""
    return Page(limit=limit("limit", request.get("limit")), offset=offset("offset", request.get("offset")))


# --- the query --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NominationForm:
    """What `filters.nomination` selects: programs not nominated by someone (forms A and
    D), or nominations with their programs (forms B, C and E)."""

    not_nominated_by: tuple[Nominee, ...] = ()
    nominations: NominationFilter | None = None


@dataclass(frozen=True, slots=True)
class RoleHolder:
    """`filters.role` with `filters.user_id`: the program's rolemapping lists the user
    (exactly) under one of the roles."""

    user_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StatusFilter:
    """A status filter as it treats closed programs (unlisted in the core): `closed`,
    whether it names Closed; `others`, the core statuses it names besides."""

    closed: bool
    others: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Filters:
    programs: ProgramFilter
    nomination: NominationForm | None = None
    role_holder: RoleHolder | None = None
    status: StatusFilter | None = None  # with a status filter, what it says of closed programs


# A request naming more users keys its answer on the tenant's whole data version.
MAX_SCOPED_USERS = 8


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
    role_holder: RoleHolder | None = None
    status: StatusFilter | None = None  # see Filters.status
    categories: tuple[str, ...] = ()  # config categories shown flattened besides the usual ones
    sorted_by_nomination: bool = False  # forms B, C, E without a sort: newest change first

    @property
    def one_users_nominations(self) -> bool:
        """One user's nominations of any live program in the nominations' own order (form E):
        every plan walks that user's index in the page's order and stops when the page is
        full, whoever the user, so one plan serves every request of this shape."""
        wanted = self.nominations
        return (
            wanted is not None
            and self.sorted_by_nomination
            and wanted.user_ids is not None
            and len(wanted.user_ids) == 1
            and wanted.program_uuids is None
            and wanted.organisation_ids is None
            and wanted.statuses is None
            and wanted.role_holder is None
            and not wanted.roles
            and self.programs.any_live
            and not self.not_nominated_by
            and self.role_holder is None
            and self.status is None
            and not self.categories
        )

    @property
    def nominations_of(self) -> tuple[str, ...] | None:
        """The users whose nominations are the only ones the answer reads (forms B, C, E
        asking for nominations a few users made or hold a role in), or None when anyone's
        nomination can change it."""
        if self.nominations is None or self.not_nominated_by:
            return None
        wanted = self.nominations
        users = (*(wanted.user_ids or ()), *(() if wanted.role_holder is None else (wanted.role_holder,)))
        if (wanted.user_ids is None and wanted.role_holder is None) or len(users) > MAX_SCOPED_USERS:
            return None
        return users


def list_query(
    filters: Filters,
    ordering: Ordering | None,
    page: Page,
    fields: tuple[str, ...] | None,
    categories: tuple[str, ...] = (),
) -> ListQuery:
    form = filters.nomination or NominationForm()
    # As in the reference, `fields` picks the keys of program items (forms A and D);
    # nomination items (B, C, E) keep their fixed shape.
    return ListQuery(
        filters.programs,
        ordering or Ordering(DEFAULT_ORDER),
        page,
        not_nominated_by=form.not_nominated_by,
        nominations=form.nominations,
        fields=fields if form.nominations is None else None,
        role_holder=filters.role_holder,
        status=filters.status,
        categories=categories,
        sorted_by_nomination=ordering is None and form.nominations is not None,
    )


def parse_filters(path: str, value: Any) -> Filters:
    """`filters`: the program filters and, optionally, the nomination form."""
    filters = obj(path, value)
    known_keys(path, filters, FILTER_KEYS)
    programs, status = _with_closed(_program_filter(path, filters))
    role_holder = _role_holder(path, filters)
    if filters.get("nomination") is None:
        return Filters(programs, role_holder=role_holder, status=status)
    nomination = _with_nomination(f"{path}.nomination", obj(f"{path}.nomination", filters["nomination"]))
    return Filters(programs, nomination, role_holder, status)


def _with_closed(programs: ProgramFilter) -> tuple[ProgramFilter, StatusFilter | None]:
    """Closed programs are unlisted in the core: a status filter naming Closed asks the
    core for unlisted ones too (the others are told apart by the StatusFilter)."""
    if programs.statuses is None:
        return programs, None
    others = tuple(status for status in programs.statuses if status != "closed")
    if len(others) == len(programs.statuses):
        return programs, StatusFilter(closed=False, others=others)
    return replace(programs, statuses=tuple(dict.fromkeys((*others, "unlisted")))), StatusFilter(True, others)


def _role_holder(path: str, filters: Mapping[str, Any]) -> RoleHolder | None:
    role, user_id = filters.get("role"), filters.get("user_id")
    if role is None and user_id is None:
        return None
    if role is None or user_id is None:
        raise Invalid(
            f"{path}.role", f"{path}.role and {path}.user_id go together: programs where the user holds a role"
        )
    return RoleHolder(
        user_id=check.text(f"{path}.user_id", user_id, allow_empty=False, max_length=255),
        roles=one_or_many(f"{path}.role", role),
    )


# Framework categories one request may flatten: a framework has a handful (the portal asks
# for four to six), and each becomes a member of every item the database builds.
MAX_CATEGORIES = 20


def parse_categories(path: str, value: Any) -> tuple[str, ...]:
    """`frameworkCategoryFields`: config categories to show flattened on program items
    (those the seed's shape already shows are not repeated)."""
    names = one_or_many(path, value)
    if len(names) > MAX_CATEGORIES:
        raise Invalid(path, f"{path} may name at most {MAX_CATEGORIES} categories")
    for name in names:
        if not CATEGORY_CODE.fullmatch(name):
            raise Invalid(path, f"{path} must be category codes: 1 to 64 letters, digits, _, . or -")
    return tuple(name for name in dict.fromkeys(names) if name not in LIST_ITEM_KEYS)


def parse_fields(path: str, value: Any) -> tuple[str, ...]:
    """`fields`: which keys of each program item to show, in this order (null: all)."""
    names = one_or_many(path, value)
    for name in names:
        if name not in LIST_ITEM_KEYS:
            raise Invalid(path, f"{path}: {name!r} is not a program field; use any of: {', '.join(LIST_ITEM_KEYS)}")
    return tuple(dict.fromkeys(names))


def _program_filter(path: str, filters: Mapping[str, Any]) -> ProgramFilter:
    def given(key: str, parse: Callable[[str, Any], Any]) -> Any:
        value = filters.get(key)
        return None if value is None else parse(f"{path}.{key}", value)

    name = given("name", lambda where, value: check.text(where, value))
    return ProgramFilter(
        statuses=given("status", lambda p, v: choices(p, v, FILTER_STATUSES)),
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


def _with_nomination(path: str, nomination: Mapping[str, Any]) -> NominationForm:
    known_keys(path, nomination, NOMINATION_KEYS)
    ids = {
        key: _nominee_ids(f"{path}.{key}", nomination[key])
        for key in ("organisation_id", "user_id")
        if nomination.get(key) is not None
    }
    if not ids:
        raise Invalid(path, f"{path} needs organisation_id or user_id")
    if any(operator == "ne" for operator, _ in ids.values()):
        return _not_nominated(path, nomination, ids)
    statuses = None
    if nomination.get("status") is not None:
        statuses = choices(f"{path}.status", nomination["status"], {s: s for s in NOMINATION_STATUSES})
    if nomination.get("roles") is not None:
        return _role_holders(path, nomination["roles"], ids, statuses)
    wanted = NominationFilter(
        organisation_ids=ids["organisation_id"][1] if "organisation_id" in ids else None,
        user_ids=ids["user_id"][1] if "user_id" in ids else None,
        statuses=statuses,
    )
    return NominationForm(nominations=wanted)


def _not_nominated(
    path: str, nomination: Mapping[str, Any], ids: Mapping[str, tuple[str, tuple[str, ...]]]
) -> NominationForm:
    """Forms A and D: programs with no nomination by the organisation or user."""
    for key, (operator, _) in ids.items():
        if operator != "ne":
            raise Invalid(f"{path}.{key}", f"{path} cannot mix ne with eq or a list")
    for key in ("status", "roles"):
        if nomination.get(key) is not None:
            raise Invalid(f"{path}.{key}", f"{path}.{key} cannot be combined with ne")
    nominees = tuple(
        Nominee(organisation_id=values[0]) if key == "organisation_id" else Nominee(user_id=values[0])
        for key, (_, values) in ids.items()
    )
    return NominationForm(not_nominated_by=nominees)


def _role_holders(
    path: str, roles: Any, ids: Mapping[str, tuple[str, tuple[str, ...]]], statuses: tuple[str, ...] | None
) -> NominationForm:
    """Form C: nominations of the organisation where the user holds one of the roles."""
    where = f"{path}.roles"
    roles = obj(where, roles)
    known_keys(where, roles, ("or",))
    if "or" not in roles:
        raise Invalid(where, f'{where} must be {{"or": [role, ...]}}')
    wanted_roles = one_or_many(f"{where}.or", roles["or"])
    for key in ("organisation_id", "user_id"):
        if key not in ids or len(ids[key][1]) != 1:
            raise Invalid(f"{path}.{key}", f"{where} needs {path}.{key} with one id (eq)")
    wanted = NominationFilter(
        organisation_ids=ids["organisation_id"][1],
        statuses=statuses,
        role_holder=ids["user_id"][1][0],
        roles=wanted_roles,
    )
    return NominationForm(nominations=wanted)


def parse_ordering(path: str, sort: Any) -> Ordering | None:
    """`sort`: field sorts in the order given, or a relevance sort; `{}` (None) is the
    default."""
    sort = obj(path, sort)
    if not sort:
        return None
    known_keys(path, sort, (*SORT_FIELDS, *RELEVANCE_KEYS))
    relevance = [key for key in sort if key in RELEVANCE_KEYS]
    if relevance:
        if len(relevance) != len(sort):
            raise Invalid(
                path, f"{path} by {', '.join(RELEVANCE_KEYS)} (relevance) cannot be combined with field sorts"
            )
        return Ordering(relevance={key: _ranked_values(f"{path}.{key}", sort[key]) for key in relevance})
    keys = []
    for key, direction in sort.items():
        if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
            raise Invalid(f"{path}.{key}", f'{path}.{key} must be "asc" or "desc"')
        keys.append((SORT_FIELDS[key], direction.lower() == "desc"))
    return Ordering(tuple(keys))


def _ranked_values(path: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(path, f"{path} must be a list of values to rank programs by")
    return one_or_many(path, value)
