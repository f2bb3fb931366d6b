"""Issue 18, finding 6: no HTML answer can be framed by another site; an unknown and a
revoked key get the same 401 in every dialect (the answer must not tell that a key ever
existed); the SQLite database file is readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient

from programhub.core.keys import service as keys
from programhub.store import Store, open_store
from programhub.store.migrate import upgrade
from tests.dialects.record.support import BASE, issue_body, make_program, people
from tests.support import Tenants

FORGED_KEY = "sk_test_" + "Z" * 40


def html_answers(client: TestClient, tenants: Tenants, store: Store) -> dict[str, object]:
    """Every kind of HTML answer the service gives: pages, their errors, the API browser."""
    program = make_program(store, tenants.a_test, "Framed")
    issued = client.post(f"{BASE}/credentials", json=issue_body(program, people(1)), headers=tenants.a_test.bearer)
    link = issued.json()["data"]["recipients"][0]["credentialUrl"].split("programhub.test", 1)[1]
    return {
        "credential page": client.get(link),
        "credential not found": client.get("/credentials/rec_1747661402952_zlymqs"),
        "unrouted page path": client.get("/credentials/a/b/c"),
        "wrong method on a page": client.delete(link),
        "page body too large": client.post(link, content=b"x" * (2 * 1024 * 1024 + 1)),
        "API browser": client.get("/docs"),  # served from the package: it has no OAuth redirect page
    }


def test_no_html_answer_can_be_framed(client: TestClient, tenants: Tenants, store: Store) -> None:
    for name, response in html_answers(client, tenants, store).items():
        assert response.headers["content-type"].startswith("text/html"), name  # type: ignore[attr-defined]
        headers = response.headers  # type: ignore[attr-defined]
        assert headers["x-frame-options"] == "DENY", name
        policies = [part.strip() for part in headers["content-security-policy"].split(";")]
        assert "frame-ancestors 'none'" in policies, (name, policies)


def test_unknown_and_revoked_keys_get_one_and_the_same_401_in_every_dialect(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    with store.write() as conn:
        keys.revoke(conn, tenants.a_test.key_id)
    revoked = tenants.a_test.key
    requests = {
        "record": lambda key: client.get(f"{BASE}/programs", headers={"Authorization": f"Bearer {key}"}),
        "catalog": lambda key: client.get("/api/v1/programs", headers={"Authorization": f'Token token="{key}"'}),
        "sunbird": lambda key: client.post("/program/v1/list", json={"request": {"filters": {}}},
                                           headers={"Authorization": f"Bearer {key}"}),
        "webadmit": lambda key: client.get("/api/v1/user_identities", headers={"x-api-key": key}),
    }
    for dialect, send in requests.items():
        unknown, gone = send(FORGED_KEY), send(revoked)
        assert unknown.status_code == gone.status_code == 401, dialect
        if dialect == "sunbird":  # each answer has its own time and response id
            unknown_body, gone_body = unknown.json(), gone.json()
            assert unknown_body["params"]["errmsg"] == gone_body["params"]["errmsg"] == "The API key is not valid."
            assert unknown_body["params"]["err"] == gone_body["params"]["err"], dialect
        else:
            assert unknown.content == gone.content, (dialect, unknown.content, gone.content)
    assert client.get(f"{BASE}/programs", headers=tenants.a_test.bearer).json() == {
        "success": False, "code": "UNAUTHORIZED", "message": "The API key is not valid."}


def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "hub.db"
    store = open_store(f"sqlite:///{path}")
    try:
        upgrade(store)
        with store.write() as conn:
            conn.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
        created = [path, path.with_name("hub.db-wal"), path.with_name("hub.db-shm")]
        for file in created:
            assert file.exists(), file
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, (file, oct(file.stat().st_mode))
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        store.dispose()
