"""The public catalog: the pages behind every listing_url of a catalog without a site of its
own. No key; live mode only (test mode behind the preview flag); a constant number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.core.listings.models import listings
from programhub.settings import Settings
from programhub.site import catalog as catalog_pages
from programhub.store import Store
from tests.site.support import create, default_catalog_id, read_page
from tests.support import Tenants, count_queries


def reads(queries: list[str]) -> int:
    """The page's own queries: without the per-address count (its statement, one more that
    forgets old windows when a window starts, and on PostgreSQL its SET LOCAL)."""
    return len([q for q in queries if "address_rate_limit_windows" not in q and not q.startswith("SET LOCAL")])


HOSTILE = '<script>alert("x")</script> & Co'


def _seed(client: TestClient, tenants: Tenants) -> dict[str, Any]:
    """Organisation A's live catalog: a program requiring a course and a sub-program, plus
    things the public must not see; look-alikes in B and in A's test mode."""
    key = tenants.a_live
    course = create(client, key, "course", title="Intro to Python", path="python", credits=3, tag_names=["Code"])
    lab = create(client, key, "course", title="Lab Work", path="lab", credits=2, enrollment_cap=10)
    sub = create(client, key, "program", title="Foundations", path="foundations", requirement_ids=[lab["id"]])
    program = create(
        client, key, "program", title="Data Science", path="data-science", description="Learn data.",
        teaser="Numbers, carefully.", enrollment_fee="49.99", enrollment_cap=20, tag_names=["Data", "Code"],
        requirement_ids=[course["id"], sub["id"]], start_date="2031-09-01",
    )  # fmt: skip
    hidden = create(client, key, "program", title="Hidden Unlisted", path="hidden", visibility="unlisted")
    archived = create(client, key, "program", title="Archived One", path="archived")
    assert client.post(
        "/api/v1/programs/archived",
        json={"product_action": "archive", "product_ids": [archived["id"]]},
        headers=key.token,
    ).status_code in (200, 204)
    for other in (tenants.b_live, tenants.a_test):
        create(client, other, "program", title="Data Science", path="data-science", tag_names=["Data"])
    return {"course": course, "lab": lab, "sub": sub, "program": program, "hidden": hidden, "archived": archived,
            "catalog": default_catalog_id(client, key)}  # fmt: skip


def test_every_listing_url_of_the_api_opens_its_page(client: TestClient, tenants: Tenants) -> None:
    seeded = _seed(client, tenants)
    for name in ("course", "lab", "sub", "program", "hidden"):
        url = seeded[name]["listing_url"]
        assert url.startswith(f"http://programhub.test/catalogs/{seeded['catalog']}/")
        response = client.get(url.removeprefix("http://programhub.test"))
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert f"<h1>{seeded[name]['title']}</h1>" in response.text


def test_the_catalog_home_lists_what_is_listed_and_live(client: TestClient, tenants: Tenants) -> None:
    seeded = _seed(client, tenants)
    response = client.get(f"/catalogs/{seeded['catalog']}")
    assert response.status_code == 200
    page = read_page(response.text)
    assert "<title>Organisation A</title>" in response.text
    titles = [line for line in page.lines if line in ("Data Science", "Foundations", "Intro to Python", "Lab Work",
                                                       "Hidden Unlisted", "Archived One")]  # fmt: skip
    assert titles == ["Data Science", "Foundations", "Intro to Python", "Lab Work"]
    assert "4 listings" in page.lines
    base = f"/catalogs/{seeded['catalog']}"
    assert page.links["Data Science"] == f"{base}/programs/data-science"
    assert page.links["Intro to Python"] == f"{base}/courses/python"
    assert page.links["Code"] == f"{base}?tag=Code"
    assert "robots" not in page.meta  # a live catalog may be indexed


def test_search_by_text_tag_kind_and_open_for_enrollment(client: TestClient, store: Store, tenants: Tenants) -> None:
    seeded = _seed(client, tenants)
    base = f"/catalogs/{seeded['catalog']}"

    def titles(query: str) -> list[str]:
        response = client.get(f"{base}?{query}")
        assert response.status_code == 200, response.text
        page = read_page(response.text)
        return [line for line in page.lines if line in ("Data Science", "Foundations", "Intro to Python", "Lab Work")]

    assert titles("q=DATA") == ["Data Science"]
    assert titles("q=learn") == ["Data Science"]  # the description
    assert titles("tag=code") == ["Data Science", "Intro to Python"]
    assert titles("tag=cod") == []  # a tag is matched whole
    assert titles("kind=course") == ["Intro to Python", "Lab Work"]
    assert titles("kind=program&tag=Code") == ["Data Science"]
    with store.write() as conn:
        conn.execute(sa.update(listings).where(listings.c.id == seeded["lab"]["id"]).values(enrollment_count=10))
    assert titles("open=1") == ["Data Science", "Foundations", "Intro to Python"]
    assert titles("q=%25") == []  # wildcards are literal
    assert titles("q=&tag=&kind=&open=") == ["Data Science", "Foundations", "Intro to Python", "Lab Work"]


def test_pages_of_twenty_with_links_and_constant_queries(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_live
    catalog_id = default_catalog_id(client, key)
    for number in range(45):
        create(client, key, "course", title=f"Course {number:02d}", path=f"c{number}")
    first = read_page(client.get(f"/catalogs/{catalog_id}?kind=course").text)
    assert "45 listings · page 1 of 3" in first.lines
    assert [line for line in first.lines if line.startswith("Course ")] == [f"Course {n:02d}" for n in range(20)]
    assert first.links["Next page"] == f"/catalogs/{catalog_id}?kind=course&page=2"
    assert "Previous page" not in first.links
    last = read_page(client.get(f"/catalogs/{catalog_id}?kind=course&page=3").text)
    assert [line for line in last.lines if line.startswith("Course ")] == [f"Course {n:02d}" for n in range(40, 45)]
    assert last.links["Previous page"] == f"/catalogs/{catalog_id}?kind=course&page=2"
    counts = []
    for query in ("kind=course&page=2", "q=course", "q=course&open=1", "q=course"):
        with count_queries(store) as queries:
            assert client.get(f"/catalogs/{catalog_id}?{query}").status_code == 200
        counts.append(reads(queries))
    # The catalog (with its data version), the count, the page's ids, their trees, the
    # waitlists' lengths; a page
    # shown again while nothing changed comes from the page cache after the first query.
    assert counts == [5, 5, 5, 1]
    create(client, key, "course", title="Course 45", path="c45")  # a write: the version moves on
    with count_queries(store) as queries:
        shown = client.get(f"/catalogs/{catalog_id}?q=course")
    assert reads(queries) == 5 and "46 listings · page 1 of 3" in read_page(shown.text).lines


def test_a_program_page_shows_its_facts_and_whole_tree(client: TestClient, store: Store, tenants: Tenants) -> None:
    seeded = _seed(client, tenants)
    with store.write() as conn:
        conn.execute(sa.update(listings).where(listings.c.id == seeded["program"]["id"]).values(enrollment_count=7))
    base = f"/catalogs/{seeded['catalog']}"
    with count_queries(store) as queries:
        response = client.get(f"{base}/programs/data-science")
    assert response.status_code == 200
    page = read_page(response.text)
    start = page.lines.index("program")
    assert page.lines[start:] == [
        "program", "Data Science", "Numbers, carefully.", "Learn data.",
        "Enrollment", "Open for enrollment; 13 seats left",
        "Fee", "USD 49.99",
        "Credits", "5 credits",
        "Starts", "1 September 2031",
        "Tags", "Data", "Code",
        "Requirements", "Taken in this order.",
        "course", "Intro to Python", "· 3 credits ·", "Open for enrollment",
        "program", "Foundations", "· 2 credits ·", "Open for enrollment",
        "course", "Lab Work", "· 2 credits ·", "Open for enrollment; 10 seats left",
        "Enroll",
        "Organisation A · catalog " + str(seeded["catalog"]),
    ]  # fmt: skip
    assert page.links["Lab Work"] == f"{base}/courses/lab"
    assert page.meta["og:title"] == "Data Science"
    assert page.meta["og:url"] == f"http://programhub.test{base}/programs/data-science"
    deep = reads(queries)
    assert deep == 3  # the catalog with the listing's id, the whole tree, the waitlists' lengths
    with count_queries(store) as queries:
        assert client.get(f"{base}/courses/python").status_code == 200
    assert reads(queries) == deep  # a course or a program with a tree: the same number of queries


def test_full_with_a_waitlist_and_full_without(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_live
    catalog_id = default_catalog_id(client, key)
    create(client, key, "course", title="Waits", path="waits", enrollment_cap=2, waitlist=True, waitlist_cap=5)
    create(client, key, "course", title="Shut", path="shut", enrollment_cap=2)
    create(client, key, "course", title="Later", path="later", enrollment_open_from="2040-01-01")
    create(client, key, "course", title="Closed", path="closed", enrollment_open=False)
    with store.write() as conn:
        conn.execute(sa.update(listings).where(listings.c.enrollment_cap == 2).values(enrollment_count=2))

    def state(path: str) -> str:
        lines = read_page(client.get(f"/catalogs/{catalog_id}/courses/{path}").text).lines
        return lines[lines.index("Enrollment") + 1]

    assert state("waits") == "Full: join the waitlist; 0 waiting of at most 5"
    assert state("shut") == "Full"
    assert state("later") == "Enrollment not open yet; opens 1 January 2040"
    assert state("closed") == "Enrollment closed"


def test_not_public_is_not_found(client: TestClient, tenants: Tenants) -> None:
    seeded = _seed(client, tenants)
    base = f"/catalogs/{seeded['catalog']}"
    test_catalog = default_catalog_id(client, tenants.a_test)
    for path in (f"{base}/programs/archived", f"{base}/programs/python", f"{base}/courses/data-science",
                 f"/catalogs/{test_catalog}", f"/catalogs/{test_catalog}/programs/data-science", "/catalogs/999999",
                 f"{base}/programs/nothing", f"{base}/more/things"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert read_page(response.text).lines[:1] == ["Page not found"]


def test_the_preview_flag_shows_test_mode_catalogs(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"catalog_preview_test": True}), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        create(client, tenants.a_test, "program", title="Tried Out", path="tried")
        catalog_id = default_catalog_id(client, tenants.a_test)
        response = client.get(f"/catalogs/{catalog_id}/programs/tried")
        assert response.status_code == 200
        page = read_page(response.text)
        assert "Preview of a test-mode catalog: this listing is not published." in page.lines
        assert page.meta["robots"] == "noindex"


def test_every_value_is_escaped_and_headers_are_set(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_live
    created = create(client, key, "program", title=f"P {HOSTILE}", path="p", description=HOSTILE, tag_names=[HOSTILE])
    catalog_id = created["catalog"]["id"]
    for path in (
        f"/catalogs/{catalog_id}",
        f"/catalogs/{catalog_id}/programs/p",
        f"/catalogs/{catalog_id}?q={HOSTILE}",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert "<script>" not in response.text and "&lt;script&gt;" in response.text
        headers = response.headers
        assert "script-src" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert (headers["x-content-type-options"], headers["x-frame-options"], headers["referrer-policy"]) == (
            "nosniff", "DENY", "no-referrer")  # fmt: skip
    stylesheet = client.get("/assets/site.css")
    assert stylesheet.status_code == 200 and stylesheet.headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/catalogs/1%00", "/catalogs/99999999999999999999", "/catalogs/-1", "/catalogs/abc", "/catalogs/1/programs/%00",
        "/catalogs/1/programs/" + "a" * 5000, "/catalogs/1?page=0", "/catalogs/1?page=x", "/catalogs/1?page=99999999999",
        "/catalogs/1?q=%00", "/catalogs/1?q=" + "x" * 300, "/catalogs/1?tag=%01", "/catalogs/1?kind=%00&open=%00",
        "/catalogs/1/programs/%F0%9F%92%A9", "/catalogs/1/courses/..%2F..", "/assets/nothing",
    ],
)  # fmt: skip
def test_hostile_input_is_a_page_never_a_500(client: TestClient, tenants: Tenants, path: str) -> None:
    create(client, tenants.a_live, "program", title="P", path="p")
    response = client.get(path)
    assert response.status_code in (200, 404, 422), (path, response.status_code)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert re.search(r"<h1>[^<]+</h1>", response.text)


def test_each_address_may_open_so_many_pages_a_minute(settings: Settings, store: Store, tenants: Tenants,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    app: FastAPI = create_app(settings.model_copy(update={"catalog_page_rate_limit": 3}), store=store)
    monkeypatch.setattr(catalog_pages, "clock", lambda: 1_000_040.0)
    with TestClient(app, raise_server_exceptions=False) as client:
        catalog_id = default_catalog_id(client, tenants.a_live)
        assert [client.get(f"/catalogs/{catalog_id}").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(f"/catalogs/{catalog_id}/programs/anything")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "40"
        assert "at most 3 a minute" in refused.text
        monkeypatch.setattr(catalog_pages, "clock", lambda: 1_000_080.0)
        assert client.get(f"/catalogs/{catalog_id}").status_code == 200


def test_a_page_missed_by_many_at_once_is_rendered_once(client: TestClient, store: Store, tenants: Tenants) -> None:
    """Under load, every request that misses an expired page at the same moment would render
    it again: they share the one rendering under way (web/flights.py)."""
    import asyncio

    import httpx2

    seeded = _seed(client, tenants)
    path = f"/catalogs/{seeded['catalog']}/programs/data-science"

    async def at_once(count: int) -> list[str]:
        transport = httpx2.ASGITransport(app=client.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://programhub.test") as http:
            responses = await asyncio.gather(*(http.get(path) for _ in range(count)))
        return [response.text for response in responses]

    with count_queries(store) as queries:
        pages = asyncio.run(at_once(12))
    assert len(set(pages)) == 1 and "Data Science" in pages[0]
    trees = [q for q in queries if "WITH RECURSIVE" in q.upper()]
    assert len(trees) == 1  # twelve requests, one rendering
