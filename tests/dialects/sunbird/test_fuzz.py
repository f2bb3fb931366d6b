"""No body produces a 500 or leaves the envelope: random JSON, and near-valid requests
built from the language's own keys and operators with hostile values."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programhub.dialects.sunbird.listquery import FILTER_KEYS, NOMINATION_KEYS, RELEVANCE_KEYS, SORT_FIELDS
from tests.dialects.sunbird.support import BASE, TS, create
from tests.support import TenantKey, Tenants

HOSTILE = st.sampled_from(["a' OR '1'='1", "%", "_", "\x00", "\ud800", "😀" * 300, "", " ", "Live", "open", "eq", "ne"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False),
                    st.text(max_size=20), HOSTILE)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
OPERATORS = st.dictionaries(st.sampled_from(["eq", "ne", "or", "in", "gt"]), JSON, max_size=2)
VALUES = st.one_of(JSON, OPERATORS, st.lists(st.one_of(HOSTILE, st.text(max_size=10)), max_size=3))
NOMINATION = st.dictionaries(st.sampled_from([*NOMINATION_KEYS, "program_id"]), VALUES, max_size=4)
FILTERS = st.dictionaries(st.sampled_from([*FILTER_KEYS, "colour"]), st.one_of(VALUES, NOMINATION), max_size=5)
SORT = st.dictionaries(st.sampled_from([*SORT_FIELDS, *RELEVANCE_KEYS, "type"]),
                       st.one_of(st.sampled_from(["asc", "desc", "ASC"]), VALUES), max_size=3)
LIST_REQUEST = st.fixed_dictionaries({}, optional={"filters": FILTERS, "sort": SORT, "limit": VALUES, "offset": VALUES})
PROGRAM_REQUEST = st.dictionaries(
    st.sampled_from(["program_id", "name", "type", "status", "startdate", "config", "rolemapping", "content_types",
                     "collection_ids", "user_id", "organisation_id", "id", "channel", "feedback"]),
    st.one_of(VALUES, st.just("PROGRAM")), max_size=6)
ROUTES = ["/create", "/update", "/publish", "/unlist", "/delete", "/nomination/add", "/nomination/update",
          "/nomination/remove", "/nomination/list"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _send(client: TestClient, route: str, body: Any, who: TenantKey) -> Any:
    """Encoded with `json` (ASCII escapes), so lone surrogates reach the server as `\\ud800`."""
    return client.post(BASE + route, content=json.dumps(body).encode(), headers={**who.bearer, "Content-Type": "application/json"})


def _enveloped(response: Any) -> None:
    assert response.status_code in (200, 400, 404, 409), response.text
    body = response.json()
    assert set(body) == {"id", "ts", "params", "responseCode", "result"} and TS.match(body["ts"])
    assert (body["params"]["status"] == "successful") == (response.status_code == 200)


@FUZZ
@given(request=LIST_REQUEST)
def test_list_never_fails_unexpectedly(client: TestClient, tenants: Tenants, request: dict[str, Any]) -> None:
    _enveloped(_send(client, "/list", {"request": request}, tenants.a_test))


@FUZZ
@given(route=st.sampled_from(ROUTES), request=PROGRAM_REQUEST)
def test_writes_never_fail_unexpectedly(client: TestClient, tenants: Tenants, route: str, request: dict[str, Any]) -> None:
    program_id = create(client, tenants.a_test)
    request = {key: program_id if value == "PROGRAM" else value for key, value in request.items()}
    _enveloped(_send(client, route, {"request": request}, tenants.a_test))


@FUZZ
@given(body=JSON)
def test_any_json_body_is_answered_in_the_envelope(client: TestClient, tenants: Tenants, body: Any) -> None:
    for route in ("/list", "/create", "/nomination/add"):
        _enveloped(_send(client, route, body, tenants.a_test))
