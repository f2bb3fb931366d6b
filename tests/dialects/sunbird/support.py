"""Talking to /program/v1 in tests: requests, whole-envelope checks, program fixtures."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx2 import Response

from programhub.core.renderings import service as renderings
from programhub.core.listings.models import listings
from programhub.store import Store
from tests.support import TenantKey

BASE = "/program/v1"
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def post(client: TestClient, path: str, request: Any, who: TenantKey | None, *, msgid: str | None = None) -> Response:
    body: dict[str, Any] = {"request": request}
    if msgid is not None:
        body["params"] = {"msgid": msgid}
    return client.post(BASE + path, json=body, headers=who.bearer if who else {})


def answer(response: Response, api: str, result: Any, *, msgid: str | None = None) -> Any:
    """Assert a successful envelope, whole; returns its result."""
    body = response.json()
    assert response.status_code == 200, body
    expected = _envelope(body, api, result, msgid=msgid, status="successful", err=None, errmsg=None, code="OK")
    assert body == expected, (body, expected)
    return body["result"]


def failure(
    response: Response, status: int, api: str, err: str, errmsg: str, *, code: str = "CLIENT_ERROR", msgid: str | None = None
) -> None:
    """Assert a failed envelope, whole."""
    body = response.json()
    assert response.status_code == status, body
    expected = _envelope(body, api, {}, msgid=msgid, status="failed", err=err, errmsg=errmsg, code=code)
    assert body == expected, (body, expected)


def _envelope(body: dict[str, Any], api: str, result: Any, *, msgid: str | None, status: str, err: str | None,
              errmsg: str | None, code: str) -> dict[str, Any]:
    assert TS.match(body.get("ts", "")), body
    resmsgid = body.get("params", {}).get("resmsgid", "")
    uuid.UUID(resmsgid)
    return {
        "id": api,
        "ts": body["ts"],
        "params": {"resmsgid": resmsgid, "msgid": msgid, "status": status, "err": err, "errmsg": errmsg},
        "responseCode": code,
        "result": result,
    }


def stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def create(client: TestClient, who: TenantKey, **fields: Any) -> str:
    """A program created through /create; returns its program_id."""
    request = {"name": "Program", "type": "public", **fields}
    response = post(client, "/create", request, who)
    assert response.status_code == 200, response.json()
    return str(response.json()["result"]["program_id"])


def set_times(store: Store, program_id: str, *, created: str | None = None, updated: str | None = None) -> None:
    """Pin a program's createdon/updatedon, so orderings are deterministic."""
    values = {}
    if created:
        values["created_at"] = at(created)
    if updated:
        values["updated_at"] = at(updated)
    with store.write() as conn:
        changed = conn.execute(
            sa.update(listings).where(listings.c.uuid == program_id).values(values).returning(listings.c.id)
        ).scalars().all()
        renderings.refresh(conn, listings, changed)  # pinned behind the services' back


def read(client: TestClient, who: TenantKey, program_id: str) -> dict[str, Any]:
    response = client.get(f"{BASE}/read/{program_id}", headers=who.bearer)
    assert response.status_code == 200, response.json()
    return dict(response.json()["result"])


def program(program_id: str, createdon: str, updatedon: str, **fields: Any) -> dict[str, Any]:
    """A program as /read shows it: the defaults of a program created with name and type."""
    return {
        "program_id": program_id,
        "name": "Program",
        "description": None,
        "type": "public",
        "collection_ids": None,
        "content_types": None,
        "target_collection_category": None,
        "targetprimarycategories": None,
        "targetprimarycategorynames": None,
        "target_type": None,
        "startdate": None,
        "enddate": None,
        "nomination_enddate": None,
        "shortlisting_enddate": None,
        "content_submission_enddate": None,
        "image": None,
        "status": "Draft",
        "slug": None,
        "config": {},
        "rolemapping": None,
        "createdby": None,
        "updatedby": None,
        "createdon": createdon,
        "updatedon": updatedon,
        "rootorg_id": None,
        "sourcing_org_name": None,
        "channel": None,
        "template_id": None,
        "guidelines_url": None,
        "acceptedcontents": None,
        "rejectedcontents": None,
        "sourcingrejectedcomments": None,
        **fields,
    }


def nested(full: dict[str, Any]) -> dict[str, Any]:
    """The program inside a nomination, derived from the /read shape by the seed's rules;
    tests that care about the flattened values check them literally too."""
    import json

    def text(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    out = {key: value for key, value in full.items() if key not in ("description", "config")}
    for key in ("subject", "defaultContributeOrgReview", "framework", "board", "gradeLevel", "medium"):
        out[key] = text(full["config"].get(key))
    return out


def list_programs(client: TestClient, who: TenantKey, filters: dict[str, Any], **request: Any) -> dict[str, Any]:
    response = post(client, "/list", {"filters": filters, **request}, who)
    assert response.status_code == 200, response.json()
    return dict(response.json()["result"])


def names(result: dict[str, Any]) -> list[str]:
    return [item["program"]["name"] if "program" in item else item["name"] for item in result["programs"]]
