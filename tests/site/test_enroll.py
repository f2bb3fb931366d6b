"""The public enroll form: enrolled, waitlisted or refused with the reason, under the
learners' rules; CSRF, the per-address limit, escaping, hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from programhub.app import create_app
from programhub.settings import Settings
from programhub.store import Store
from tests.site.support import create, read_page
from tests.support import TenantKey, Tenants, count_queries


def _enroll(client: TestClient, form_path: str, *, csrf: str | None = None, headers: dict[str, str] | None = None,
            **fields: str) -> Response:  # fmt: skip
    if csrf is None:
        page = client.get(form_path)
        assert page.status_code == 200, page.text
        csrf = read_page(page.text).inputs["csrf"]
    return client.post(form_path, data={"csrf": csrf, **fields}, headers=headers or {}, follow_redirects=False)


def _result(response: Response) -> list[str]:
    lines = read_page(response.text).lines
    start = next(i for i, line in enumerate(lines) if line in ("Enrolled.", "On the waitlist.", "Not enrolled."))
    return lines[start : start + 2]


def _listing(client: TestClient, key: TenantKey, **fields: Any) -> str:
    created = create(client, key, "course", title="Pottery <b>101</b>", path="pottery", **fields)
    return f"/catalogs/{created['catalog']['id']}/courses/pottery"


def _applicants(client: TestClient, key: TenantKey) -> list[dict[str, Any]]:
    return client.get("/api/v1/applicants", headers=key.token).json()["applicants"]  # type: ignore[no-any-return]


def test_enrolled_then_waitlisted_then_refused(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_live
    base = _listing(client, key, enrollment_cap=1, waitlist=True, waitlist_cap=1)
    listing_page = read_page(client.get(base).text)
    assert listing_page.links["Enroll"] == f"{base}/enroll"
    form = f"{base}/enroll"
    with count_queries(store) as queries:
        first = _enroll(client, form, first_name="Ada", last_name="Lovelace", email="ada@example.edu")
    assert first.status_code == 200 and _result(first) == ["Enrolled.", "You are enrolled."]
    assert first.headers["cache-control"] == "no-store"
    assert len(queries) < 40  # a handful of statements, not one per anything
    users = client.get("/api/v1/users", headers=key.token).json()["users"]
    assert [(u["first_name"], u["last_name"], u["email_address"]) for u in users] == [
        ("Ada", "Lovelace", "ada@example.edu")
    ]
    again = _enroll(client, form, first_name="Ada", email="ADA@example.edu")
    assert again.status_code == 409 and _result(again) == ["Not enrolled.", "You are enrolled already."]
    second_token = read_page(client.get(form).text).inputs["csrf"]
    second = _enroll(client, form, csrf=second_token, first_name="Grace", email="grace@example.edu")
    assert second.status_code == 200 and _result(second)[0] == "On the waitlist."
    assert [a["status"] for a in _applicants(client, key)] == ["waitlist"]
    state = read_page(client.get(base).text).lines
    assert state[state.index("Enrollment") + 1] == "Full, and so is its waitlist"
    assert "Enroll" not in read_page(client.get(base).text).links
    assert "csrf" not in read_page(client.get(form).text).inputs  # the form is gone; an old one is refused:
    third = _enroll(client, form, csrf=second_token, first_name="Alan", email="alan@example.edu")
    assert third.status_code == 409 and _result(third) == ["Not enrolled.", "It is full, and so is its waitlist."]
    assert "This course does not take enrollments now." in read_page(client.get(form).text).lines


def test_closed_and_unknown(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_live
    base = _listing(client, key, enrollment_open=False)
    page = read_page(client.get(f"{base}/enroll").text)
    assert "This course does not take enrollments now." in page.lines and "csrf" not in page.inputs
    refused = client.post(f"{base}/enroll", data={"csrf": "x", "first_name": "A", "email": "a@example.edu"})
    assert refused.status_code == 403
    for path in (f"{base}x/enroll", f"/catalogs/{default_test_catalog(client, tenants)}/courses/pottery/enroll"):
        assert client.get(path).status_code == 404


def default_test_catalog(client: TestClient, tenants: Tenants) -> int:
    create(client, tenants.a_test, "course", title="Pottery", path="pottery")
    return int(client.get("/api/v1/catalogs", headers=tenants.a_test.token).json()["catalogs"][0]["id"])


def test_the_form_needs_its_token_and_this_origin(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_live
    form = _listing(client, key) + "/enroll"
    fields = {"first_name": "Ada", "email": "ada@example.edu"}
    assert _enroll(client, form, csrf="0" * 64, **fields).status_code == 403
    good = read_page(client.get(form).text).inputs["csrf"]
    assert _enroll(client, form, csrf=good, headers={"Origin": "https://evil.example"}, **fields).status_code == 403
    assert _enroll(client, form, csrf=good, headers={"Sec-Fetch-Site": "cross-site"}, **fields).status_code == 403
    with TestClient(client.app) as stranger:  # a token from another browser's cookie
        assert _enroll(stranger, form, csrf=good, **fields).status_code == 403
    assert client.get("/api/v1/users", headers=key.token).json()["users"] == []
    assert _enroll(client, form, csrf=good, **fields).status_code == 200


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"first_name": "Ada", "email": "not an email"}, "Please give a valid email address."),
        ({"first_name": "", "email": "ada@example.edu"}, "Please give your first name."),
        ({"first_name": "Ada", "email": ""}, "Please give your email address."),
        ({"first_name": "A\x00da", "email": "ada@example.edu"}, "A name may be at most 255 characters of text."),
        ({"first_name": "A" * 300, "email": "ada@example.edu"}, "A name may be at most 255 characters of text."),
        ({"first_name": "Ada", "email": "ada\x00@example.edu"}, "Please give a valid email address."),
    ],
)  # fmt: skip
def test_bad_fields_show_the_form_again(
    client: TestClient, tenants: Tenants, fields: dict[str, str], message: str
) -> None:
    form = _listing(client, tenants.a_live) + "/enroll"
    response = _enroll(client, form, **fields)
    assert response.status_code == 422, response.text
    page = read_page(response.text)
    assert message in page.lines and "csrf" in page.inputs
    assert client.get("/api/v1/users", headers=tenants.a_live.token).json()["users"] == []


def test_names_are_escaped(client: TestClient, tenants: Tenants) -> None:
    form = _listing(client, tenants.a_live) + "/enroll"
    response = _enroll(client, form, first_name='<script>alert("x")</script>', email="bad<script>@example.edu")
    assert response.status_code == 422 and "<script>" not in response.text
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in response.text  # kept in the form, escaped
    assert "Pottery &lt;b&gt;101&lt;/b&gt;" in response.text


def test_each_address_may_send_so_many_forms(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"catalog_enroll_rate_limit": 2}), store=store)
    with TestClient(app) as client:
        form = _listing(client, tenants.a_live) + "/enroll"
        codes = [_enroll(client, form, first_name="A", email=f"a{n}@example.edu").status_code for n in range(3)]
        assert codes == [200, 200, 429]
