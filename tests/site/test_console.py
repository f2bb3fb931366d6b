"""The operator console over plain HTTP: signing in (cookie flags, never a key in a URL),
CSRF refusals, every action through the core services (seen by the APIs and the public
pages), isolation between organisations and modes, constant queries, hostile input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.core.nominations.models import nominations
from programhub.settings import Settings
from programhub.store import Store
from tests.dialects.record.support import BASE, issue_body, make_program
from tests.site.console_support import post, program_with_nomination, sign_in, token
from tests.site.support import create, read_page
from tests.support import Tenants, count_queries


def _status(store: Store, nomination_id: int) -> str:
    with store.read() as conn:
        return str(conn.execute(sa.select(nominations.c.status).where(nominations.c.id == nomination_id)).scalar_one())


def test_sign_in_keeps_the_key_in_a_strict_http_only_cookie(client: TestClient, tenants: Tenants) -> None:
    assert client.get("/console/programs", follow_redirects=False).headers["location"] == "/console/sign-in"
    form = client.get("/console/sign-in")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    csrf_cookie = form.headers["set-cookie"]
    assert "programhub_console_csrf=" in csrf_cookie
    assert all(flag in csrf_cookie for flag in ("HttpOnly", "SameSite=strict", "Path=/console"))
    response = sign_in(client, tenants.a_live)
    assert response.status_code == 303 and response.headers["location"] == "/console/programs"
    assert tenants.a_live.key not in response.headers["location"]
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("programhub_console="))
    assert tenants.a_live.key in session
    assert all(flag in session for flag in ("HttpOnly", "SameSite=strict", "Path=/console"))
    assert "Secure" not in session and "expires" not in session.lower()  # plain http here; ends with the browser
    page = client.get("/console/programs")
    assert page.status_code == 200 and tenants.a_live.key not in page.text
    assert "Organisation A" in read_page(page.text).lines[0]


def test_the_cookies_are_secure_when_served_over_https(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"public_url": "https://programhub.test"}), store=store)
    with TestClient(app, base_url="https://programhub.test") as client:
        assert "Secure" in client.get("/console/sign-in").headers["set-cookie"]
        cookies = sign_in(client, tenants.a_live).headers.get_list("set-cookie")
        assert all("Secure" in cookie for cookie in cookies)


def test_a_wrong_key_is_refused_on_the_page(client: TestClient, tenants: Tenants) -> None:
    for key in ("sk_live_" + "x" * 40, "nonsense", ""):
        response = sign_in(client, key)
        assert response.status_code == 401
        assert "The API key" in response.text and "programhub_console=" not in response.headers.get("set-cookie", "")


def test_every_form_needs_its_token_and_this_origin(client: TestClient, store: Store, tenants: Tenants) -> None:
    _program, nomination = program_with_nomination(store, tenants.a_live, "Nominated")
    sign_in(client, tenants.a_live)
    path = f"/console/nominations/{nomination}/approve"
    good = token(client)
    refusals = [
        client.post(path, data={"x": "1"}, follow_redirects=False),
        client.post(path, data={"csrf": "0" * 64}, follow_redirects=False),
        client.post(path, data={"csrf": good}, headers={"Origin": "https://evil.example"}, follow_redirects=False),
        client.post(path, data={"csrf": good}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False),
        client.post(path, json={"csrf": good}, follow_redirects=False),
    ]
    assert [r.status_code for r in refusals] == [403, 403, 403, 403, 415]
    assert "did not come from this console" in refusals[0].text
    assert _status(store, nomination) == "Pending"
    # A token of another session (another browser signed in with the same key) is refused too.
    with TestClient(client.app) as other:
        sign_in(other, tenants.a_live)
        theirs = token(other)
    assert theirs != good
    assert client.post(path, data={"csrf": theirs}, follow_redirects=False).status_code == 403
    done = client.post(path, data={"csrf": good}, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert done.status_code == 303 and _status(store, nomination) == "Approved"


def test_programs_as_each_face_shows_them(client: TestClient, store: Store, tenants: Tenants) -> None:
    create(client, tenants.a_live, "program", title="Data <b>Science</b>", path="data-science")
    create(client, tenants.b_live, "program", title="Other Org Program", path="data-science")
    create(client, tenants.a_test, "program", title="Test Mode Program", path="data-science")
    sign_in(client, tenants.a_live)
    response = client.get("/console/programs")
    assert response.status_code == 200
    text = response.text
    assert "Data &lt;b&gt;Science&lt;/b&gt;" in text and "<b>Science" not in text
    for face in ("Canvas Catalog", "Record", "Sunbird", "WebAdMIT"):
        assert f"<h3>{face} " in text
    assert "&#34;title&#34;: &#34;Data &lt;b&gt;Science&lt;/b&gt;&#34;" in text  # Catalog's
    assert "&#34;programId&#34;: &#34;prog_" in text  # Record's
    assert "&#34;program_id&#34;: &#34;" in text  # Sunbird's
    assert "Other Org Program" not in text and "Test Mode Program" not in text


def test_the_programs_page_is_kept_until_a_write_and_per_session(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    """Shown again, the page costs the key lookup only; any write of the tenant, through any
    API, shows at once; another session gets its own page (its form token is on it)."""
    create(client, tenants.a_live, "program", title="First Program", path="first")
    sign_in(client, tenants.a_live)
    first = client.get("/console/programs").text
    with count_queries(store) as queries:
        assert client.get("/console/programs").text == first
    assert len([q for q in queries if "api_keys" not in q and not q.startswith("SET LOCAL")]) == 0
    create(client, tenants.a_live, "program", title="Second Program", path="second")
    assert "Second Program" in client.get("/console/programs").text
    with TestClient(client.app, base_url=str(client.base_url)) as other:  # the same app, so the same cache
        sign_in(other, tenants.a_live)
        assert token(other) != token(client)


def test_pages_cost_the_same_queries_whatever_their_size(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_live
    sign_in(client, key)
    counts = []
    for batch in (1, 30):
        program, _nomination = program_with_nomination(store, key, f"Top {batch}")
        below = [create(client, key, "course", title=f"C{batch}-{n}", path=f"c{batch}-{n}")["id"] for n in range(batch)]
        client.put(f"/api/v1/programs/{program}", json={"program": {"requirement_ids": below}}, headers=key.token)
        for n in range(batch):
            program_with_nomination(store, key, f"More {batch}-{n}")
        with count_queries(store) as queries:
            for path in ("/console/programs", f"/console/programs/{program}", "/console/nominations",
                         "/console/credentials", "/console/keys"):  # fmt: skip
                assert client.get(path).status_code == 200, path
        counts.append(len([q for q in queries if not q.startswith("UPDATE api_keys")]))
    assert counts[0] == counts[1]


def test_approve_and_reject_nominations_seen_by_sunbird(client: TestClient, store: Store, tenants: Tenants) -> None:
    program, first = program_with_nomination(store, tenants.a_live, "Nominated", "u1")
    with store.write() as conn:
        from programhub.core.nominations import service as nominations_service

        second = nominations_service.add(conn, tenants.a_live.tenant, program, {"status": "Pending", "user_id": "u2"})
    sign_in(client, tenants.a_live)
    page = read_page(client.get(f"/console/programs/{program}").text)
    assert "user u1" in page.lines and "user u2" in page.lines
    approved = post(client, f"/console/nominations/{first}/approve", {"back": f"/console/programs/{program}"})
    assert approved.status_code == 303 and approved.headers["location"] == f"/console/programs/{program}?note=approved"
    rejected = post(client, f"/console/nominations/{second}/reject", {"back": "https://evil.example"})
    assert rejected.headers["location"] == "/console/nominations?note=rejected"  # only its own pages
    assert (_status(store, first), _status(store, second)) == ("Approved", "Rejected")
    assert "The nomination was rejected." in read_page(client.get(rejected.headers["location"]).text).lines


def test_revoke_a_credential_and_the_public_page_says_so(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_live
    program_id = make_program(store, me, "Cyber Security")
    body = issue_body(program_id, [{"name": "Ada <i>L</i>", "email": "ada@example.edu"}])
    batch = client.post(f"{BASE}/credentials", json=body, headers=me.bearer).json()["data"]
    recipient = batch["recipients"][0]["recipientId"]
    assert "Verified" in read_page(client.get(f"/credentials/{recipient}").text).lines
    sign_in(client, me)
    listed = client.get("/console/credentials").text
    assert f'href="/console/credentials/{batch["batchId"]}"' in listed
    page = client.get(f"/console/credentials/{batch['batchId']}").text
    assert "Ada &lt;i&gt;L&lt;/i&gt;" in page
    done = post(client, f"/console/credentials/{batch['batchId']}/{recipient}/revoke", {"reason": "Issued in error"})
    assert done.status_code == 303
    lines = read_page(client.get(f"/credentials/{recipient}").text).lines
    assert "Revoked" in lines and any("Issued in error" in line for line in lines)
    shown = client.get(f"{BASE}/credentials/{batch['batchId']}", headers=me.bearer).json()["data"]
    assert shown["recipients"][0]["revocationReason"] == "Issued in error"


def test_keys_are_shown_once_and_revoked(client: TestClient, tenants: Tenants) -> None:
    sign_in(client, tenants.a_live)
    created = post(client, "/console/keys", {"label": "CI <deploy>"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    page = read_page(created.text)
    secret = next(line for line in page.lines if line.startswith("sk_live_"))
    assert "CI &lt;deploy&gt;" in created.text
    assert client.get("/api/v1/programs", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    keys_page = client.get("/console/keys").text
    assert secret not in keys_page and secret[:12] in keys_page  # never again in full
    key_id = keys_page.split('action="/console/keys/')[2].split("/revoke")[0]
    assert post(client, f"/console/keys/{key_id}/revoke").status_code == 303
    assert client.get("/api/v1/programs", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    other = post(client, f"/console/keys/{tenants.b_live.key_id}/revoke")
    assert other.status_code == 404
    assert client.get("/api/v1/programs", headers=tenants.b_live.bearer).status_code == 200


def test_revoking_the_session_key_ends_the_session(client: TestClient, tenants: Tenants) -> None:
    sign_in(client, tenants.a_live)
    assert post(client, f"/console/keys/{tenants.a_live.key_id}/revoke").status_code == 303
    ended = client.get("/console/programs", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"] == "/console/sign-in?note=ended"


def test_the_test_live_switch(client: TestClient, tenants: Tenants) -> None:
    create(client, tenants.a_live, "program", title="Live Program", path="lp")
    create(client, tenants.a_test, "program", title="Test Program", path="tp")
    sign_in(client, tenants.a_live)
    asked = post(client, "/console/mode", {"mode": "test"})
    assert asked.headers["location"] == "/console/sign-in?note=need-test"
    sign_in(client, tenants.a_test)  # now both keys; acting in test mode
    page = client.get("/console/programs").text
    assert "Test Program" in page and "Live Program" not in page and "Test mode:" in page
    assert post(client, "/console/mode", {"mode": "live"}).headers["location"] == "/console/programs?note=mode"
    page = client.get("/console/programs").text
    assert "Live Program" in page and "Test Program" not in page
    # Signing in with another organisation's key forgets the first one's keys.
    sign_in(client, tenants.b_test)
    assert post(client, "/console/mode", {"mode": "live"}).headers["location"] == "/console/sign-in?note=need-live"


def test_one_organisation_never_sees_or_touches_another(client: TestClient, store: Store, tenants: Tenants) -> None:
    their_program, their_nomination = program_with_nomination(store, tenants.b_live, "Their Program")
    program_id = make_program(store, tenants.b_live, "Their Credential Program")
    batch = client.post(f"{BASE}/credentials", json=issue_body(program_id, [{"name": "B", "email": "b@example.edu"}]),
                        headers=tenants.b_live.bearer).json()["data"]  # fmt: skip
    recipient = batch["recipients"][0]["recipientId"]
    sign_in(client, tenants.a_live)
    for path in ("/console/programs", "/console/nominations", "/console/credentials", "/console/keys"):
        text = client.get(path).text
        assert "Their" not in text and "Organisation B" not in text and tenants.b_live.key_id not in text, path
    for path in (f"/console/programs/{their_program}", f"/console/credentials/{batch['batchId']}"):
        assert client.get(path).status_code == 404
    assert post(client, f"/console/nominations/{their_nomination}/approve").status_code == 404
    assert post(client, f"/console/credentials/{batch['batchId']}/{recipient}/revoke").status_code == 404
    assert _status(store, their_nomination) == "Pending"
    assert "Verified" in read_page(client.get(f"/credentials/{recipient}").text).lines


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/console/programs/abc"), ("GET", "/console/programs/99999999999999"), ("GET", "/console/programs/%00"),
        ("GET", "/console/programs?page=0"), ("GET", "/console/credentials/%00x"), ("GET", "/console/nominations?page=x"),
        ("POST", "/console/nominations/1/explode"), ("POST", "/console/nominations/%00/approve"),
        ("POST", "/console/keys/%00/revoke"), ("POST", "/console/mode"), ("GET", "/console/nothing"),
        ("POST", "/console/credentials/b/r%00/revoke"), ("DELETE", "/console/programs"),
    ],
)  # fmt: skip
def test_hostile_input_is_a_page_never_a_500(client: TestClient, tenants: Tenants, method: str, path: str) -> None:
    sign_in(client, tenants.a_live)
    if method == "POST":
        response = post(client, path, {"mode": "\x00", "reason": "x" * 5000, "label": "\x00"})
    else:
        response = client.request(method, path, follow_redirects=False)
    assert response.status_code in (400, 403, 404, 405, 422), (path, response.status_code, response.text[:300])
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_hostile_form_fields_are_refused_whole(client: TestClient, store: Store, tenants: Tenants) -> None:
    sign_in(client, tenants.a_live)
    for fields in ({"label": "a\x00b"}, {"label": "x" * 5000}, {"label": "\x07"}):
        response = post(client, "/console/keys", fields)
        assert response.status_code in (400, 422), response.text
    assert client.get("/console/keys").text.count("/revoke") == 1  # only the session's own key


def test_enrollments_and_the_waitlist_drop_and_promote(client: TestClient, store: Store, tenants: Tenants) -> None:
    from tests.site.test_enroll import _enroll

    key = tenants.a_live
    course = create(client, key, "course", title="Pottery", path="pottery", enrollment_cap=1, waitlist=True)
    form = f"/catalogs/{course['catalog']['id']}/courses/pottery/enroll"
    for name in ("Ada", "Grace", "Alan"):
        assert _enroll(client, form, first_name=name, email=f"{name.lower()}@example.edu").status_code == 200
    sign_in(client, key)
    page = f"/console/programs/{course['id']}"

    def roster() -> tuple[list[str], list[str]]:
        lines = read_page(client.get(page).text).lines
        enrolled = lines[lines.index("Enrollments") : lines.index("Waitlist")]
        waiting = lines[lines.index("Waitlist") :]
        names = ("Ada", "Grace", "Alan")
        return [n for n in enrolled if n in names], [n for n in waiting if n in names]

    assert roster() == (["Ada"], ["Grace", "Alan"])
    nobody = post(client, f"{page}/promote")
    assert nobody.headers["location"] == f"{page}?note=no-one-promoted"
    seat = post(client, f"{page}/promote", {"add_seat": "1"})
    assert seat.headers["location"] == f"{page}?note=promoted"
    assert roster() == (["Ada", "Grace"], ["Alan"])
    assert client.get(f"/api/v1/courses/{course['id']}", headers=key.token).json()["course"]["enrollment_cap"] == 2
    ada = client.get(page).text.split('action="/console/enrollments/')[1].split("/drop")[0]
    dropped = post(client, f"/console/enrollments/{ada}/drop")
    assert dropped.headers["location"] == f"{page}?note=dropped"
    assert roster() == (["Grace", "Alan"], [])
    statuses = {
        a["user"]["name"]: a["status"] for a in client.get("/api/v1/applicants", headers=key.token).json()["applicants"]
    }
    assert statuses == {"Grace": "accepted", "Alan": "accepted"}
    # Another organisation's enrollment or listing is not found, and nothing changes.
    sign_in(client, tenants.b_live)
    assert post(client, f"/console/enrollments/{ada}/drop").status_code == 404
    assert post(client, f"{page}/promote").status_code == 404


def test_applicants_and_decisions_of_a_program(client: TestClient, store: Store, tenants: Tenants) -> None:
    from tests.dialects.webadmit.test_admissions import make_world

    world = make_world(client, store, tenants.a_test)
    decided = client.patch(world.applicant("3") + "/designation", json={"designation": {"decision_id": world.admit}},
                           headers=world.headers)  # fmt: skip
    assert decided.status_code == 200, decided.text
    sign_in(client, tenants.a_test)
    page = read_page(client.get(f"/console/programs/{world.potions}").text)
    start = page.lines.index("Applicants and decisions")
    assert page.lines[start + 2 : start + 9] == [
        "Applicant",
        "CAS id",
        "Email",
        "Cycle",
        "Decision",
        "Local status",
        "Changed",
    ]
    row = page.lines[start + 9 : start + 14]
    assert row[:3] == ["Harry Potter", "3", "applicant3@example.edu"] and row[4] == "Offer Accepted (admit)"
    # The admit enrolled the applicant: the same page lists the enrollment.
    enrolled = page.lines[page.lines.index("Enrollments") : page.lines.index("Waitlist")]
    assert "applicant3@example.edu" in enrolled
    charms = read_page(client.get(f"/console/programs/{world.charms}").text).lines
    assert "none yet" in charms and "applicant4@example.edu" in charms
    sign_in(client, tenants.b_test)
    assert client.get(f"/console/programs/{world.potions}").status_code == 404
