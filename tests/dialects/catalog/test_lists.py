"""GET /programs and /courses: filters, order, and pages told in the Link header."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.clock import utcnow
from programhub.core.listings.models import listings
from programhub.store import Store
from tests.dialects.catalog.support import API, create, error, get
from tests.support import Tenants

BASE = "http://testserver/api/v1"


def _titles(client: TestClient, key, query: str, kind: str = "programs") -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/{kind}{query}", headers=key.token)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()[kind]]


def test_lists_are_ordered_by_list_order_then_id_with_whole_trees(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="C", credits=3)
    create(client, key, "program", title="No order 1")
    create(client, key, "program", title="Ordered 5", list_order=5)
    create(client, key, "program", title="No order 2", requirement_ids=[course["id"]])
    create(client, key, "program", title="Ordered -1", list_order=-1)
    create(client, key, "program", title="Ordered 5 again", list_order="5")
    response = client.get(f"{API}/programs", headers=key.token)
    assert [p["title"] for p in response.json()["programs"]] == [
        "Ordered -1", "Ordered 5", "Ordered 5 again", "No order 1", "No order 2"]
    assert response.json()["programs"][4]["requirements"] == [course]
    assert "link" not in response.headers
    assert _titles(client, key, "", "courses") == ["C"]


def test_pages_run_through_ordered_then_unordered_listings(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    for title, order in (("U1", None), ("O3", 3), ("U2", None), ("O1", 1), ("U3", None), ("O2", 2), ("U4", None)):
        create(client, key, "program", title=title, list_order=order)
    pages = [_titles(client, key, f"?per_page=2&page={n}") for n in range(1, 6)]
    assert pages == [["O1", "O2"], ["O3", "U1"], ["U2", "U3"], ["U4"], []]
    assert [_titles(client, key, f"?per_page=3&page={n}") for n in (1, 2, 3)] == [["O1", "O2", "O3"], ["U1", "U2", "U3"], ["U4"]]


def test_pages_of_statements_built_once_bind_each_tenant_and_mode(client: TestClient, tenants: Tenants) -> None:
    """The unfiltered list's statements are built once and run for every tenant: each
    organisation and mode still sees its own listings alone, page after page."""
    keys = tenants.all()
    for key in keys:
        for n, order in enumerate((None, 2, None, 1)):
            create(client, key, "program", title=f"{key.org}-{key.tenant.mode.value}-{n}", list_order=order)
    for _round in range(2):
        for key in keys:
            name = f"{key.org}-{key.tenant.mode.value}"
            pages = [_titles(client, key, f"?per_page=3&page={n}") for n in (1, 2)]
            assert pages == [[f"{name}-3", f"{name}-1", f"{name}-0"], [f"{name}-2"]]
            assert _titles(client, key, "?archived=true") == []


def test_description_and_listing_path_match_exactly(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    create(client, key, "program", title="A", description="Intro", path="intro")
    create(client, key, "program", title="B", description="Intro to more", path="intro-2")
    assert _titles(client, key, "?description=Intro") == ["A"]
    assert _titles(client, key, "?description=intro") == []
    assert _titles(client, key, "?listing_path=intro-2") == ["B"]
    assert _titles(client, key, "?listing_path=intro&description=Intro") == ["A"]


def test_query_searches_title_description_and_tags_ignoring_case(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    create(client, key, "program", title="Straße Design", description="Streets")
    create(client, key, "program", title="Chemistry", description="Molecules and ÜBER reactions")
    create(client, key, "program", title="Art", tag_names=["Evening", "100%_online"])
    assert _titles(client, key, "?query=STRASSE") == ["Straße Design"]
    assert _titles(client, key, "?query=über") == ["Chemistry"]
    assert _titles(client, key, "?query=evening") == ["Art"]
    assert _titles(client, key, "?query=%25_") == ["Art"]  # % and _ are literal
    assert _titles(client, key, "?query=a_t") == []  # "_" is not a wildcard for "Art"
    assert _titles(client, key, "?query=") == ["Straße Design", "Chemistry", "Art"]


def test_is_enrollable_means_open_now_inside_the_window_and_not_full(
    client: TestClient, tenants: Tenants, store: Store
) -> None:
    key = tenants.a_test
    now = utcnow()
    day = timedelta(days=1)
    create(client, key, "course", title="Open")
    create(client, key, "course", title="Closed", enrollment_open=False)
    create(client, key, "course", title="Window now", enrollment_open_from=(now - day).isoformat(), enrollment_open_to=(now + day).isoformat())
    create(client, key, "course", title="Window later", enrollment_open_from=(now + day).isoformat())
    create(client, key, "course", title="Window over", enrollment_open_to=(now - day).isoformat())
    full = create(client, key, "course", title="Full", enrollment_cap=2)
    room = create(client, key, "course", title="Room", enrollment_cap=3)
    with store.write() as conn:
        conn.execute(sa.update(listings).where(listings.c.id.in_([full["id"], room["id"]])).values(enrollment_count=2))
    assert _titles(client, key, "?is_enrollable=true", "courses") == ["Open", "Window now", "Room"]
    assert _titles(client, key, "?is_enrollable=false", "courses") == ["Closed", "Window later", "Window over", "Full"]
    assert len(_titles(client, key, "", "courses")) == 7


def test_archived_listings_leave_the_list_and_have_their_own(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    kept = create(client, key, "program", title="Kept")
    gone = create(client, key, "program", title="Archived")
    client.post(f"{API}/programs/archived", json={"product_action": "archive", "product_ids": [gone["id"]]}, headers=key.token)
    assert _titles(client, key, "") == ["Kept"]
    assert _titles(client, key, "?archived=true") == ["Archived"]
    assert _titles(client, key, "?archived=false") == ["Kept"]
    assert get(client, key, "program", gone["id"])["title"] == "Archived"
    assert kept["id"] < gone["id"]


def _links(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response.headers.get("link")
    if header is None:
        return {}
    found = {}
    for part in header.split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


def test_pages_and_their_link_headers(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    for n in range(5):
        create(client, key, "course", title=f"C{n}", tag_names=["paged"])
    first = client.get(f"{API}/courses?query=paged&per_page=2", headers=key.token)
    assert [c["title"] for c in first.json()["courses"]] == ["C0", "C1"]
    assert first.headers["link"] == (
        f'<{BASE}/courses?query=paged&per_page=2&page=2>; rel="next", <{BASE}/courses?query=paged&per_page=2&page=3>; rel="last"'
    )
    middle = client.get(f"{API}/courses?page=2&query=paged&per_page=2", headers=key.token)
    assert [c["title"] for c in middle.json()["courses"]] == ["C2", "C3"]
    assert _links(middle) == {
        "next": f"{BASE}/courses?page=3&query=paged&per_page=2",
        "last": f"{BASE}/courses?page=3&query=paged&per_page=2",
        "first": f"{BASE}/courses?page=1&query=paged&per_page=2",
        "prev": f"{BASE}/courses?page=1&query=paged&per_page=2",
    }
    last = client.get(f"{API}/courses?per_page=2&page=3", headers=key.token)
    assert [c["title"] for c in last.json()["courses"]] == ["C4"]
    assert last.headers["link"] == f'<{BASE}/courses?per_page=2&page=1>; rel="first", <{BASE}/courses?per_page=2&page=2>; rel="prev"'
    past = client.get(f"{API}/courses?per_page=2&page=9", headers=key.token)
    assert past.json() == {"courses": []}
    assert _links(past) == {"first": f"{BASE}/courses?per_page=2&page=1", "prev": f"{BASE}/courses?per_page=2&page=8"}
    single = client.get(f"{API}/courses?per_page=5", headers=key.token)
    assert len(single.json()["courses"]) == 5 and "link" not in single.headers


def test_link_urls_keep_each_parameter_the_route_reads_once(client: TestClient, tenants: Tenants) -> None:
    """Repeated and unknown parameters are not echoed: 4,000 repeats of `per_page=1` made a
    256 KB Link header (four links of the whole query), which Python's http.client refuses
    to read. Found by tests/hardening/test_hostile_input.py."""
    key = tenants.a_test
    for n in range(3):
        create(client, key, "course", title=f"C{n}", tag_names=["paged"])
    response = client.get(f"{API}/courses?" + "per_page=1&" * 4000 + "junk=x&query=paged&per_page=2&page=1", headers=key.token)
    assert [c["title"] for c in response.json()["courses"]] == ["C0", "C1"]
    assert _links(response) == {"next": f"{BASE}/courses?per_page=2&query=paged&page=2",
                                "last": f"{BASE}/courses?per_page=2&query=paged&page=2"}


def test_per_page_defaults_to_20_and_is_capped_at_100(client: TestClient, tenants: Tenants, store: Store) -> None:
    key = tenants.a_test
    with store.write() as conn:
        from programhub.core.listings import service

        for n in range(101):
            service.create(conn, key.tenant, "course", {"name": f"C{n:03d}"})
    default = client.get(f"{API}/courses", headers=key.token)
    assert len(default.json()["courses"]) == 20
    assert _links(default)["last"] == f"{BASE}/courses?page=6"
    capped = client.get(f"{API}/courses?per_page=1000", headers=key.token)
    assert len(capped.json()["courses"]) == 100
    assert _links(capped) == {"next": f"{BASE}/courses?per_page=1000&page=2", "last": f"{BASE}/courses?per_page=1000&page=2"}
    assert [c["title"] for c in client.get(f"{API}/courses?per_page=1000&page=2", headers=key.token).json()["courses"]] == ["C100"]


@pytest.mark.parametrize(
    ("query", "message", "field"),
    [
        ("page=0", "page: Input should be greater than or equal to 1", "page"),
        ("page=two", "page: Input should be a valid integer, unable to parse string as an integer", "page"),
        ("page=", "page: Input should be a valid integer, unable to parse string as an integer", "page"),
        ("page=99999999999", "page: Input should be less than or equal to 2147483647", "page"),
        ("per_page=0", "per_page: Input should be greater than or equal to 1", "per_page"),
        ("per_page=-5", "per_page: Input should be greater than or equal to 1", "per_page"),
        ("is_enrollable=perhaps", "is_enrollable: Input should be a valid boolean, unable to interpret input", "is_enrollable"),
        ("archived=2", "archived: Input should be a valid boolean, unable to interpret input", "archived"),
        ("query=a%00b", "query must not contain NUL characters", "query"),
        ("description=%00", "description must not contain NUL characters", "description"),
    ],
)
def test_bad_list_parameters_are_422(client: TestClient, tenants: Tenants, query: str, message: str, field: str) -> None:
    response = client.get(f"{API}/programs?{query}", headers=tenants.a_test.token)
    assert (response.status_code, response.json()) == (422, error(message, field))


def test_a_page_is_read_from_one_snapshot_though_a_write_lands_between_its_statements(
    client: TestClient, tenants: Tenants, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list page reads its counts, its ids, then its trees, in separate statements. A
    listing deleted by another transaction between the ids and the trees is still on the
    page, whole, as of the moment the page began (on PostgreSQL, whose transactions see
    each statement's own snapshot by default, the page lost a root it had counted)."""
    from programhub.dialects.catalog import queries

    key = tenants.a_test
    first = create(client, key, "program", title="First")
    create(client, key, "program", title="Second")
    expected = client.get(f"{API}/programs?per_page=10", headers=key.token).json()  # not this page's cache key
    real_load = queries.tree.load

    def deleted_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        with store.write() as conn:
            conn.execute(sa.update(listings).where(listings.c.id == first["id"]).values(deleted_at=utcnow()))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(queries.tree, "load", deleted_meanwhile)
    response = client.get(f"{API}/programs", headers=key.token)
    assert response.status_code == 200, response.text
    assert response.json() == expected
    monkeypatch.setattr(queries.tree, "load", real_load)
    assert _titles(client, key, "") == ["Second"]


def test_link_urls_keep_braces_of_the_request_as_they_came(client: TestClient, tenants: Tenants) -> None:
    """The links are made from one template of the request's URL (`{page}` in it); braces
    the request brought stay text, not template fields."""
    key = tenants.a_test
    for n in range(3):
        create(client, key, "course", title=f"C{n}", tag_names=["{page}"])
    response = client.get(f"{API}/courses?query=%7Bpage%7D&per_page=2", headers=key.token)
    assert [c["title"] for c in response.json()["courses"]] == ["C0", "C1"]
    assert _links(response) == {
        "next": f"{BASE}/courses?query=%7Bpage%7D&per_page=2&page=2",
        "last": f"{BASE}/courses?query=%7Bpage%7D&per_page=2&page=2",
    }

