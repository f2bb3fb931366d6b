"""Every Record response matches what /openapi.json documents for its route and status."""

from __future__ import annotations

from typing import Any

import httpx2
from fastapi.testclient import TestClient

from programhub.dialects.record import docs as schemas
from tests.dialects.record.support import BASE, issue_body
from tests.support import Tenants


def check_documented(document: dict[str, Any], template: str, method: str, response: httpx2.Response) -> None:
    """The status is documented for the operation, with the response's media type, and a
    JSON body validates strictly against the documented model."""
    operation = document["paths"][template][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {template} does not document {response.status_code}"
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in documented["content"], (template, response.status_code, media_type)
    schema = documented["content"][media_type]["schema"]
    if media_type == "application/json":
        model = getattr(schemas, schema["$ref"].rsplit("/", 1)[1])
        model.model_validate(response.json(), strict=True)
    else:
        assert schema == {"type": "string"}


def test_every_response_is_documented(client: TestClient, tenants: Tenants) -> None:
    document = client.get("/openapi.json").json()
    me = tenants.a_test
    seen: set[tuple[str, str, int]] = set()

    def call(method: str, template: str, path: str, **kwargs: Any) -> httpx2.Response:
        response = client.request(method.upper(), path, **kwargs)
        check_documented(document, template, method, response)
        seen.add((method, template, response.status_code))
        return response

    programs, program = f"{BASE}/programs", f"{BASE}/programs/{{programId}}"
    batches, batch = f"{BASE}/credentials", f"{BASE}/credentials/{{batchId}}"
    page = "/credentials/{recipientId}"

    created = call("post", programs, programs, json={"name": "Cyber Security"}, headers=me.bearer).json()["data"]
    call("post", programs, programs, json={"name": 1}, headers=me.bearer)
    call("post", programs, programs, json={"name": "x"})
    call("get", programs, programs, headers=me.bearer)
    call("get", programs, programs, headers={"X-Api-Key": "sk_test_" + "a" * 40})
    call("get", program, f"{programs}/{created['programId']}", headers=me.bearer)
    call("get", program, f"{programs}/prog_1779175802952_zlymqs", headers=me.bearer)

    keyed = {**me.bearer, "Idempotency-Key": "documented"}
    issued = call("post", batches, batches, json=issue_body(created["programId"]), headers=keyed).json()["data"]
    call("post", batches, batches, json=issue_body(created["programId"]), headers=keyed)
    call("post", batches, batches, json=issue_body(created["programId"], batch_name="Other"), headers=keyed)
    call("post", batches, batches, json={"programId": created["programId"]}, headers=me.bearer)
    call("post", batches, batches, json=issue_body("prog_1779175802952_zlymqs"), headers=me.bearer)
    call("post", batches, batches, content=b"x" * (2 * 1024 * 1024 + 1), headers=me.bearer)
    call("get", batches, batches, headers=me.bearer)
    call("get", batch, f"{batches}/{issued['batchId']}", headers=me.bearer)
    call("get", batch, f"{batches}/batch_1779175802952_zlymqs", headers=me.bearer)

    recipient_id = issued["recipients"][0]["recipientId"]
    for accept in ("text/html", "application/json"):
        call("get", page, f"/credentials/{recipient_id}", headers={"Accept": accept})
        call("get", page, "/credentials/rec_1779175802952_zlymqs", headers={"Accept": accept})

    assert {status for _m, _t, status in seen} == {200, 201, 400, 401, 404, 409, 413}
