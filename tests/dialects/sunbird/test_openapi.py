"""Answers match the shapes the OpenAPI document declares for them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

from programhub.dialects.sunbird import docs as doc
from tests.dialects.sunbird.support import BASE, create, post
from tests.support import Tenants


def conforms(model: Any, body: Any) -> None:
    validated = model.model_validate(body, strict=True)
    assert isinstance(validated, BaseModel)


def test_success_and_failure_bodies_match_their_declared_models(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    created = post(client, "/create", {"name": "P", "type": "public", "config": {"medium": ["Hindi"], "board": "CBSE"},
                                       "rolemapping": {"REVIEWER": ["u-1"]}, "startdate": "2021-01-01"}, me)
    conforms(doc.Envelope[doc.ProgramRef], created.json())
    program_id = created.json()["result"]["program_id"]
    conforms(doc.Envelope[doc.Program], client.get(f"{BASE}/read/{program_id}", headers=me.bearer).json())
    client.post("/api/external/issuance/programs", json={"name": "From Record"}, headers=me.bearer)
    added = post(client, "/nomination/add", {"program_id": program_id, "organisation_id": "O1", "user_id": "admin", "status": "Pending",
                                             "rolemapping": {"REVIEWER": ["u-1"]}}, me)
    conforms(doc.Envelope[doc.NominationAdded], added.json())
    conforms(doc.Envelope[doc.NominationRef],
             post(client, "/nomination/update", {"program_id": program_id, "organisation_id": "O1", "status": "Approved"}, me).json())
    conforms(doc.Envelope[list[doc.Nomination]], post(client, "/nomination/list", {}, me).json())
    for filters in ({}, {"nomination": {"organisation_id": {"ne": "O2"}}}, {"nomination": {"organisation_id": "O1"}},
                    {"nomination": {"organisation_id": "O1", "user_id": "u-1", "roles": {"or": ["REVIEWER"]}}}):
        body = post(client, "/list", {"filters": filters}, me).json()
        assert body["result"]["count"] >= 1
        conforms(doc.Envelope[doc.ListResult], body)
        for item in body["result"]["programs"]:
            conforms(doc.NominationWithProgram if "program" in item else doc.NestedProgram, item)
    for response in (post(client, "/list", {}, me), post(client, "/update", {"program_id": "x"}, me),
                     post(client, "/list", {"filters": {}}, None), client.get(f"{BASE}/nope")):
        conforms(doc.ErrorEnvelope, response.json())
    conforms(doc.Envelope[doc.ProgramRef], post(client, "/delete", {"program_id": create(client, me)}, me).json())
