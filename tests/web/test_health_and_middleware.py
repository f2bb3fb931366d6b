from __future__ import annotations

import logging
import re

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from programhub.app import create_app
from programhub.core.credentials import service as credentials
from programhub.core.orgs.models import organisations
from programhub.settings import Settings
from programhub.store import Store, open_store
from tests.support import Tenants


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "database": "ok"}


def test_readyz_reports_an_unreachable_database() -> None:
    store = open_store("postgresql://postgres@127.0.0.1:1/none", pool_size=1, max_overflow=0)
    app = create_app(Settings(database_url="postgresql://postgres@127.0.0.1:1/none"), store=store)
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert client.get("/healthz").status_code == 200
    store.dispose()


def test_one_access_log_line_per_request_without_secrets(
    client: TestClient, tenants: Tenants, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="programhub.access"):
        client.get("/api/external/issuance/programs?x=1", headers=tenants.a_test.bearer)
        client.get("/api/external/issuance/programs", headers={"X-Api-Key": "sk_test_" + "q" * 40})
        client.get(f"/api/v1/user_identities/{tenants.a_test.key}/programs")  # a key pasted into the path
    lines = [orjson.loads(r.getMessage()) for r in caplog.records if r.name == "programhub.access"]
    assert len(lines) == 3
    assert set(lines[0]) == {"time", "method", "path", "status", "duration_ms", "org", "request_id"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", lines[0]["time"])
    assert lines[0]["path"] == "/api/external/issuance/programs"
    assert lines[0]["status"] == 200 and lines[0]["org"] == tenants.a_test.org
    assert lines[1]["status"] == 401 and lines[1]["org"] is None
    assert lines[2]["path"] == "/api/v1/user_identities/sk_test_…/programs"
    assert all(tenants.a_test.key not in r.getMessage() and "qqqq" not in r.getMessage() for r in caplog.records)


def test_the_access_log_names_a_suspended_organisation(
    client: TestClient, store: Store, tenants: Tenants, caplog: pytest.LogCaptureFixture
) -> None:
    with store.write() as conn:
        conn.execute(sa.update(organisations).where(organisations.c.public_id == tenants.a_test.org).values(state="suspended"))
    with caplog.at_level(logging.INFO, logger="programhub.access"):
        assert client.get("/api/external/issuance/programs", headers=tenants.a_test.bearer).status_code == 403
    (line,) = [orjson.loads(r.getMessage()) for r in caplog.records if r.name == "programhub.access"]
    assert (line["status"], line["org"]) == (403, tenants.a_test.org)


def test_oversized_body_is_refused_before_parsing(settings: Settings, store: Store, tenants: Tenants) -> None:
    app = create_app(Settings(database_url=settings.database_url, max_body_bytes=1000), store=store)
    with TestClient(app) as client:
        declared = client.post("/api/external/issuance/programs", content=b"x" * 5000, headers=tenants.a_test.bearer)
        assert declared.status_code == 413
        assert declared.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_an_unexpected_database_error_is_logged_without_the_values_it_carried(
    client: TestClient, tenants: Tenants, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure nobody foresaw is logged with its traceback, never with the values bound to
    the statement (names, emails, a key's hash): the engine hides them (hide_parameters).
    (PostgreSQL's own message may still quote a row or key that violates a constraint.)"""

    value = "".join(reversed("deggol_reven_eulav"))  # spelt out nowhere the traceback quotes

    def failing(conn: Connection, _tenant: object) -> None:
        if conn.dialect.name == "postgresql":  # division by zero: an error that quotes no value
            conn.execute(sa.text("SELECT 1 / :zero, CAST(:value AS TEXT)"), {"zero": 0, "value": value})
        conn.execute(sa.insert(organisations).values(public_id=value, name=None))

    monkeypatch.setattr(credentials, "list_batches", failing)
    with caplog.at_level(logging.ERROR, logger="programhub.errors"):
        response = client.get("/api/external/issuance/credentials", headers=tenants.a_test.bearer)
    assert response.status_code == 500
    assert "Error" in caplog.text and "[SQL: " in caplog.text
    assert value not in caplog.text
