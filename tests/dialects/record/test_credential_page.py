"""The page behind credentialUrl: HTML for people, JSON on request, no key needed."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from programhub.core.credentials import service as credentials_service
from programhub.core.orgs import service as orgs
from programhub.web.negotiation import wants_json
from programhub.store import Store
from tests.dialects.record.support import BASE, PUBLIC_URL, delete, error, issue_body, make_program, retire
from tests.support import TenantKey, Tenants, count_queries

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


class _Text(HTMLParser):
    """The text a person reads (title and body), one entry per line, and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.tags: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._skip = tag == "style" or ("class", "skip") in attrs  # the page chrome's "Skip to content"

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.lines.extend(line.strip() for line in data.splitlines() if line.strip())


def read_page(markup: str) -> _Text:
    parser = _Text()
    parser.feed(markup)
    return parser


def issue_one(client: TestClient, owner: TenantKey, program_id: str, name: str, batch: str = "Spring 2025") -> dict[str, Any]:
    body = issue_body(program_id, [{"name": name, "email": "someone@example.edu"}], batch)
    response = client.post(f"{BASE}/credentials", json=body, headers=owner.bearer)
    assert response.status_code == 201
    return response.json()["data"]  # type: ignore[no-any-return]


def _day(issued_at: str) -> str:
    year, month, day = issued_at[:10].split("-")
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


def test_a_person_reads_the_credential_with_every_string_escaped(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_live
    hostile = '<script>alert("x")</script> & Co $title ${content}'
    program_id = make_program(store, me, f"Cyber {hostile}")
    batch = issue_one(client, me, program_id, f"Ada {hostile}", batch=f"Batch {hostile}")
    recipient = batch["recipients"][0]
    response = client.get(f"/credentials/{recipient['recipientId']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in response.headers["content-security-policy"]
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    page = read_page(response.text)
    assert "script" not in page.tags
    issued = batch["issuedAt"]
    assert page.lines == [
        f"Ada {hostile} — Cyber {hostile}",
        "Credential",
        f"Ada {hostile}",
        "has been awarded a credential for",
        f"Cyber {hostile}",
        "issued by",
        "Organisation A",
        "on",
        _day(issued),
        ".",
        "Status", "Verified",
        "Issued", f"{issued[:10]} {issued[11:16]} UTC",
        "Programme", f"Cyber {hostile} ({program_id})",
        "Organisation", f"Organisation A ({me.org})",
        "Batch", f"Batch {hostile} ({batch['batchId']})",
        "Credential ID", recipient["recipientId"],
        "Download the signed credential",
        "(Open Badges 3.0, JSON): any verifier can check it and its status.",
    ]
    assert f'<a href="{PUBLIC_URL}/credentials/{recipient["recipientId"]}/credential.json" download>' in response.text
    # A shared link previews (Open Graph), escaped like everything else.
    escaped = "Ada &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co $title ${content}"
    assert f'<meta property="og:title" content="{escaped}: Cyber ' in response.text
    assert '<meta property="og:description" content="Verified credential issued by Organisation A on ' in response.text
    assert f'<meta property="og:url" content="{PUBLIC_URL}/credentials/{recipient["recipientId"]}">' in response.text


def test_a_test_mode_credential_says_so(client: TestClient, tenants: Tenants, program_id: str) -> None:
    recipient = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]
    page = read_page(client.get(f"/credentials/{recipient['recipientId']}").text)
    assert page.lines[1:3] == [
        "Test credential: issued in test mode by Organisation A while trying out the API. It is not a real award.",
        "Credential",
    ]


def test_the_same_facts_as_json(client: TestClient, tenants: Tenants, program_id: str) -> None:
    batch = issue_one(client, tenants.a_test, program_id, "Ada Lovelace")
    recipient = batch["recipients"][0]
    assert recipient["credentialUrl"] == f"{PUBLIC_URL}/credentials/{recipient['recipientId']}"
    response = client.get(f"/credentials/{recipient['recipientId']}", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept"
    assert response.json() == {
        "success": True,
        "message": "Credential fetched successfully",
        "data": {
            "recipientId": recipient["recipientId"],
            "name": "Ada Lovelace",
            "programId": program_id,
            "programName": "Cyber Security",
            "orgId": tenants.a_test.org,
            "orgName": "Organisation A",
            "batchId": batch["batchId"],
            "batchName": "Spring 2025",
            "mode": "test",
            "status": "issued",
            "issuedAt": batch["issuedAt"],
            "credentialUrl": recipient["credentialUrl"],
            "expiresAt": None,
            "revokedAt": None,
            "revocationReason": None,
        },
    }


ACCEPT_CASES = [
    (None, False),
    ("*/*", False),
    ("text/html", False),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
    ("application/json", True),
    ("Application/JSON", True),
    ("application/*", True),
    ("application/json, text/plain, */*", True),
    ("application/json, text/*", True),
    ("text/html, application/json", False),
    ("application/json;q=0.5, text/html", False),
    ("text/html;q=0.1, application/json", True),
    ("application/json;q=0", False),
    ("application/json;q=nan", False),
    ("application/json;q=oops, text/html;q=0.2", False),
    ("text/plain", False),
    (";;,,", False),
]


@pytest.mark.parametrize(("accept", "json"), ACCEPT_CASES)
def test_accept_prefers_json_only_when_the_client_does(accept: str | None, json: bool) -> None:
    assert wants_json(accept) is json


def test_accept_chooses_json_or_html(client: TestClient, tenants: Tenants, program_id: str) -> None:
    recipient_id = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]["recipientId"]
    for accept, json in ACCEPT_CASES:
        headers = {} if accept is None else {"Accept": accept}
        response = client.get(f"/credentials/{recipient_id}", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == ("application/json" if json else "text/html; charset=utf-8"), accept


def test_an_unknown_credential_is_a_404_page_or_json(client: TestClient, tenants: Tenants) -> None:
    for recipient_id, echoed in (
        ("rec_1779175802952_zlymqs", "rec_1779175802952_zlymqs"), ("nope", "nope"), ("x" * 300, "x" * 63 + "…"), ("%00", "\\x00"),
    ):
        response = client.get(f"/credentials/{recipient_id}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert read_page(response.text).lines == [
            "Credential not found",
            "Credential not found",
            "There is no credential at this address. Check that the link was copied completely.",
        ]
        response = client.get(f"/credentials/{recipient_id}", headers={"Accept": "application/json"})
        assert response.status_code == 404
        assert response.json() == error("NOT_FOUND", f"Credential {echoed} not found.")
        assert (response.headers["vary"], response.headers["referrer-policy"]) == ("Accept", "no-referrer")


def test_a_batch_id_is_not_a_credential(client: TestClient, tenants: Tenants, program_id: str) -> None:
    batch_id = issue_one(client, tenants.a_test, program_id, "Ada")["batchId"]
    assert client.get(f"/credentials/{batch_id}").status_code == 404


def test_no_key_is_needed_and_a_key_changes_nothing(client: TestClient, tenants: Tenants, program_id: str) -> None:
    recipient_id = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]["recipientId"]
    anonymous = client.get(f"/credentials/{recipient_id}")
    for headers in (tenants.b_live.bearer, {"Authorization": "Bearer garbage"}):
        assert client.get(f"/credentials/{recipient_id}", headers=headers).text == anonymous.text


def test_the_credential_outlives_its_programme(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.b_test
    retired = make_program(store, me, "Retired Programme")
    deleted = make_program(store, me, "Deleted Programme")
    on_retired = issue_one(client, me, retired, "Ada")["recipients"][0]["recipientId"]
    on_deleted = issue_one(client, me, deleted, "Alan")["recipients"][0]["recipientId"]
    retire(store, me, retired)
    delete(store, me, deleted)
    with store.write() as conn:
        orgs.set_state(conn, me.org, "suspended")
    for recipient_id, program in ((on_retired, "Retired Programme"), (on_deleted, "Deleted Programme")):
        response = client.get(f"/credentials/{recipient_id}", headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert response.json()["data"]["programName"] == program


def test_the_page_is_one_query(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    recipient_id = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]["recipientId"]
    for accept in ("text/html", "application/json"):
        with count_queries(store) as statements:
            assert client.get(f"/credentials/{recipient_id}", headers={"Accept": accept}).status_code == 200
        # Besides counting the visit against the client's address in a write of its own (an
        # upsert; the first visit of a window also forgets older windows; on PostgreSQL a
        # SET LOCAL: tests/hardening/test_credential_links.py).
        counting = [s for s in statements if "address_rate_limit_windows" in s or s.startswith("SET LOCAL")]
        assert len(statements) - len(counting) == 1


def test_an_unreachable_database_is_a_503_page_or_json(
    client: TestClient, tenants: Tenants, program_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipient_id = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]["recipientId"]

    def unreachable(*_args: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(credentials_service, "find_credential", unreachable)
    response = client.get(f"/credentials/{recipient_id}")
    assert response.status_code == 503
    assert read_page(response.text).lines == [
        "Temporarily unavailable",
        "Temporarily unavailable",
        "The service is temporarily unavailable; try again shortly.",
    ]
    response = client.get(f"/credentials/{recipient_id}", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json() == error("SERVICE_UNAVAILABLE", "The service is temporarily unavailable; try again shortly.")


def test_other_methods_are_refused_as_a_page_or_in_records_json(client: TestClient, tenants: Tenants, program_id: str) -> None:
    recipient_id = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]["recipientId"]
    page = client.delete(f"/credentials/{recipient_id}")
    assert (page.status_code, page.headers["content-type"], page.headers["allow"]) == (405, "text/html; charset=utf-8", "GET")
    assert read_page(page.text).lines[0] == "Something went wrong"
    as_json = client.post(f"/credentials/{recipient_id}", headers={"Accept": "application/json"})
    assert (as_json.status_code, as_json.json()) == (405, error("METHOD_NOT_ALLOWED", "Method Not Allowed."))
    assert client.get(f"/credentials/{recipient_id}").status_code == 200


def test_head_answers_like_get_without_the_body(client: TestClient, tenants: Tenants, program_id: str) -> None:
    recipient_id = issue_one(client, tenants.a_test, program_id, "Ada")["recipients"][0]["recipientId"]
    head = client.head(f"/credentials/{recipient_id}")
    assert (head.status_code, head.headers["content-type"], head.content) == (200, "text/html; charset=utf-8", b"")


@pytest.mark.parametrize("path", ["/credentials", "/credentials/rec_1/more", "/credentials/a/b/c"])
def test_other_paths_under_credentials_are_the_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert read_page(response.text).lines[2] == "There is no credential at this address. Check that the link was copied completely."
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert (as_json.status_code, as_json.json()["code"]) == (404, "NOT_FOUND")
