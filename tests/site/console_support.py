"""Signing a test client in to the console, and posting its forms."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from programhub.core.listings import service as listings
from programhub.core.nominations import service as nominations
from programhub.store import Store
from tests.site.support import read_page
from tests.support import TenantKey


def sign_in(client: TestClient, key: TenantKey | str) -> Response:
    secret = key if isinstance(key, str) else key.key
    form = read_page(client.get("/console/sign-in").text)
    response = client.post(
        "/console/sign-in", data={"key": secret, "csrf": form.inputs["csrf"]}, follow_redirects=False
    )
    return response


def token(client: TestClient, path: str = "/console/programs") -> str:
    """The CSRF token the forms of a console page carry."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    return read_page(page.text).inputs["csrf"]


def post(client: TestClient, path: str, fields: dict[str, Any] | None = None, *, csrf: str | None = None,
         headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    data = {**(fields or {}), "csrf": token(client) if csrf is None else csrf}
    return client.post(path, data=data, headers=headers or {}, follow_redirects=False)


def program_with_nomination(store: Store, key: TenantKey, name: str, user: str = "u1") -> tuple[int, int]:
    with store.write() as conn:
        program_id = listings.create(conn, key.tenant, "program", {"name": name})
        nomination_id = nominations.add(conn, key.tenant, program_id, {"status": "Pending", "user_id": user})
    return program_id, nomination_id
