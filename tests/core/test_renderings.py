"""Render on write (core/renderings): a write stores the rows it touches in every face,
readers splice stored text, a row without a stored form is rendered on the spot, and a
stale form is found. A face of the test's own (a listing's name and status) stands in for
the dialects' faces, which their own tests cover."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.nominations import service as nominations_service
from programhub.core.renderings import service as renderings
from programhub.core.renderings.models import renderings as renderings_table
from programhub.store import Store
from tests.support import Tenants


@pytest.fixture
def face() -> Iterator[renderings.Face]:
    registered = renderings.register(
        renderings.Face(
            "test.name",
            listings,
            lambda: ("<" + listings.c.name + ">", listings.c.status),
            where=lambda: listings.c.kind == "program",
            code=4001,
        )
    )
    yield registered
    renderings._FACES.pop("test.name")
    renderings.version.cache_clear()


def _stored(store: Store) -> dict[int, tuple[str, str | None]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(renderings_table.c.source_id, renderings_table.c.body, renderings_table.c.middle).where(
                renderings_table.c.face == "test.name"
            )
        )
        return {row[0]: (row[1], row[2]) for row in rows}


def test_writes_render_exactly_the_rows_they_touch(store: Store, tenants: Tenants, face: renderings.Face) -> None:
    me = tenants.a_test.tenant
    with store.write() as conn:
        first = listings_service.create(conn, me, "program", {"name": "First"})
        second = listings_service.create(conn, me, "program", {"name": "Second"})
        course = listings_service.create(conn, me, "course", {"name": "A course"})
    assert _stored(store) == {first: ("<First>", "live"), second: ("<Second>", "live")}  # courses lack this face
    with store.write() as conn:
        listings_service.update(conn, me, first, {"name": "Renamed"})
        listings_service.set_requirements(conn, me, second, [course])
        assert listings_service.set_status(conn, me, "program", [second, 999], "retired") == [999]
    assert _stored(store) == {first: ("<Renamed>", "live"), second: ("<Second>", "retired")}
    with store.read() as conn:
        assert renderings.stale(conn) == []


def test_a_write_behind_the_services_back_is_stale_until_refreshed(
    store: Store, tenants: Tenants, face: renderings.Face
) -> None:
    me = tenants.a_test.tenant
    with store.write() as conn:
        program = listings_service.create(conn, me, "program", {"name": "P"})
        conn.execute(sa.update(listings).where(listings.c.id == program).values(name="Q"))
    with store.read() as conn:
        assert renderings.stale(conn, ["test.name"]) == [("test.name", program)]
    with store.write() as conn:
        renderings.refresh(conn, listings, [program])
    with store.read() as conn:
        assert renderings.stale(conn) == []


def test_readers_splice_stored_text_and_render_what_is_missing(
    store: Store, tenants: Tenants, face: renderings.Face
) -> None:
    me = tenants.a_test.tenant
    with store.write() as conn:
        stored = listings_service.create(conn, me, "program", {"name": "Stored"})
        missing = listings_service.create(conn, me, "program", {"name": "Missing"})
        mine = renderings_table.c.face == "test.name"
        conn.execute(sa.delete(renderings_table).where(mine, renderings_table.c.source_id == missing))
        conn.execute(sa.update(renderings_table).where(mine).values(body="<from the store>"))
    source, pieces = renderings.joined(face)
    with store.read() as conn:
        query = sa.select(listings.c.id, pieces[0]).select_from(source).where(listings.c.kind == "program")
        rows = {listing_id: body for listing_id, body in conn.execute(query)}
    assert rows == {stored: "<from the store>", missing: "<Missing>"}


def test_backfill_renders_what_is_missing_or_was_rendered_by_another_version(
    store: Store, tenants: Tenants, face: renderings.Face
) -> None:
    me = tenants.a_test.tenant
    with store.write() as conn:
        ids = [listings_service.create(conn, me, "program", {"name": f"P{n}"}) for n in range(5)]
        mine = renderings_table.c.face == "test.name"
        conn.execute(sa.delete(renderings_table).where(mine, renderings_table.c.source_id.in_(ids[:2])))
        conn.execute(sa.update(renderings_table).where(mine, renderings_table.c.source_id == ids[2]).values(version="old"))
    seen: list[int] = []
    assert renderings.backfill(store, seen.append) == 3
    assert sum(seen) == 3 and set(_stored(store)) == set(ids)
    assert renderings.backfill(store) == 0
    with store.read() as conn:
        assert renderings.stale(conn) == []


def test_backfill_refreshes_the_statistics_as_the_table_doubles(
    store: Store, tenants: Tenants, face: renderings.Face, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A look-up prepared while `renderings` was empty must not keep its plan while the
    # backfill fills the table (store.sql.refresh_statistics): at CHUNK rendered rows,
    # then at each doubling.
    me = tenants.a_test.tenant
    with store.write() as conn:
        for n in range(9):
            listings_service.create(conn, me, "program", {"name": f"P{n}"})
        conn.execute(sa.delete(renderings_table))
    monkeypatch.setattr(renderings, "CHUNK", 2)
    refreshed: list[str] = []
    monkeypatch.setattr(renderings, "refresh_statistics", lambda _conn, table: refreshed.append(table.name))
    total = renderings.backfill(store)
    assert total >= 9 * 2  # this test's face and Catalog's, at least
    assert refreshed == ["renderings"] * len([at for at in (2, 4, 8, 16, 32, 64, 128, 256, 512) if at <= total])
    with store.read() as conn:
        assert renderings.stale(conn) == []


def test_backfill_walks_every_chunk(
    store: Store, tenants: Tenants, face: renderings.Face, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows are walked by id a chunk at a time: what is missing in a later chunk, after
    # chunks with nothing missing, is rendered too.
    me = tenants.a_test.tenant
    with store.write() as conn:
        ids = [listings_service.create(conn, me, "program", {"name": f"P{n}"}) for n in range(7)]
        mine = renderings_table.c.face == "test.name"
        conn.execute(sa.delete(renderings_table).where(mine, renderings_table.c.source_id.in_([ids[4], ids[6]])))
    monkeypatch.setattr(renderings, "CHUNK", 2)
    seen: list[int] = []
    assert renderings.backfill(store, seen.append) == 2
    assert seen == [1, 1] and set(ids) <= set(_stored(store))
    assert renderings.backfill(store) == 0
    with store.read() as conn:
        assert renderings.stale(conn) == []


def test_deleted_nominations_leave_no_rendering(store: Store, tenants: Tenants) -> None:
    me = tenants.a_test.tenant
    renderings.register(
        renderings.Face(
            "test.nomination",
            nominations_service.nominations,
            lambda: (nominations_service.nominations.c.status,),
            code=4002,
        )
    )
    try:
        with store.write() as conn:
            program = listings_service.create(conn, me, "program", {"name": "P"})
            nominations_service.add(conn, me, program, {"user_id": "u-1", "status": "Pending"})
            nominations_service.update(conn, me, program, nominations_service.Nominee(user_id="u-1"), {"status": "Approved"})
        with store.read() as conn:
            assert conn.execute(sa.select(renderings_table.c.body).where(renderings_table.c.face == "test.nomination")).scalars().all() == ["Approved"]
        with store.write() as conn:
            nominations_service.remove(conn, me, program, nominations_service.Nominee(user_id="u-1"))
        with store.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(renderings_table).where(
                renderings_table.c.face == "test.nomination")).scalar_one() == 0
    finally:
        renderings._FACES.pop("test.nomination")
        renderings.version.cache_clear()


def test_a_face_needs_a_code_of_its_own() -> None:
    """A face's code makes its rows' keys: none may lack one or share another face's."""
    taken = renderings.faces()[0]
    for code in (0, taken.code, 2**22 + 1):
        with pytest.raises(ValueError):
            renderings.register(renderings.Face("test.coded", listings, lambda: (listings.c.name,), code=code))
    assert "test.coded" not in {face.name for face in renderings.faces()}
