"""Render on write: each object's wire form for each face that shows it is stored when the
object is written, in the same transaction, so a read selects a page's ids and splices
stored text instead of building JSON for every object on every request.

A face (`Face`) is registered by the dialect that owns the wire shape: the SQL that
renders it (one to three text pieces over the source table), which rows have it, and the
joins it needs. The core's write paths call `refresh(conn, table, ids)` for the rows they
touch; nothing else re-renders (a nomination write re-renders that nomination, a listing
edit that listing, never a whole tree). `backfill` renders what is missing or was written
by another version of a renderer (at `db upgrade` and `serve`); `stale` lists rows whose
stored form differs from a fresh rendering (the tests' check).

Readers join `renderings` with `joined(face, ...)`, which falls back to rendering on the
spot for a row that has no stored form, so a forgotten refresh can never hide a row; a
stale one is a test failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Dialect, FromClause, Table
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from programhub.core.renderings.models import renderings
from programhub.store import Store
from programhub.store.sql import refresh_statistics, upsert_for

PIECES = ("body", "middle", "tail")
CHUNK = 1000


def _as_is(source: FromClause) -> FromClause:
    return source


# A stored form's key: its face's code times KEY_STRIDE plus the object's id.
KEY_STRIDE = 2**40


@dataclass(frozen=True, slots=True, eq=False)
class Face:
    """How one face renders rows of `source`: `pieces()` gives one to three SQL text
    expressions over `source` (and what `joins` adds to it), for rows where `where()`.
    `code` (1 to 2**22, unique, never reused) makes its rows' keys (`key_of`)."""

    name: str
    source: Table
    pieces: Callable[[], Sequence[ColumnElement[Any]]]
    where: Callable[[], ColumnElement[bool]] | None = None
    joins: Callable[[FromClause], FromClause] = _as_is
    code: int = field(kw_only=True)

    @overload
    def key_of(self, source_id: int) -> int: ...

    @overload
    def key_of(self, source_id: ColumnElement[int]) -> ColumnElement[int]: ...

    def key_of(self, source_id: int | ColumnElement[int]) -> int | ColumnElement[int]:
        """The key of the stored form of row `source_id` (an id, or a column of ids)."""
        base = self.code * KEY_STRIDE
        if isinstance(source_id, int):
            return base + source_id
        return sa.literal_column(str(base), sa.BigInteger()) + source_id

    def select(self, version: str) -> sa.Select[Any]:
        pieces = list(self.pieces())
        if not 1 <= len(pieces) <= len(PIECES):
            raise ValueError(f"a face renders one to three pieces, not {len(pieces)}")
        pieces += [sa.null()] * (len(PIECES) - len(pieces))
        source = self.source
        query = sa.select(
            self.key_of(source.c.id).label("key"),
            sa.literal(source.name, sa.String()).label("source"),
            sa.literal(self.name, sa.String()).label("face"),
            source.c.id.label("source_id"),
            source.c.org_id,
            source.c.mode,
            sa.literal(version, sa.String()).label("version"),
            *(sa.cast(piece, sa.Text()).label(name) for piece, name in zip(pieces, PIECES, strict=True)),
        ).select_from(self.joins(source))
        return query if self.where is None else query.where(self.where())


_FACES: dict[str, Face] = {}
_DIALECTS: dict[str, Dialect] = {
    "postgresql": PGDialect_psycopg(),  # type: ignore[no-untyped-call]
    "sqlite": SQLiteDialect_pysqlite(),
}


def register(face: Face) -> Face:
    """Add a face (a dialect does it once, at import); its name and its code are unique."""
    known = _FACES.get(face.name)
    if known is not None and known is not face:
        raise ValueError(f"face {face.name!r} is registered already")
    if not 1 <= face.code <= 2**22:
        raise ValueError(f"face {face.name!r} needs a code from 1 to 2**22, not {face.code}")
    taken = [other.name for other in _FACES.values() if other.code == face.code and other is not face]
    if taken:
        raise ValueError(f"face {face.name!r}: code {face.code} is {taken[0]!r}'s")
    _FACES[face.name] = face
    version.cache_clear()
    _upsert_statement.cache_clear()
    _attachment.cache_clear()
    return face


def faces(source: Table | None = None) -> list[Face]:
    return [face for face in _FACES.values() if source is None or face.source is source]


@cache
def version(face: Face, engine: str) -> str:
    """The renderer's version: a digest of the SQL it runs on this engine."""
    compiled = str(face.select("").compile(dialect=_DIALECTS[engine], compile_kwargs={"literal_binds": False}))
    return hashlib.sha256(compiled.encode()).hexdigest()[:16]


@cache
def _upsert_statement(shown_by: tuple[Face, ...], engine: str) -> Any:
    """The statement that renders and stores the faces `shown_by` for the rows whose ids
    are bound as `ids` (the faces' selects as one UNION ALL): a write re-renders its row in
    one round trip however many faces show it (a listing has three), which on PostgreSQL
    it makes while it holds its tenant's version lock. Built once per engine: building it (the
    faces' whole JSON expression trees, 2-5 KB of SQL each) and its cache key cost far more
    than SQLite's running it, and on every write."""
    selects = [
        face.select(version(face, engine)).where(face.source.c.id.in_(sa.bindparam("ids", expanding=True)))
        for face in shown_by
    ]
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    statement = upsert_for(engine, renderings).from_select(
        ["key", "source", "face", "source_id", "org_id", "mode", "version", *PIECES], query
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[renderings.c.key],
        set_={name: excluded[name] for name in ("org_id", "mode", "version", *PIECES)},
    )


def refresh(conn: Connection, source: Table, ids: Iterable[int]) -> None:
    """Render the rows `ids` of `source` for every face that shows them, in the caller's
    transaction (one statement per chunk of ids)."""
    shown_by = tuple(faces(source))
    if not shown_by:
        return
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        _upsert(conn, shown_by, wanted[start : start + CHUNK])


def _upsert(conn: Connection, shown_by: tuple[Face, ...], ids: list[int]) -> None:
    conn.execute(_upsert_statement(shown_by, conn.dialect.name), {"ids": ids})


def forget(conn: Connection, source: Table, ids: Iterable[int]) -> None:
    """Drop the renderings of rows deleted for good (in every face of `source`)."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        keys = _keys(source, wanted[start : start + CHUNK])
        if keys:
            conn.execute(sa.delete(renderings).where(renderings.c.key.in_(keys)))


def _keys(source: Table, ids: Iterable[int]) -> list[int]:
    """The keys of rows `ids` of `source` in every face that shows them."""
    return [face.key_of(row_id) for face in faces(source) for row_id in ids]


def backfill(store: Store, progress: Callable[[int], None] | None = None) -> int:
    """Render every row that has no stored form, or one another renderer version wrote;
    returns how many were rendered. Runs at `db upgrade` and before `serve`."""
    # The rows are walked by id, a chunk at a time, and each chunk's stored renderings
    # looked up by primary key: linear whatever the planner believes. (A NOT EXISTS over
    # the whole table planned as a nested loop when `renderings` had been analyzed while
    # empty, and took over 30 s on PostgreSQL for 50,000 nominations.)
    rendered = 0
    # The chunks' look-ups of what is stored must not keep a plan made while the table was
    # empty (store.sql.refresh_statistics): its statistics are refreshed as it doubles.
    # Without it, rendering 50,000 programs' nominations on PostgreSQL slowed from
    # milliseconds to 1.5 s a chunk (bench/RESULTS.md run 8).
    statistics_at = CHUNK
    for face in faces():
        last = 0
        while True:
            with store.write() as conn:
                current = version(face, conn.dialect.name)
                rows = sa.select(face.source.c.id).where(face.source.c.id > last)
                if face.where is not None:
                    rows = rows.where(face.where())
                ids = list(conn.execute(rows.order_by(face.source.c.id).limit(CHUNK)).scalars())
                if not ids:
                    break
                last = ids[-1]
                stored = set(
                    conn.execute(
                        sa.select(renderings.c.source_id).where(
                            renderings.c.key.in_([face.key_of(row_id) for row_id in ids]),
                            renderings.c.version == current,
                        )
                    ).scalars()
                )
                missing = [row_id for row_id in ids if row_id not in stored]
                if missing:
                    _upsert(conn, (face,), missing)
                if rendered < statistics_at <= rendered + len(missing):
                    refresh_statistics(conn, renderings)
                    statistics_at *= 2
            rendered += len(missing)
            if missing and progress is not None:
                progress(len(missing))
    return rendered


def stale(conn: Connection, names: Iterable[str] | None = None) -> list[tuple[str, int]]:
    """(face, row id) of every stored rendering (of the faces `names`, or all) that differs
    from a fresh one, or is missing: empty when render on write kept up with every write."""
    found: list[tuple[str, int]] = []
    wanted = None if names is None else set(names)
    for face in faces():
        if wanted is not None and face.name not in wanted:
            continue
        fresh = face.select("").subquery("fresh")
        stored = sa.select(renderings).where(renderings.c.face == face.name).subquery("stored")
        differs = sa.or_(
            stored.c.source_id.is_(None), *(stored.c[name].is_distinct_from(fresh.c[name]) for name in PIECES)
        )
        query = (
            sa.select(fresh.c.source_id)
            .select_from(fresh.outerjoin(stored, stored.c.source_id == fresh.c.source_id))
            .where(differs)
        )
        found += [(face.name, source_id) for source_id in conn.execute(query).scalars()]
    return found


def joined(face: Face) -> tuple[FromClause, tuple[ColumnElement[Any], ...]]:
    """The face's table (with its joins) outer-joined to its stored renderings, and the
    pieces to select: the stored text, or for a row that has none, rendered on the spot
    (a row is never hidden by a missing rendering)."""
    return attached(face, face.joins(face.source))


def attached(
    face: Face, onto: FromClause, *, fallback: bool = True
) -> tuple[FromClause, tuple[ColumnElement[Any], ...]]:
    """`joined` onto a FROM clause of the reader's own, which holds every table the face's
    SQL reads (its source and what its joins add). Without `fallback` the pieces are the
    stored text alone (NULL for a row that has none): a far smaller statement, for a reader
    that checks for such rows and reads them again with the fallback."""
    stored, on, pieces = _attachment(face, fallback)
    return onto.outerjoin(stored, on), pieces


def attached_by(
    face: Face, onto: FromClause, source_id: ColumnElement[int]
) -> tuple[FromClause, tuple[ColumnElement[Any], ...]]:
    """The stored pieces alone (NULL for a row that has none), joined onto a FROM clause of
    the reader's own by `source_id`, a column of it naming the face's rows (a page's keys):
    none of the face's tables is read."""
    stored, _on, pieces = _attachment(face, False)
    return onto.outerjoin(stored, _stored_for(face, stored, source_id)), pieces


def _stored_for(face: Face, stored: FromClause, source_id: ColumnElement[int]) -> ColumnElement[bool]:
    return stored.c.key == face.key_of(source_id)


@cache
def _attachment(face: Face, fallback: bool) -> tuple[FromClause, ColumnElement[bool], tuple[ColumnElement[Any], ...]]:
    """The stored renderings' alias, its join condition and the pieces, built once per face:
    they name only tables, so every statement may share them (building them, and the live
    rendering inside, on every read cost more than running the read)."""
    stored = renderings.alias(f"rendered_{face.name.replace('.', '_')}")
    on = _stored_for(face, stored, face.source.c.id)
    live = list(face.pieces())
    if not fallback:
        return stored, on, tuple(stored.c[name].label(name) for name in PIECES[: len(live)])
    pieces = tuple(
        sa.func.coalesce(stored.c[name], sa.cast(piece, sa.Text())).label(name)
        for name, piece in zip(PIECES, live, strict=False)
    )
    return stored, on, pieces


def stored(conn: Connection, source: Table, org_id: int, mode: str, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """The stored renderings of rows `ids` of `source` (of one tenant), by row and face: the
    JSON text of each face as stored (its pieces joined when they are objects), in one query.
    What a reader splices in (Catalog's credits and listing_url) is not in it."""
    found: dict[int, dict[str, str]] = {}
    if not ids:
        return found
    rows = conn.execute(
        sa.select(renderings.c.source_id, renderings.c.face, *(renderings.c[name] for name in PIECES)).where(
            renderings.c.key.in_(_keys(source, ids)), renderings.c.org_id == org_id, renderings.c.mode == mode
        )
    )
    for source_id, face, *pieces in rows:
        texts = [piece for piece in pieces if piece is not None]
        inner = [text.strip()[1:-1] for text in texts]
        joined = texts[0] if len(texts) == 1 else "{" + ",".join(part for part in inner if part.strip()) + "}"
        found.setdefault(source_id, {})[face] = joined
    return found
