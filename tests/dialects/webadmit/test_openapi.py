"""Every WebAdMIT answer is what /openapi.json documents for its route and status: the
status is listed, a JSON body validates strictly against the named model, an empty body
is documented without content, and the documented headers are present."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.core.orgs import service as orgs
from programhub.dialects.webadmit import docs
from programhub.settings import Settings
from programhub.store import Store
from tests.dialects.webadmit.conftest import Clock
from tests.dialects.webadmit.support import BASE, make_identity, make_program
from tests.support import Tenants

IDENTITIES = BASE
PROGRAMS = f"{BASE}/{{user_identity_id}}/programs"
ORGANIZATIONS = f"{BASE}/{{user_identity_id}}/organizations"


def check_documented(document: dict[str, Any], template: str, response: Any) -> None:
    documented = document["paths"][template]["get"]["responses"].get(str(response.status_code))
    assert documented is not None, f"GET {template} does not document {response.status_code}"
    for header in documented.get("headers", {}):
        assert int(response.headers[header]) >= 0, (template, response.status_code, header)
    if "content" not in documented:
        assert response.content == b"" and "content-type" not in response.headers
        return
    assert response.headers["content-type"] == "application/json"
    reference = documented["content"]["application/json"]["schema"]["$ref"]
    model = getattr(docs, reference.rsplit("/", 1)[1])
    model.model_validate(response.json(), strict=True)


def test_every_answer_is_documented(
    settings: Settings, store: Store, tenants: Tenants, clock: Clock
) -> None:
    a = tenants.a_test
    program = make_program(store, a.tenant, "Potions")
    identities = [make_identity(store, a.tenant, association="SOPHAS", institution="Demo University"),
                  make_identity(store, a.tenant, organization="Hogwarts", program_ids=[program])]
    with store.write() as conn:
        orgs.set_state(conn, tenants.b_test.org, "suspended")
    app = create_app(settings.model_copy(update={"webadmit_rate_limit": 12}), store=store)
    seen: set[tuple[str, int]] = set()
    with TestClient(app, raise_server_exceptions=False) as client:
        document = client.get("/openapi.json").json()

        def call(template: str, path: str, headers: dict[str, str]) -> None:
            response = client.get(path, headers=headers)
            check_documented(document, template, response)
            seen.add((template, response.status_code))

        for template, route in ((PROGRAMS, "programs"), (ORGANIZATIONS, "organizations")):
            for identity in identities:
                call(template, f"{BASE}/{identity}/{route}", a.x_api_key)
            call(template, f"{BASE}/999/{route}", a.x_api_key)
            call(template, f"{BASE}/abc/{route}", a.x_api_key)
            call(template, f"{BASE}/1/{route}", {})
            call(template, f"{BASE}/1/{route}", tenants.b_test.x_api_key)
        call(IDENTITIES, IDENTITIES, a.x_api_key)
        call(IDENTITIES, IDENTITIES, {"x-api-key": "nope"})
        call(IDENTITIES, IDENTITIES, tenants.b_test.x_api_key)
        for template, path in ((IDENTITIES, IDENTITIES), (PROGRAMS, f"{BASE}/1/programs"),
                               (ORGANIZATIONS, f"{BASE}/1/organizations")):
            for _ in range(4):
                call(template, path, a.x_api_key)
    for template in (PROGRAMS, ORGANIZATIONS):
        assert {status for route, status in seen if route == template} == {200, 401, 403, 404, 422, 429}
    assert {status for route, status in seen if route == IDENTITIES} == {200, 401, 403, 429}
