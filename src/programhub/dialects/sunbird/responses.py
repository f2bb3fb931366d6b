"""What Sunbird answers: PREFIX, the envelope on every answer, and each wire shape once:
a program as /read shows it, a nomination, and the /list items (program and nomination)
as dict renderers and, side by side, as JSON built by the database.

A program on the wire is a `listings` row: `program_id` is its uuid, `type` its
program_type, `startdate`/`enddate` its start/end dates, `status` its lifecycle in title
case, `createdon`/`updatedon` its timestamps; the other Sunbird fields keep their names.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, FromClause, Text, case
from starlette.requests import Request

from programhub.core.clock import utcnow
from programhub.core.listings.models import listings
from programhub.core.nominations.models import nominations
from programhub.core.nominations.preferences import Preferences
from programhub.core.renderings import service as renderings
from programhub.store import sqljson as sj
from programhub.web.formats import iso_millis
from programhub.web.responses import JSONResponse

PREFIX = "/program/v1"
# Where real deployments' gateways put the service: these answer exactly as PREFIX.
GATEWAY_PREFIXES = ("/api" + PREFIX, "/content" + PREFIX)

# The reference service's routes (its /search, which never answered, is a 404 here).
PROGRAM_ROUTES = frozenset({"list", "create", "read", "update", "publish", "unlist", "delete", "search"})
NOMINATION_ROUTES = frozenset({"add", "update", "remove", "list"})
# Routes of two or three parts, by their `id`.
LONGER_ROUTES = {
    ("list", "download"): "api.program.list.download",
    ("unlist", "publish"): "api.program.unlist",
    ("nomination", "list", "download"): "api.nomination.list.download",
    ("tenant", "list"): "api.program.tenant.list",
    ("contenttypes", "list"): "api.contenttypes.list",
    ("configuration", "list"): "api.configuration.list",
    ("configuration", "search"): "api.configuration.search",
    ("preference", "create"): "api.preference.create",
    ("preference", "update"): "api.preference.update",
    ("preference", "read"): "api.preference.read",
}

STATUSES = {"Draft": "draft", "Live": "live", "Unlisted": "unlisted", "Retired": "retired"}
WIRE_STATUS = {core: wire for wire, core in STATUSES.items()}
# The reference's status Closed: a program closed by a Sunbird client (`closed_at` set),
# whatever its core status (unlisted once closed).
CLOSED = "Closed"


# --- the envelope -----------------------------------------------------------------------


def api_id(path: str) -> str:
    """`/program/v1/list` -> `api.program.list`; `/program/v1/nomination/add` -> `api.nomination.add`;
    `/program/v1/read/<id>` -> `api.program.read`; a path of no route -> `api.program.unknown`
    (never text from the path)."""
    for gateway in GATEWAY_PREFIXES:
        path = path.removeprefix(gateway)
    parts = [p for p in path.removeprefix(PREFIX).split("/") if p]
    longer = LONGER_ROUTES.get(tuple(parts))
    if longer is not None:
        return longer
    if parts[:1] == ["nomination"]:
        return "api.nomination." + (parts[1] if len(parts) > 1 and parts[1] in NOMINATION_ROUTES else "unknown")
    return "api.program." + (parts[0] if parts and parts[0] in PROGRAM_ROUTES else "unknown")


def envelope(
    api: str,
    result: Any,
    *,
    msgid: str | None = None,
    err: str | None = None,
    errmsg: str | None = None,
    response_code: str = "OK",
) -> dict[str, Any]:
    return {
        "id": api,
        "ts": iso_millis(utcnow()),
        "params": {
            "resmsgid": str(uuid.uuid4()),
            "msgid": msgid,
            "status": "failed" if err else "successful",
            "err": err,
            "errmsg": errmsg,
        },
        "responseCode": response_code,
        "result": result,
    }


def msgid_of(request: Request) -> str | None:
    """The caller's `params.msgid`, once the body has been read (see requests.py)."""
    return getattr(request.state, "msgid", None)


def ok(request: Request, result: Any) -> JSONResponse:
    # The scope's path is what `request.url.path` parses out of a whole URL it builds first.
    return JSONResponse(envelope(api_id(request.scope["path"]), result, msgid=msgid_of(request)))


# --- programs ---------------------------------------------------------------------------

PROGRAM_COLUMNS: tuple[ColumnElement[Any], ...] = tuple(
    listings.c[name]
    for name in (
        "uuid",
        "name",
        "description",
        "program_type",
        "collection_ids",
        "content_types",
        "target_collection_category",
        "targetprimarycategories",
        "targetprimarycategorynames",
        "target_type",
        "start_date",
        "end_date",
        "nomination_enddate",
        "shortlisting_enddate",
        "content_submission_enddate",
        "image",
        "status",
        "slug",
        "config",
        "rolemapping",
        "createdby",
        "updatedby",
        "created_at",
        "updated_at",
        "rootorg_id",
        "sourcing_org_name",
        "channel",
        "template_id",
        "guidelines_url",
        "acceptedcontents",
        "rejectedcontents",
        "sourcingrejectedcomments",
        "closed_at",
    )
)

# The config categories a listed program shows flattened, as the reference selects them.
FLATTENED = ("subject", "defaultContributeOrgReview", "framework", "board", "gradeLevel", "medium")

# What a /list request may name in `fields`: any key of a program as /read shows it, or
# a flattened config category.
LIST_ITEM_KEYS = (
    "program_id",
    "name",
    "description",
    "type",
    "collection_ids",
    "content_types",
    "target_collection_category",
    "targetprimarycategories",
    "targetprimarycategorynames",
    "target_type",
    "startdate",
    "enddate",
    "nomination_enddate",
    "shortlisting_enddate",
    "content_submission_enddate",
    "image",
    "status",
    "slug",
    "config",
    "rolemapping",
    "createdby",
    "updatedby",
    "createdon",
    "updatedon",
    "rootorg_id",
    "sourcing_org_name",
    "channel",
    "template_id",
    "guidelines_url",
    "acceptedcontents",
    "rejectedcontents",
    "sourcingrejectedcomments",
    *FLATTENED,
)


def program_json(row: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    """A program as /read shows it."""

    def get(name: str) -> Any:
        return row[prefix + name]

    return {
        "program_id": get("uuid"),
        "name": get("name"),
        "description": get("description"),
        "type": get("program_type"),
        "collection_ids": get("collection_ids"),
        "content_types": get("content_types"),
        "target_collection_category": get("target_collection_category"),
        "targetprimarycategories": get("targetprimarycategories"),
        "targetprimarycategorynames": get("targetprimarycategorynames"),
        "target_type": get("target_type"),
        "startdate": iso_millis(get("start_date")),
        "enddate": iso_millis(get("end_date")),
        "nomination_enddate": iso_millis(get("nomination_enddate")),
        "shortlisting_enddate": iso_millis(get("shortlisting_enddate")),
        "content_submission_enddate": iso_millis(get("content_submission_enddate")),
        "image": get("image"),
        "status": CLOSED if get("closed_at") is not None else WIRE_STATUS[get("status")],
        "slug": get("slug"),
        "config": get("config") if get("config") is not None else {},
        "rolemapping": get("rolemapping"),
        "createdby": get("createdby"),
        "updatedby": get("updatedby"),
        "createdon": iso_millis(get("created_at")),
        "updatedon": iso_millis(get("updated_at")),
        "rootorg_id": get("rootorg_id"),
        "sourcing_org_name": get("sourcing_org_name"),
        "channel": get("channel"),
        "template_id": get("template_id"),
        "guidelines_url": get("guidelines_url"),
        "acceptedcontents": get("acceptedcontents"),
        "rejectedcontents": get("rejectedcontents"),
        "sourcingrejectedcomments": get("sourcingrejectedcomments"),
    }


def selected_program_json(row: Mapping[Any, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Only the keys a /list request named in `fields`, in its order (a flattened config
    category as PostgreSQL's `config->>'key'` renders it)."""
    program = program_json(row)
    config = program["config"]
    return {key: program[key] if key in program else sj.jsonb_text(config.get(key)) for key in fields}


# --- nominations ------------------------------------------------------------------------

NOMINATION_FIELDS = (
    "user_id",
    "organisation_id",
    "status",
    "content_types",
    "targetprimarycategories",
    "targetprimarycategorynames",
    "collection_ids",
    "feedback",
    "rolemapping",
    "createdby",
    "updatedby",
)
NOMINATION_COLUMNS: tuple[ColumnElement[Any], ...] = (
    nominations.c.id,
    listings.c.uuid.label("nomination_program_uuid"),
    *(nominations.c[name] for name in NOMINATION_FIELDS),
    nominations.c.createdon,
    nominations.c.updatedon,
)


def nomination_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "program_id": row["nomination_program_uuid"],
        **{name: row[name] for name in NOMINATION_FIELDS},
        "createdon": iso_millis(row["createdon"]),
        "updatedon": iso_millis(row["updatedon"]),
    }


# --- /list items built by the database ---------------------------------------------------
#
# /list items (a program as /read shows it, without description and config, with the
# config's framework categories flattened as PostgreSQL's `config->>'key'` renders them;
# a nomination as `nomination_json` shows it, with that program nested), rendered by the
# database: a 300-item page never becomes Python objects.
# tests/dialects/sunbird/test_list_sql.py compares them byte for byte with a Python rendering.


def _wire_status(status: ColumnElement[Any], closed_at: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((closed_at.is_not(None), CLOSED), else_=case(WIRE_STATUS, value=status))


_PROGRAM_ITEM_VALUES: tuple[tuple[str, str], ...] = (
    ("program_id", "uuid"),
    ("name", "name"),
    ("type", "program_type"),
)
_PROGRAM_ITEM_DOCUMENTS = (
    "collection_ids",
    "content_types",
    "target_collection_category",
    "targetprimarycategories",
    "targetprimarycategorynames",
)
_PROGRAM_ITEM_DATES = (
    ("startdate", "start_date"),
    ("enddate", "end_date"),
    ("nomination_enddate", "nomination_enddate"),
    ("shortlisting_enddate", "shortlisting_enddate"),
    ("content_submission_enddate", "content_submission_enddate"),
)
_PROGRAM_ITEM_TAIL = ("rootorg_id", "sourcing_org_name", "channel", "template_id", "guidelines_url")
_PROGRAM_ITEM_OUTCOMES = ("acceptedcontents", "rejectedcontents", "sourcingrejectedcomments")


def _date(column: ColumnElement[Any]) -> sj.compact_value:
    return sj.compact_value(sj.iso_millis(column))


def program_item_sql(
    categories: tuple[str, ...] = (), match_count: ColumnElement[Any] | None = None
) -> sj.compact_object:
    """A /list program item (the seed's shape, the reference's selection), as JSON text built by the
    database from `listings`; `categories`: more config categories flattened (the request's
    `frameworkCategoryFields`), `match_count`: a relevance sort's `matchCount`."""
    c = listings.c
    return sj.compact_object(
        *((wire, sj.compact_value(c[core])) for wire, core in _PROGRAM_ITEM_VALUES),
        *((name, sj.compact_document(c[name])) for name in _PROGRAM_ITEM_DOCUMENTS),
        ("target_type", sj.compact_value(c.target_type)),
        *((wire, _date(c[core])) for wire, core in _PROGRAM_ITEM_DATES),
        ("image", sj.compact_value(c.image)),
        ("status", sj.compact_value(_wire_status(c.status, c.closed_at))),
        ("slug", sj.compact_value(c.slug)),
        ("rolemapping", sj.compact_document(c.rolemapping)),
        ("createdby", sj.compact_value(c.createdby)),
        ("updatedby", sj.compact_value(c.updatedby)),
        ("createdon", _date(c.created_at)),
        ("updatedon", _date(c.updated_at)),
        *((name, sj.compact_value(c[name])) for name in _PROGRAM_ITEM_TAIL),
        *((name, sj.compact_document(c[name])) for name in _PROGRAM_ITEM_OUTCOMES),
        *((key, sj.compact_value(sj.member_text(c.config, key))) for key in (*FLATTENED, *categories)),
        *(() if match_count is None else (("matchCount", sj.compact_value(match_count)),)),
    )


def _nomination_fields_sql() -> tuple[tuple[str, Any], ...]:
    n = nominations.c
    documents = (
        "content_types",
        "targetprimarycategories",
        "targetprimarycategorynames",
        "collection_ids",
        "rolemapping",
    )
    return (
        ("id", sj.compact_value(n.id)),
        ("program_id", sj.compact_value(listings.c.uuid)),
        *(
            (name, sj.compact_document(n[name]) if name in documents else sj.compact_value(n[name]))
            for name in NOMINATION_FIELDS
        ),
        ("createdon", _date(n.createdon)),
        ("updatedon", _date(n.updatedon)),
    )


# Render on write (core/renderings): a /list program item in its usual shape, and a
# nomination item without its program (a program's change must not re-render its
# nominations), stored opened for it: without its closing brace, ending in `,"program":`.
# A read appends the program's stored item and the brace (opening it on every read took
# a tenth of form C's statement).
PROGRAM_ITEM = renderings.register(
    renderings.Face(
        "sunbird.program_item",
        listings,
        lambda: (sj.as_text(program_item_sql()),),
        where=lambda: listings.c.kind == "program",
        code=3,
    )
)
NOMINATION_ITEM = renderings.register(
    renderings.Face(
        "sunbird.nomination_item",
        nominations,
        lambda: (_opened_for_program(sj.as_text(sj.compact_object(*_nomination_fields_sql()))),),
        joins=lambda source: source.join(listings, listings.c.id == nominations.c.program_id),
        code=4,
    )
)


def _opened_for_program(item: ColumnElement[str]) -> ColumnElement[str]:
    return sa.func.substr(item, 1, sa.func.length(item) - 1) + sa.literal(',"program":', Text())


def _spliced(nomination: ColumnElement[str], program: ColumnElement[str]) -> ColumnElement[str]:
    return nomination + program + sa.literal("}", Text())


def stored_item(
    onto: FromClause, *, nominations_too: bool, fallback: bool = True
) -> tuple[FromClause, ColumnElement[str]]:
    """`onto` (which holds `listings`, and `nominations` when `nominations_too`) with the
    stored items joined, and the item: a program's, or a nomination's with its program's
    spliced in as `"program"`. Without `fallback`, the item is NULL where a rendering is
    missing (renderings.attached)."""
    onto, (program,) = renderings.attached(PROGRAM_ITEM, onto, fallback=fallback)
    if not nominations_too:
        return onto, program
    onto, (nomination,) = renderings.attached(NOMINATION_ITEM, onto, fallback=fallback)
    return onto, _spliced(nomination, program)


def stored_page_item(keys: FromClause, *, nominations_too: bool) -> tuple[FromClause, ColumnElement[str]]:
    """`stored_item` for a page's keys (`nomination_id` and `program_id`, or `listing_id`)
    read by the keys alone, no row of `listings` or `nominations` (NULL where a rendering
    is missing). Only stored items are outer-joined to the keys, so the rows come in the
    keys' order (`sj.counted_text_items`' `in_order`)."""
    program_id = keys.c.program_id if nominations_too else keys.c.listing_id
    onto, (program,) = renderings.attached_by(PROGRAM_ITEM, keys, program_id)
    if not nominations_too:
        return onto, program
    onto, (nomination,) = renderings.attached_by(NOMINATION_ITEM, onto, keys.c.nomination_id)
    return onto, _spliced(nomination, program)


def nomination_item_sql(
    categories: tuple[str, ...] = (), match_count: ColumnElement[Any] | None = None
) -> sj.compact_object:
    """A /list nomination item (`nomination_json` plus `program`), as JSON text built by the
    database from `nominations` joined to its program in `listings` (`matchCount` beside
    `program`, as the reference puts it)."""
    return sj.compact_object(
        *_nomination_fields_sql(),
        ("program", program_item_sql(categories)),
        *(() if match_count is None else (("matchCount", sj.compact_value(match_count)),)),
    )


# --- the reference's own reference data ---------------------------------------------------
#
# The reference service seeds two tables with data of its own (its programs.sql): content
# types and configuration values. programhub has no such tables; it answers the same
# rows, as data of the dialect.

CONTENT_TYPES: tuple[tuple[str, str], ...] = (
    ("Teaching Method", "TeachingMethod"),
    ("Pedagogy Flow", "PedagogyFlow"),
    ("Focus Spot", "FocusSpot"),
    ("Learning Outcome Definition", "LearningOutcomeDefinition"),
    ("Practice Question Set", "PracticeQuestionSet"),
    ("Curiosity Question Set", "CuriosityQuestionSet"),
    ("Marking Scheme Rubric", "MarkingSchemeRubric"),
    ("Explanation Resource", "ExplanationResource"),
    ("Experiential Resource", "ExperientialResource"),
    ("Concept Map", "ConceptMap"),
    ("Self Assess", "SelfAssess"),
    ("Explanation Video", "ExplanationVideo"),
    ("Classroom Teaching Video", "ClassroomTeachingVideo"),
    ("Explanation Reading Material", "ExplanationReadingMaterial"),
    ("Learning Activity", "LearningActivity"),
    ("Previous Board Exam Papers", "PreviousBoardExamPapers"),
    ("Lesson Plan", "LessonPlanResource"),
)


def content_types_json() -> dict[str, Any]:
    """/contenttypes/list: `{"count", "contentType": [{"id", "name", "value"}]}`."""
    items = [{"id": n, "name": name, "value": value} for n, (name, value) in enumerate(CONTENT_TYPES, start=1)]
    return {"count": len(items), "contentType": items}


_SMS = "VidyaDaan: Your"
CONFIGURATION: tuple[tuple[str, str], ...] = (
    (
        "smsNominationAccept",
        f"{_SMS} nomination for $projectName is accepted. Please login to $url to start contributing content.",
    ),
    (
        "smsNominationReject",
        f"{_SMS} nomination for $projectName has not been accepted. Thank you for your interest. "
        "Please login to $url for details.",
    ),
    (
        "smsContentRequestedChanges",
        f"{_SMS} Content $contentName has not been accepted by your organization upon review. "
        "Please login to $url for details.",
    ),
    (
        "smsContentReject",
        f"{_SMS} Content $contentName has not been approved by the project owner. Please login to $url for details.",
    ),
    (
        "smsContentAccept",
        f"{_SMS} Content $contentName for the project $projectName has been approved by the project owner.",
    ),
    ("contentVideoSize", "15360"),
    ("projectFeedDays", "3"),
    (
        "smsContentAcceptWithChanges",
        f"{_SMS} Content $contentName for the project $projectName has been approved by the project owner "
        "with few changes.",
    ),
    (
        "overrideMetaData",
        '[{"code":"name","dataType":"text","editable":true},{"code":"learningOutcome","dataType":"list","editable":true},'
        '{"code":"attributions","dataType":"list","editable":false},{"code":"copyright","dataType":"text","editable":false},'
        '{"code":"creator","dataType":"text","editable":false},{"code":"license","dataType":"list","editable":false},'
        '{"code":"contentPolicyCheck","dataType":"boolean","editable":false}]',
    ),
)


def configuration_rows() -> list[dict[str, Any]]:
    return [
        {"id": n, "key": key, "value": value, "status": "active"}
        for n, (key, value) in enumerate(CONFIGURATION, start=1)
    ]


def configuration_json(key: str, status: str) -> dict[str, Any]:
    """/configuration/search: the row, or `[]` when there is none (as the reference)."""
    found = next((row for row in configuration_rows() if row["key"] == key and row["status"] == status), None)
    return {"configuration": found if found is not None else []}


# --- reports ----------------------------------------------------------------------------


def nomination_stat_json(row: Mapping[Any, Any], program_name: str) -> dict[str, Any]:
    """A /nomination/list/download row, as the reference shapes it. programhub holds no
    user registry nor content: `name` is the nominee's id, `sample` 0."""
    is_organisation = bool(row["organisation_id"])
    collections = row["collection_ids"]
    created = row["createdon"]
    return {
        "programName": program_name,
        "name": row["organisation_id"] if is_organisation else row["user_id"],
        "type": "Organisation" if is_organisation else "Individual",
        "textbooks": len(collections) if isinstance(collections, list) else collections,
        "sample": 0,
        "createdon": f"{created:%B} {created.day}, {created.year}",
        "status": row["status"],
    }


def nomination_aggregate_json(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, Any]:
    """/nomination/list with `limit: 0`, as the reference aggregates: the number of
    nominations and, per field, `status` counted by value, any other field the number of
    its distinct values (lists flattened, empty values left out)."""
    aggregate: dict[str, Any] = {"count": len(rows)}
    if rows:
        aggregate["fields"] = [_field_aggregate(rows, field) for field in fields]
    return {"nomination": aggregate}


def _field_aggregate(rows: list[dict[str, Any]], field: str) -> dict[str, Any]:
    if field == "status":
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return {"name": field, "fields": counts}
    distinct: set[str] = set()
    for row in rows:
        value = row[field]
        distinct.update(item for item in (value if isinstance(value, list) else [value]) if item)
    return {"name": field, "count": len(distinct)}


def preferences_json(stored: Preferences) -> dict[str, Any]:
    return {"contributor_preference": stored.contributor, "sourcing_preference": stored.sourcing}
