"""/list: every filter, the seed's forms A-E, sorting, paging, bad input, injection, cost."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.listings.search import Page
from programhub.dialects.sunbird.listquery import parse_page
from programhub.dialects.sunbird.responses import FLATTENED, LIST_ITEM_KEYS
from programhub.store import Store
from programhub.store.sql import PLANNED_FOR_VALUES
from tests.dialects.sunbird.support import answer, create, failure, list_programs, names, nested, post, read, set_times
from tests.support import TenantKey, Tenants, cache_off, count_queries

FUTURE, PAST = "2099-01-01T00:00:00.000Z", "2001-01-01T00:00:00.000Z"


@dataclass
class Catalogue:
    """Five programs and six nominations; see `catalogue` for what each is."""

    me: TenantKey
    ids: dict[str, str]  # program name -> program_id
    nominations: dict[str, int]  # N1..N6 -> nomination id

    def program(self, client: TestClient, name: str) -> dict[str, Any]:
        return read(client, self.me, self.ids[name])

    def nomination_items(self, client: TestClient, *keys: str) -> list[dict[str, Any]]:
        """The expected /list items of nominations `keys`: nomination plus nested program."""
        response = post(client, "/nomination/list", {"filters": {}}, self.me)
        by_id = {n["id"]: n for n in response.json()["result"]}
        by_uuid = {uuid: name for name, uuid in self.ids.items()}
        items = []
        for key in keys:
            shown = by_id[self.nominations[key]]
            items.append({**shown, "program": nested(self.program(client, by_uuid[shown["program_id"]]))})
        return items


P1, P2, P3, P4, P5 = "Maths Class 6", "Science Straße 10", "Hindi Grammar — व्याकरण", "Draft Physics", "Old Maths"
ALL = [P4, P3, P1, P2]  # the default list: updatedon descending, retired left out


@pytest.fixture
def catalogue(client: TestClient, store: Store, tenants: Tenants) -> Catalogue:
    me = tenants.a_test
    ids = {
        P1: create(client, me, name=P1, type="public", nomination_enddate=FUTURE, content_submission_enddate=FUTURE,
                   config={"medium": ["Hindi", "English"], "gradeLevel": ["Class 6"], "subject": ["Mathematics"], "board": "CBSE"},
                   content_types=["PracticeQuestionSet"], target_collection_category=["Digital Textbook"],
                   startdate="2021-01-10T00:00:00Z", enddate="2021-06-01T00:00:00Z", rootorg_id="root-1", createdby="c-1",
                   channel="DIKSHA"),
        P2: create(client, me, name=P2, type="private", nomination_enddate=PAST, content_submission_enddate=FUTURE,
                   config={"medium": ["English"], "gradeLevel": ["Class 10"], "subject": ["Science"], "board": "State (Karnataka)"},
                   content_types=["ExplanationResource"], target_collection_category=["Course"],
                   startdate="2021-02-05T00:00:00Z", rootorg_id="root-2", createdby="c-2", channel="other"),
        P3: create(client, me, name=P3, type="public", nomination_enddate="2099-02-01T00:00:00Z", content_submission_enddate=PAST,
                   config={"medium": ["Hindi"], "gradeLevel": ["Class 6", "Class 10"], "subject": ["Hindi"]},
                   content_types=["PracticeQuestionSet", "ExplanationResource"], enddate="2021-05-01T00:00:00Z",
                   rootorg_id="root-1", createdby="c-1"),
        P4: create(client, me, name=P4, type="restricted", nomination_enddate="2099-03-01T00:00:00Z",
                   startdate="2021-04-05T00:00:00Z"),
        P5: create(client, me, name=P5, type="public", config={"medium": ["Hindi"]}),
    }
    for name in (P1, P2, P5):
        post(client, "/publish", {"program_id": ids[name]}, me)
    post(client, "/unlist", {"program_id": ids[P3]}, me)

    def nominate(name: str, **fields: Any) -> int:
        response = post(client, "/nomination/add", {"program_id": ids[name], **fields}, me)
        assert response.status_code == 200, response.json()
        return int(response.json()["result"]["id"])

    nominations = {
        "N1": nominate(P1, organisation_id="O1", user_id="u-1", status="Approved",
                       rolemapping={"REVIEWER": ["u-7"], "CONTRIBUTOR": ["u-70"]}),
        "N2": nominate(P2, organisation_id="O1", user_id="u-1", status="Pending", rolemapping={"CONTRIBUTOR": ["u-7"]}),
        "N3": nominate(P3, organisation_id="O2", user_id="u-2", status="Approved", rolemapping={"REVIEWER": ["u-70"]}),
        "N4": nominate(P1, user_id="u-9", status="Initiated"),
        "N5": nominate(P2, user_id="u-9", status="Approved"),
        "N6": nominate(P5, organisation_id="O1", user_id="u-1", status="Approved", rolemapping={"REVIEWER": ["u-7"]}),
    }
    post(client, "/delete", {"program_id": ids[P5]}, me)
    times = {P1: ("2021-01-01", "2021-03-01"), P2: ("2021-02-01", "2021-02-15"), P3: ("2021-03-01", "2021-03-10"),
             P4: ("2021-04-01", "2021-04-02"), P5: ("2020-01-01", "2020-01-02")}
    for name, (created, updated) in times.items():
        set_times(store, ids[name], created=created + "T00:00:00Z", updated=updated + "T00:00:00Z")
    return Catalogue(me, ids, nominations)


def test_default_list_shows_programs_as_the_seed_nests_them_newest_change_first(
    client: TestClient, catalogue: Catalogue
) -> None:
    response = post(client, "/list", {"filters": {}}, catalogue.me)
    expected = [nested(catalogue.program(client, name)) for name in ALL]
    answer(response, "api.program.list", {"count": 4, "programs": expected})
    first = response.json()["result"]["programs"][2]  # P1: the config's categories as text, as the reference selects them
    assert (first["medium"], first["board"], first["framework"]) == ('["Hindi", "English"]', "CBSE", None)


def test_fields_picks_the_keys_of_program_items(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    assert LIST_ITEM_KEYS == (*catalogue.program(client, P1), *FLATTENED)  # what /read shows, and the flattened
    result = list_programs(client, me, {"program_id": catalogue.ids[P1]}, fields=["name", "medium", "config", "program_id"])
    assert result == {"count": 1, "programs": [{
        "name": P1, "medium": '["Hindi", "English"]',
        "config": {"medium": ["Hindi", "English"], "gradeLevel": ["Class 6"], "subject": ["Mathematics"], "board": "CBSE"},
        "program_id": catalogue.ids[P1],
    }]}
    not_nominated = list_programs(client, me, {"nomination": {"organisation_id": {"ne": "O1"}}}, fields="description")
    assert not_nominated["programs"] == [{"description": None}, {"description": None}]
    # Nomination items keep their shape, as in the reference.
    nominations = list_programs(client, me, {"nomination": {"organisation_id": {"eq": "O1"}}}, fields=["name"])
    assert nominations["programs"] == catalogue.nomination_items(client, "N2", "N1")


PROGRAM_FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"type": "public"}, [P3, P1]),
    ({"type": ["private", "restricted"]}, [P4, P2]),
    ({"status": "Live"}, [P1, P2]),
    ({"status": ["Retired", "Draft"]}, [P4, P5]),
    ({"status": []}, []),
    ({"program_id": "P2"}, [P2]),
    ({"program_id": ["P1", "P5"]}, [P1]),
    ({"program_id": ["P5"], "status": "Retired"}, [P5]),
    ({"name": "MATHS"}, [P1]),
    ({"name": "maths", "status": ["Live", "Retired"]}, [P1, P5]),
    ({"name": "STRASSE"}, [P2]),
    ({"name": "व्याकरण"}, [P3]),
    ({"name": ""}, ALL),
    ({"nomination_enddate": "open"}, [P4, P3, P1]),
    ({"nomination_enddate": "closed"}, [P2]),
    ({"content_submission_enddate": "open"}, [P1, P2]),
    ({"content_submission_enddate": "closed"}, [P3]),
    ({"content_types": "practicequestionset"}, [P3, P1]),
    ({"content_types": ["ExplanationResource", "Story"]}, [P3, P2]),
    ({"target_collection_category": "Course"}, [P2]),
    ({"medium": "Hindi"}, [P3, P1]),
    ({"medium": ["English", "Tamil"]}, [P1, P2]),
    ({"gradeLevel": "Class 10"}, [P3, P2]),
    ({"subject": ["Science", "Hindi"]}, [P3, P2]),
    ({"board": "cbse"}, [P1]),
    ({"medium": "Hindi", "subject": "Mathematics"}, [P1]),
    ({"rootorg_id": "root-1"}, [P3, P1]),
    ({"createdby": ["c-2"]}, [P2]),
    ({"channel": "DIKSHA"}, [P1]),
    ({"type": "public", "medium": "Hindi", "nomination_enddate": "open", "status": ["Live", "Unlisted"]}, [P3, P1]),
]


def test_every_program_filter(client: TestClient, catalogue: Catalogue) -> None:
    for filters, expected in PROGRAM_FILTERS:
        filters = {k: _ids(catalogue, v) if k == "program_id" else v for k, v in filters.items()}
        result = list_programs(client, catalogue.me, filters)
        assert (names(result), result["count"]) == (expected, len(expected)), filters


def _ids(catalogue: Catalogue, value: Any) -> Any:
    by_label = {"P1": P1, "P2": P2, "P3": P3, "P4": P4, "P5": P5}
    if isinstance(value, list):
        return [catalogue.ids[by_label[v]] for v in value]
    return catalogue.ids[by_label[value]]


def test_form_a_programs_not_nominated_by_the_organisation(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    response = post(client, "/list", {"filters": {"nomination": {"organisation_id": {"ne": "O1"}}, "nomination_enddate": "open"}}, me)
    answer(response, "api.program.list", {"count": 2, "programs": [nested(catalogue.program(client, P4)),
                                                                  nested(catalogue.program(client, P3))]})
    assert names(list_programs(client, me, {"nomination": {"organisation_id": {"ne": "O2"}}})) == [P4, P1, P2]
    assert names(list_programs(client, me, {"nomination": {"organisation_id": {"ne": "nobody"}}})) == ALL


def test_form_b_nominations_of_the_organisation(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    response = post(client, "/list", {"filters": {"nomination": {"organisation_id": {"eq": "O1"}}}}, me)
    # Nominations come as the reference orders them: latest change first (never changed
    # ones first, as PostgreSQL sorts NULLs descending), then the newest.
    answer(response, "api.program.list", {"count": 2, "programs": catalogue.nomination_items(client, "N2", "N1")})
    for nomination, keys in [
        ({"organisation_id": ["O1", "O2"]}, ["N3", "N2", "N1"]),
        ({"organisation_id": "O2"}, ["N3"]),
        ({"organisation_id": {"eq": "O1"}, "status": "Pending"}, ["N2"]),
        ({"organisation_id": {"eq": "O1"}, "status": ["Approved", "Rejected"]}, ["N1"]),
        ({"organisation_id": {"eq": "O1"}, "user_id": {"eq": "u-1"}}, ["N2", "N1"]),
        ({"organisation_id": {"eq": "O1"}, "user_id": "u-2"}, []),
    ]:
        result = list_programs(client, me, {"nomination": nomination})
        assert result == {"count": len(keys), "programs": catalogue.nomination_items(client, *keys)}, nomination
    # Program-level filters apply to the nominated programs; retired ones only when asked.
    assert list_programs(client, me, {"nomination": {"organisation_id": "O1"}, "type": "private"})["programs"] == \
        catalogue.nomination_items(client, "N2")
    assert list_programs(client, me, {"nomination": {"organisation_id": "O1"}, "status": "Retired"})["programs"] == \
        catalogue.nomination_items(client, "N6")


def test_form_c_nominations_where_the_user_holds_a_role(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    request = {"filters": {"nomination": {"user_id": {"eq": "u-7"}, "organisation_id": {"eq": "O1"}, "status": ["Approved"],
                                          "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}}}
    answer(post(client, "/list", request, me), "api.program.list",
           {"count": 1, "programs": catalogue.nomination_items(client, "N1")})
    for nomination, keys in [
        ({"user_id": {"eq": "u-7"}, "organisation_id": {"eq": "O1"}, "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}, ["N2", "N1"]),
        ({"user_id": {"eq": "u-7"}, "organisation_id": {"eq": "O1"}, "roles": {"or": ["CONTRIBUTOR"]}}, ["N2"]),
        ({"user_id": "u-7", "organisation_id": "O1", "roles": {"or": ["CREATOR"]}}, []),
        # Exact ids: u-7 does not match u-70, and u-70 does not match u-7.
        ({"user_id": {"eq": "u-7"}, "organisation_id": {"eq": "O2"}, "roles": {"or": ["REVIEWER"]}}, []),
        ({"user_id": {"eq": "u-70"}, "organisation_id": {"eq": "O2"}, "roles": {"or": ["REVIEWER"]}}, ["N3"]),
        ({"user_id": {"eq": "u-70"}, "organisation_id": {"eq": "O1"}, "roles": {"or": ["REVIEWER"]}}, []),
        ({"user_id": {"eq": "u"}, "organisation_id": {"eq": "O1"}, "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}, []),
        ({"user_id": {"eq": "u-7"}, "organisation_id": {"eq": "O1"}, "roles": {"or": []}}, []),
    ]:
        result = list_programs(client, me, {"nomination": nomination})
        assert result == {"count": len(keys), "programs": catalogue.nomination_items(client, *keys)}, nomination


def test_form_d_programs_the_individual_has_not_nominated_to(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    request = {"filters": {"type": "public", "nomination_enddate": "open", "status": ["Live", "Unlisted"],
                           "nomination": {"user_id": {"ne": "u-9"}}}, "sort": {}}
    answer(post(client, "/list", request, me), "api.program.list", {"count": 1, "programs": [nested(catalogue.program(client, P3))]})
    assert names(list_programs(client, me, {"nomination": {"user_id": {"ne": "u-9"}}})) == [P4, P3]
    # A user who nominated for an organisation has nominated too.
    assert names(list_programs(client, me, {"nomination": {"user_id": {"ne": "u-1"}}})) == [P4, P3]
    assert names(list_programs(client, me, {"nomination": {"user_id": {"ne": "u-9"}, "organisation_id": {"ne": "O2"}}})) == [P4]


def test_form_e_nominations_of_the_individual(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    response = post(client, "/list", {"filters": {"nomination": {"user_id": {"eq": "u-9"}}}}, me)
    answer(response, "api.program.list", {"count": 2, "programs": catalogue.nomination_items(client, "N5", "N4")})
    assert list_programs(client, me, {"nomination": {"user_id": ["u-2", "u-9"], "status": "Approved"}})["programs"] == \
        catalogue.nomination_items(client, "N5", "N3")


def test_nested_program_flattens_the_config_as_postgresql_text(client: TestClient, catalogue: Catalogue) -> None:
    [item] = list_programs(client, catalogue.me, {"nomination": {"user_id": "u-9"}, "type": "public"})["programs"]
    flattened = {key: item["program"][key] for key in ("subject", "defaultContributeOrgReview", "framework", "board", "gradeLevel", "medium")}
    assert flattened == {"subject": '["Mathematics"]', "defaultContributeOrgReview": None, "framework": None, "board": "CBSE",
                         "gradeLevel": '["Class 6"]', "medium": '["Hindi", "English"]'}


SORTS: list[tuple[dict[str, Any], list[str]]] = [
    ({"name": "asc"}, [P4, P3, P1, P2]),
    ({"name": "DESC"}, [P2, P1, P3, P4]),
    ({"createdon": "asc"}, [P1, P2, P3, P4]),
    ({"createdon": "desc"}, [P4, P3, P2, P1]),
    ({"updatedon": "asc"}, [P2, P1, P3, P4]),
    ({"updatedon": "desc"}, ALL),
    ({"startdate": "asc"}, [P1, P2, P4, P3]),
    ({"startdate": "desc"}, [P4, P2, P1, P3]),
    ({"enddate": "desc"}, [P1, P3, P4, P2]),
    ({"enddate": "asc"}, [P3, P1, P2, P4]),
    ({"nomination_enddate": "asc"}, [P2, P1, P3, P4]),
    ({"startdate": "asc", "name": "desc"}, [P1, P2, P4, P3]),
    ({"medium": ["Hindi"], "gradeLevel": ["Class 6"], "subject": ["Hindi"]}, [P3, P1, P4, P2]),
    ({"medium": ["english"]}, [P2, P1, P4, P3]),
    ({"subject": []}, [P4, P3, P2, P1]),
]


def test_sorting(client: TestClient, catalogue: Catalogue) -> None:
    for sort, expected in SORTS:
        result = list_programs(client, catalogue.me, {}, sort=sort)
        assert (names(result), result["count"]) == (expected, 4), sort


def test_sorting_applies_to_nominations_by_their_programs(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    for sort, keys in [
        ({"name": "asc"}, ["N3", "N1", "N2"]),
        ({"createdon": "asc"}, ["N1", "N2", "N3"]),
    ]:
        result = list_programs(client, me, {"nomination": {"organisation_id": ["O1", "O2"]}}, sort=sort)
        assert result["programs"] == catalogue.nomination_items(client, *keys), sort
    # A sort on framework categories answers how many of the values each program has
    # (`matchCount`, beside `program`, as the reference puts it).
    result = list_programs(client, me, {"nomination": {"organisation_id": ["O1", "O2"]}}, sort={"medium": ["English"]})
    assert result["programs"] == [{**item, "matchCount": count} for item, count in
                                  zip(catalogue.nomination_items(client, "N2", "N1", "N3"), (1, 1, 0), strict=True)]


def test_paging_counts_the_items_of_the_page(client: TestClient, catalogue: Catalogue) -> None:
    """`count` is the number of items on the page, as the reference answers it."""
    me = catalogue.me
    for request, expected in [
        ({"limit": 2}, [P4, P3]),
        ({"limit": 2, "offset": 2}, [P1, P2]),
        ({"limit": 3, "offset": 3}, [P2]),
        ({"offset": 4}, []),
        ({"limit": 0}, []),
        ({"limit": 5000}, ALL),
        ({"limit": None, "offset": None}, ALL),
        ({"limit": 2.0, "offset": 1.0}, [P3, P1]),  # JSON's 2.0 is the integer 2
    ]:
        result = list_programs(client, me, {}, **request)
        assert (names(result), result["count"]) == (expected, len(expected)), request
    paged = list_programs(client, me, {"nomination": {"organisation_id": ["O1", "O2"]}}, limit=1, offset=1)
    assert paged == {"count": 1, "programs": catalogue.nomination_items(client, "N2")}
    paged = list_programs(client, me, {"nomination": {"organisation_id": {"ne": "O1"}}}, limit=1, offset=1, sort={"name": "asc"})
    assert (names(paged), paged["count"]) == ([P3], 1)
    paged = list_programs(client, me, {"nomination": {"user_id": "u-7", "organisation_id": "O1", "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}},
                          limit=1)
    assert paged == {"count": 1, "programs": catalogue.nomination_items(client, "N2")}


def test_limit_is_capped_at_1000_and_defaults_to_300() -> None:
    assert parse_page({"limit": 5000}).limit == 1000
    assert parse_page({}).limit == 300
    assert parse_page({"limit": 0, "offset": 7}) == Page(limit=0, offset=7)


BAD_REQUESTS: list[tuple[dict[str, Any], str]] = [
    ({}, "filters is required"),
    ({"filters": None}, "filters is required"),
    ({"filters": []}, "filters must be an object"),
    ({"filters": {}, "fields": ["name", "colour"]}, "fields: 'colour' is not a program field; use any of: program_id, name, "
     "description, type, collection_ids, content_types, target_collection_category, targetprimarycategories, "
     "targetprimarycategorynames, target_type, startdate, enddate, nomination_enddate, "
     "shortlisting_enddate, content_submission_enddate, image, status, slug, config, rolemapping, createdby, updatedby, "
     "createdon, updatedon, rootorg_id, sourcing_org_name, channel, template_id, guidelines_url, acceptedcontents, "
     "rejectedcontents, sourcingrejectedcomments, subject, "
     "defaultContributeOrgReview, framework, board, gradeLevel, medium"),
    ({"filters": {}, "fields": {"name": 1}}, "fields must be a string or a list of at most 1000 strings"),
    ({"filters": {"colour": "red"}},
     "filters.colour is not supported; use one of: type, status, program_id, name, nomination_enddate, content_submission_enddate, "
     "content_types, target_collection_category, board, medium, gradeLevel, subject, rootorg_id, createdby, channel, target_type, "
     "role, user_id, nomination"),
    ({"filters": {"type": "secret"}}, "filters.type must be one of: public, private, restricted (or a list of them)"),
    ({"filters": {"status": "live"}}, "filters.status must be one of: Draft, Live, Unlisted, Retired, Closed (or a list of them)"),
    ({"filters": {"status": 5}}, "filters.status must be a string or a list of at most 1000 strings"),
    ({"filters": {"program_id": [1]}}, "filters.program_id must be a string or a list of at most 1000 strings"),
    ({"filters": {"program_id": {"eq": "x"}}}, "filters.program_id must be a string or a list of at most 1000 strings"),
    ({"filters": {"name": ["a"]}}, "filters.name must be a string"),
    ({"filters": {"name": "a\x00"}}, "filters.name must not contain NUL characters"),
    ({"filters": {"nomination_enddate": "soon"}}, 'filters.nomination_enddate must be "open" (on or after now) or "closed" (before now)'),
    ({"filters": {"content_submission_enddate": True}},
     'filters.content_submission_enddate must be "open" (on or after now) or "closed" (before now)'),
    ({"filters": {"medium": {"or": ["Hindi"]}}}, "filters.medium must be a string or a list of at most 1000 strings"),
    ({"filters": {"nomination": "O1"}}, "filters.nomination must be an object"),
    ({"filters": {"nomination": {}}}, "filters.nomination needs organisation_id or user_id"),
    ({"filters": {"nomination": {"status": "Approved"}}}, "filters.nomination needs organisation_id or user_id"),
    ({"filters": {"nomination": {"program_id": "x", "user_id": "u"}}},
     "filters.nomination.program_id is not supported; use one of: organisation_id, user_id, status, roles"),
    ({"filters": {"nomination": {"organisation_id": {"gt": "O1"}}}},
     "filters.nomination.organisation_id: unknown operator 'gt'; use eq, ne or a list of ids"),
    ({"filters": {"nomination": {"organisation_id": {"eq": "O1", "ne": "O2"}}}},
     "filters.nomination.organisation_id must have exactly one operator: eq or ne"),
    ({"filters": {"nomination": {"user_id": {"eq": 5}}}}, "filters.nomination.user_id.eq must be a string"),
    ({"filters": {"nomination": {"user_id": {"ne": ["u"]}}}}, "filters.nomination.user_id.ne must be a string"),
    ({"filters": {"nomination": {"user_id": {"ne": "u"}, "organisation_id": {"eq": "O1"}}}},
     "filters.nomination cannot mix ne with eq or a list"),
    ({"filters": {"nomination": {"user_id": {"ne": "u"}, "status": ["Approved"]}}},
     "filters.nomination.status cannot be combined with ne"),
    ({"filters": {"nomination": {"user_id": "u", "status": "Done"}}},
     "filters.nomination.status must be one of: Pending, Approved, Rejected, Initiated (or a list of them)"),
    ({"filters": {"nomination": {"user_id": "u", "organisation_id": "O1", "roles": ["REVIEWER"]}}},
     "filters.nomination.roles must be an object"),
    ({"filters": {"nomination": {"user_id": "u", "organisation_id": "O1", "roles": {"and": ["REVIEWER"]}}}},
     "filters.nomination.roles.and is not supported; use one of: or"),
    ({"filters": {"nomination": {"user_id": "u", "roles": {"or": ["REVIEWER"]}}}},
     "filters.nomination.roles needs filters.nomination.organisation_id with one id (eq)"),
    ({"filters": {"nomination": {"user_id": ["u", "v"], "organisation_id": "O1", "roles": {"or": ["REVIEWER"]}}}},
     "filters.nomination.roles needs filters.nomination.user_id with one id (eq)"),
    ({"filters": {}, "sort": "name"}, "sort must be an object"),
    ({"filters": {}, "sort": {"colour": "asc"}},
     "sort.colour is not supported; use one of: name, createdon, updatedon, startdate, enddate, nomination_enddate, "
     "shortlisting_enddate, content_submission_enddate, type, status, medium, gradeLevel, subject, board"),
    ({"filters": {"role": ["REVIEWER"]}}, "filters.role and filters.user_id go together: programs where the user holds a role"),
    ({"filters": {"user_id": 5, "role": "REVIEWER"}}, "filters.user_id must be a string"),
    ({"filters": {}, "sort": {"name": "up"}}, 'sort.name must be "asc" or "desc"'),
    ({"filters": {}, "sort": {"name": 1}}, 'sort.name must be "asc" or "desc"'),
    ({"filters": {}, "sort": {"medium": "Hindi"}}, "sort.medium must be a list of values to rank programs by"),
    ({"filters": {}, "sort": {"medium": ["Hindi"], "name": "asc"}},
     "sort by medium, gradeLevel, subject, board (relevance) cannot be combined with field sorts"),
    ({"filters": {}, "limit": "10"}, "limit must be a whole number"),
    ({"filters": {}, "limit": True}, "limit must be a whole number"),
    ({"filters": {}, "limit": -1}, "limit must be between 0 and 2147483647"),
    ({"filters": {}, "offset": 1.5}, "offset must be a whole number"),
    ({"filters": {}, "offset": 2**40}, "offset must be between 0 and 2147483647"),
]


def test_bad_requests_are_client_errors_naming_the_field(client: TestClient, tenants: Tenants) -> None:
    for request, errmsg in BAD_REQUESTS:
        failure(post(client, "/list", request, tenants.a_test), 400, "api.program.list", "ERR_LIST_PROGRAM_DATA", errmsg)


NASTY = ["a' OR '1'='1", "%", "_", "'", '"', "\\", "'; DROP TABLE listings; --", "Ünïcødé ✓", "*", "null", "[]"]


def test_injection_strings_find_nothing_extra(client: TestClient, catalogue: Catalogue) -> None:
    me = catalogue.me
    free_text = ["program_id", "name", "content_types", "target_collection_category", "board", "medium", "gradeLevel",
                 "subject", "rootorg_id", "createdby", "channel"]
    enumerated = ["type", "status", "nomination_enddate", "content_submission_enddate"]
    for value in NASTY:
        for key in free_text:
            for sent in (value, [value]) if key != "name" else (value,):
                assert list_programs(client, me, {key: sent}) == {"count": 0, "programs": []}, (key, sent)
        for key in enumerated:
            assert post(client, "/list", {"filters": {key: value}}, me).status_code == 400, (key, value)
        for nomination in ({"organisation_id": {"eq": value}}, {"user_id": [value]}, {"organisation_id": value},
                           {"user_id": {"eq": value}, "organisation_id": {"eq": "O1"}, "roles": {"or": [value, "REVIEWER"]}},
                           {"user_id": {"eq": "u-7"}, "organisation_id": {"eq": value}, "roles": {"or": ["REVIEWER"]}}):
            assert list_programs(client, me, {"nomination": nomination}) == {"count": 0, "programs": []}, nomination
        for nomination in ({"organisation_id": {"ne": value}}, {"user_id": {"ne": value}}):
            assert names(list_programs(client, me, {"nomination": nomination})) == ALL, nomination
        assert post(client, "/list", {"filters": {}, "sort": {value: "asc"}}, me).status_code == 400
        assert post(client, "/list", {"filters": {}, "sort": {"name": value}}, me).status_code == 400
        assert names(list_programs(client, me, {}, sort={"medium": [value]})) == [P4, P3, P2, P1]
        response = post(client, "/nomination/list", {"filters": {"program_id": value, "user_id": [value]}}, me)
        assert response.json()["result"] == [], value
    assert names(list_programs(client, me, {})) == ALL


FORMS: dict[str, dict[str, Any]] = {
    "programs": {},
    "A": {"nomination": {"organisation_id": {"ne": "O-none"}}, "nomination_enddate": "open"},
    "B": {"nomination": {"organisation_id": {"eq": "O1"}}},
    "C": {"nomination": {"user_id": {"eq": "u-1"}, "organisation_id": {"eq": "O1"}, "status": ["Approved", "Pending"],
                         "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}},
    "D": {"type": "public", "status": ["Live", "Unlisted", "Draft"], "nomination": {"user_id": {"ne": "u-none"}}},
    "E": {"nomination": {"user_id": {"eq": "u-1"}}},
    "filtered": {"medium": ["Hindi", "English"], "content_types": "Story", "name": "program", "rootorg_id": "r"},
}


@pytest.mark.parametrize("form", list(FORMS))
def test_one_list_costs_the_same_queries_whatever_the_limit(client: TestClient, store: Store, tenants: Tenants, form: str) -> None:
    me = tenants.a_test
    for n in range(12):
        program_id = create(client, me, name=f"Program {n}", config={"medium": ["Hindi"]}, content_types=["Story"],
                            nomination_enddate=FUTURE, rootorg_id="r")
        post(client, "/nomination/add", {"program_id": program_id, "organisation_id": "O1", "user_id": "u-1", "status": "Approved",
                                         "rolemapping": {"REVIEWER": ["u-1"]}}, me)
    post(client, "/list", {"filters": FORMS[form]}, me)  # warm up (the key's last use is recorded at most once a minute)
    counts = []
    for request in ({"limit": 1}, {"limit": 10}, {"limit": 1000}, {"limit": 3, "sort": {"medium": ["Hindi"]}}):
        with cache_off(client.app), count_queries(store) as statements:
            result = list_programs(client, me, FORMS[form], **request)
        assert result["count"] == min(request["limit"], 12), form
        counts.append(len(statements))
    # key, page (its items and their number); plus, for an "open"/"closed" date filter,
    # when that answer can change
    dated = "nomination_enddate" in FORMS[form] or "content_submission_enddate" in FORMS[form]
    assert counts == [counts[0]] * 4 and counts[0] <= 2 + dated, (form, counts)
    first = list_programs(client, me, FORMS[form], limit=10)
    with count_queries(store) as statements:  # the same request again: from the response cache
        assert list_programs(client, me, FORMS[form], limit=10) == first
    assert len(statements) == 1, (form, statements)  # the key lookup only (for C and E with the user's version)


PAGE_POSITIONS = re.compile(r"row_number\(\) OVER|\b0 AS position\b")


@pytest.mark.parametrize("form", [*FORMS, "E of two users", "E of Live programs"])
def test_every_page_is_planned_for_its_values(client: TestClient, store: Store, tenants: Tenants, form: str) -> None:
    """A page's statement depends on whose rows it lists (the hot organisation's 25,000
    nominations or a newcomer's 3): on PostgreSQL it is never kept prepared with a plan
    made for an average value (`store.sql.planned_for_values`), whichever way the page is
    built: stored items, a relevance sort, chosen `fields`. But for one user's nominations
    in their own order (form E unsorted): every plan walks the user's index in the page's
    order, so it is kept prepared and not planned again; not with two users, a program
    filter or a sort."""
    me = tenants.a_test
    program_id = create(client, me, name="Program", config={"medium": ["Hindi"]}, content_types=["Story"],
                        nomination_enddate=FUTURE, rootorg_id="r")
    post(client, "/nomination/add", {"program_id": program_id, "organisation_id": "O1", "user_id": "u-1",
                                     "status": "Approved", "rolemapping": {"REVIEWER": ["u-1"]}}, me)
    pages: list[bool] = []

    def record(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        if PAGE_POSITIONS.search(statement):  # a page's keys, numbered or not (`page_keys`)
            pages.append(bool(context.execution_options.get(PLANNED_FOR_VALUES)))

    filters = {
        **FORMS,
        "E of two users": {"nomination": {"user_id": ["u-1", "u-2"]}},
        "E of Live programs": {**FORMS["E"], "status": ["Live"]},
    }[form]
    requests: list[dict[str, Any]] = [{}, {"sort": {"medium": ["Hindi"]}}]
    if form in ("programs", "A", "D", "filtered"):
        requests.append({"fields": ["name"]})
    for engine in store.engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with cache_off(client.app):
            for request in requests:
                assert list_programs(client, me, filters, **request)
    finally:
        for engine in store.engines:
            sa.event.remove(engine, "before_cursor_execute", record)
    assert pages == [form != "E", True] + [True] * (len(requests) - 2), (form, pages)


def test_a_shape_is_built_once_per_tenant_and_run_with_each_requests_values(
    client: TestClient, app: Any, catalogue: Catalogue, tenants: Tenants
) -> None:
    """The stored-items statement of a shape is built on its first request and run with
    each request's values (dialects/sunbird/queries.py `_prepared`): other users' pages
    are theirs, another tenant's page of the same shape is its own, and a shape whose
    values are read in Python (a name search) is built each time."""
    from programhub.dialects.sunbird import queries

    me, other = catalogue.me, tenants.b_test
    create(client, other, name="Elsewhere", nomination_enddate=FUTURE)
    elsewhere = list_programs(client, other, {})["programs"][0]["program_id"]
    assert post(client, "/nomination/add", {"program_id": elsewhere, "user_id": "u-9", "status": "Approved"},
                other).status_code == 200
    queries._statements.clear()
    with cache_off(app):
        for user, keys in (("u-9", ["N5", "N4"]), ("u-2", ["N3"]), ("u-1", ["N2", "N1"]), ("nobody", [])):
            result = list_programs(client, me, {"nomination": {"user_id": {"eq": user}}})
            assert result == {"count": len(keys), "programs": catalogue.nomination_items(client, *keys)}, user
        assert len(queries._statements) == 1
        theirs = list_programs(client, other, {"nomination": {"user_id": {"eq": "u-9"}}})
        assert [item["program_id"] for item in theirs["programs"]] == [elsewhere]
        assert len(queries._statements) == 2  # one per tenant: the tenant is never a parameter
        assert names(list_programs(client, me, {"name": "Maths"})) == [P1]
        assert len(queries._statements) == 2
