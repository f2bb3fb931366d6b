"""Engines and transactions for both supported databases.

SQLite runs in WAL mode with `synchronous=FULL` (an acknowledged commit survives a crash) and
every write transaction starts with `BEGIN IMMEDIATE`, so concurrent writers queue on the
busy timeout instead of failing when a read lock would have to be upgraded. Its file is
created readable by its owner only.

Every wait ends with the request's deadline (liveness.py): for a pooled connection, a new
PostgreSQL connection, SQLite's write lock; a write whose deadline passed is rolled back
instead of committed. On PostgreSQL, a `Circuit` fails every use at once while the server
is known to be down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import greenlet_spawn

from programhub.store import liveness, sqljson
from programhub.store.on_loop import LoopConnection, StatementObserver
from programhub.store.prepared import PreparedSelect, execute_on_driver
from programhub.store.sql import PLANNED_FOR_VALUES

T = TypeVar("T")

# Whether `Store.read` runs in a read on the event loop (`Store.run_read`), hence takes a
# connection of the loop's reads.
_READING_ON_LOOP: ContextVar[bool] = ContextVar("programhub_reading_on_loop", default=False)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def normalise_url(url: str) -> str:
    """`postgresql://` selects psycopg 3; SQLite URLs pass through."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Store:
    """An engine plus the kinds of transaction the services use."""

    def __init__(
        self,
        engine: Engine,
        lookups: Engine | None = None,
        circuit: liveness.Circuit | None = None,
        watched: dict[Engine, liveness.EngineLiveness] | None = None,
        loop_connect: Mapping[str, Any] | None = None,
        loop_reads: AsyncEngine | None = None,
    ) -> None:
        self.engine = engine
        # Where `lookup()` runs: an autocommit engine of its own (on SQLite, for a file).
        self._lookups = lookups or engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.circuit = circuit or liveness.Circuit(enabled=False)
        watched = watched or {}
        self._connect_transactions = liveness.connecting(engine, self.circuit, watched.get(engine))
        self._connect_lookups: Callable[[], Connection] = (
            self._connect_transactions
            if self._lookups is engine
            else liveness.connecting(self._lookups, self.circuit, watched.get(self._lookups))
        )
        # Whether a read may run on the event loop instead of the thread pool: reading the
        # local SQLite file costs less than the hop, never waits for writers (WAL), and is
        # bounded like every request's work; a PostgreSQL round trip could stall the loop
        # when the server stalls.
        self.reads_on_loop = self.is_sqlite
        # This process's place in the queue for SQLite's single writer slot (`_writer_slot`).
        self._sqlite_writer = threading.Lock()
        self._read_threads: anyio.CapacityLimiter | None = None  # made on first use, on a loop
        self._count_thread: anyio.CapacityLimiter | None = None  # likewise
        self._held_lookup = _HeldConnection()
        self._held_counter: Connection | None = None  # SQLite: made on first use (`_counter`)
        self._counts_on_loop = 0
        # PostgreSQL: how to open the lookups' connection on an event loop (store/on_loop.py),
        # the one loop that has it, and what sees its statements (the engines' events do not).
        self._loop_connect = loop_connect
        self._loop_lookups: LoopConnection | None = None
        self._lookup_loop: asyncio.AbstractEventLoop | None = None
        self.statement_observers: list[StatementObserver] = []
        # PostgreSQL: the engine of the reads that run on that loop (`run_read`).
        self._loop_reads = loop_reads
        self._connect_loop_reads: Callable[[], Connection] | None = (
            None
            if loop_reads is None
            else liveness.connecting(loop_reads.sync_engine, self.circuit, watched.get(loop_reads.sync_engine))
        )

    async def run_read(self, read: Callable[[], T], *, python_bound: bool = False) -> T:
        """Run the blocking `read` where it costs least, from the event loop.

        A `python_bound` read (many rows made into the answer in Python, or a lookup
        shorter than a hop) holds the GIL for most of its time; others mostly wait for the
        database. On SQLite each step (a row fetched) hands the GIL to another thread: a
        python_bound read runs on the loop (`reads_on_loop`), where nothing waits for the
        GIL, and a read whose answer the database builds as one text runs on one of a few
        threads (SQLITE_READ_THREADS), where SQLite's work proceeds beside the loop's. On
        PostgreSQL a python_bound read runs on the loop of `lookups_on_this_loop`, its
        statements awaited through SQLAlchemy's asyncio engine (`read` runs in a greenlet,
        and `read()` there takes a connection of that engine's pool): no hop to a thread
        and back, no wait for the GIL, and a server that stalls stalls only the reads that
        wait for it (the watch cuts them, liveness.py). A read whose answer the database
        builds as one text runs on the pool, bounded by the connection budget: its time is
        the server's, and it measured slower on the loop (Record's list 0.81x, Sunbird's
        form C 0.86x, bench/RESULTS.md run 19). On another loop, python_bound reads run on
        a few threads (POSTGRES_PYTHON_READ_THREADS), since more only queue for the GIL."""
        if python_bound and self.reads_on_loop:
            return read()
        if python_bound and self._loop_reads is not None and self._lookup_loop is asyncio.get_running_loop():
            token = _READING_ON_LOOP.set(True)
            try:
                return await greenlet_spawn(read)
            finally:
                _READING_ON_LOOP.reset(token)
        few = self.is_sqlite or python_bound
        return await anyio.to_thread.run_sync(read, limiter=self._few_read_threads() if few else None)

    async def run_count(self, count: Callable[[], T]) -> T:
        """Run a blocking count (`write_counter`: a rate limit's, with the key lookup before
        it) from the event loop. On SQLite on one thread at a time: the process's counts all
        wait for its one writer slot anyway, and 32 threads blocked on it delayed every
        other write behind them (a Catalog edit in the WebAdMIT mix: 80 -> 9 ms at p50);
        the others wait as coroutines. On PostgreSQL, where counts of one key wait only for
        each other's row, on the pool."""
        if not self.is_sqlite:
            return await anyio.to_thread.run_sync(count)
        if self._count_thread is None:
            self._count_thread = anyio.CapacityLimiter(1)
        return await anyio.to_thread.run_sync(count, limiter=self._count_thread)

    def _few_read_threads(self) -> anyio.CapacityLimiter:
        if self._read_threads is None:
            self._read_threads = anyio.CapacityLimiter(
                SQLITE_READ_THREADS if self.is_sqlite else POSTGRES_PYTHON_READ_THREADS
            )
        return self._read_threads

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent snapshot for reads (one transaction, rolled back at the end).

        On PostgreSQL the transaction is REPEATABLE READ and READ ONLY (one `BEGIN`, as
        before): at READ COMMITTED each statement sees the data as of its own start, and a
        page read in several statements (a Catalog page's ids, then its trees) lost a
        listing deleted between them, a 500. SQLite's read transaction is a snapshot."""
        connect = self._connect_transactions
        if self._connect_loop_reads is not None and _READING_ON_LOOP.get():
            connect = self._connect_loop_reads
        with connect() as conn:
            if not self.is_sqlite:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """For one read statement that needs no snapshot beyond its own (the key lookup
        every request makes). On PostgreSQL a connection in autocommit from a small pool
        of its own: the statement is the only round trip, where a transaction would add
        BEGIN and COMMIT, each a wait that the thread pays for with a GIL hand-off. On a
        SQLite file likewise, in SQLite's autocommit: the BEGIN and COMMIT were two more
        statements through SQLAlchemy, 40% of the lookup's 128 us (an in-memory database
        has one engine: a read transaction)."""
        if self._lookups is self.engine:
            with self.read() as conn:
                yield conn
        elif self._held_lookup.conn is not None:
            yield self._held_lookup.conn
        else:
            with self._connect_lookups() as conn:
                yield conn

    @asynccontextmanager
    async def lookups_on_this_loop(self) -> AsyncIterator[None]:
        """Inside the block (an app's lifespan, on its event loop) the lookups this loop makes
        (`first_on_loop`) wait for the database on the loop itself, without a hop to a
        thread. On PostgreSQL they run on a connection of the loop's own (store/on_loop.py;
        one loop per store has it, within the connection budget; another loop's lookups go
        to the thread pool as before). On a SQLite file they run on the loop
        (`reads_on_loop`) on one connection of the lookups' pool, held: checking one out
        and in per request was a tenth of a cached answer's CPU. Either connection is in
        autocommit, so each lookup still reads the latest commit."""
        if self._loop_connect is not None and self._loop_lookups is None:
            self._loop_lookups = LoopConnection(
                self._loop_connect, self._lookups.dialect, self.circuit, self.statement_observers
            )
            self._lookup_loop = asyncio.get_running_loop()
            try:
                yield
            finally:
                on_loop, self._loop_lookups, self._lookup_loop = self._loop_lookups, None, None
                await on_loop.close()
                if self._loop_reads is not None:  # its connections belong to this loop
                    await self._loop_reads.dispose()
            return
        with self._holding_a_lookup_connection(self.reads_on_loop and self._lookups is not self.engine):
            yield

    async def first_on_loop(self, query: PreparedSelect, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """`query.first(conn, parameters)` on a lookup connection (`lookup`), from the event
        loop, where it costs least: this loop's PostgreSQL connection, SQLite on the loop
        itself, or else a thread of the pool."""
        on_loop = self._on_this_loop()
        if on_loop is not None:
            return await on_loop.first(query, parameters)
        if self.reads_on_loop:
            return self._first(query, parameters)
        return await anyio.to_thread.run_sync(self._first, query, parameters)

    async def count_on_loop(
        self, query: PreparedSelect, parameter_sets: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...] | None]:
        """`query.first(conn, parameters)` for each of `parameter_sets` (counts: upserts
        returning their rows) from the event loop, on a `write_counter` connection: on
        PostgreSQL this loop's connection, in autocommit with `synchronous_commit=off` like
        the counters' (not sent again if the connection breaks under it: it may have
        counted); on a SQLite file on the loop itself when nothing makes it wait
        (`_count_unless_waiting`), else on `run_count`'s thread, all in one transaction."""
        on_loop = self._on_this_loop()
        if on_loop is not None:
            return [await on_loop.first(query, parameters, repeatable=False) for parameters in parameter_sets]
        if self.reads_on_loop and self._lookups is not self.engine:
            counted = self._count_unless_waiting(query, parameter_sets)
            if counted is not None:
                return counted
        return await self.run_count(partial(self._count, query, parameter_sets))

    def _count_unless_waiting(
        self, query: PreparedSelect, parameter_sets: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...] | None] | None:
        """SQLite: the counts in a transaction of their own on the process's counting
        connection (`_counter`), or None, having done nothing, if that would wait for
        another writer of this process or of another one (its busy timeout is 0). A count
        is three statements on the driver's cursor, ~20 us; the hop to the counting thread
        and back cost more than that (bench/RESULTS.md run 23). The connection never
        checkpoints (a checkpoint writes the database file and flushes it), so every
        SQLITE_COUNTS_PER_CHECKPOINT-th count is left to the thread too, whose connection
        checkpoints when the log has grown, as every other writer's does."""
        self._counts_on_loop += 1
        if self._counts_on_loop % SQLITE_COUNTS_PER_CHECKPOINT == 0:
            return None
        if not self._sqlite_writer.acquire(blocking=False):
            return None
        try:
            conn = self._counter()
            try:
                execute_on_driver(conn, "BEGIN IMMEDIATE")
            except OperationalError as error:
                if getattr(error.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
                    return None  # another process writes
                raise
            try:
                counted = [query.first(conn, parameters) for parameters in parameter_sets]
                execute_on_driver(conn, "COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):  # a failed COMMIT may leave it open
                    execute_on_driver(conn, "ROLLBACK")
                raise
            return counted
        finally:
            self._sqlite_writer.release()

    def _on_this_loop(self) -> LoopConnection | None:
        on_loop = self._loop_lookups
        return on_loop if on_loop is not None and asyncio.get_running_loop() is self._lookup_loop else None

    def _first(self, query: PreparedSelect, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        with self.lookup() as conn:
            return query.first(conn, parameters)

    def _count(
        self, query: PreparedSelect, parameter_sets: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...] | None]:
        with self.write_counter() as conn:
            return [query.first(conn, parameters) for parameters in parameter_sets]

    @contextmanager
    def _holding_a_lookup_connection(self, wanted: bool) -> Iterator[None]:
        """When `wanted`, this thread's lookups use one connection inside the block (`lookup`)."""
        if not wanted or self._held_lookup.conn is not None:
            yield
            return
        with self._connect_lookups() as conn:
            self._held_lookup.conn = conn
            try:
                yield
            finally:
                self._held_lookup.conn = None

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine of the store (for event listeners that must see all statements)."""
        if self._lookups is self.engine:
            return (self.engine,)
        if self._loop_reads is None:
            return (self.engine, self._lookups)
        return (self.engine, self._loop_reads.sync_engine, self._lookups)

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error, and
        rolled back too when the request's deadline passed meanwhile (its answer is a 503
        already: the write must not land after it). Not `durable` (SQLite): its commit
        does not wait for the disk (`synchronous=NORMAL` for this transaction alone): a
        crash may forget it, never corrupt the file; the next durable commit flushes it."""
        with self._writer_slot(), self._connect_transactions() as conn, _sqlite_durable(conn, durable):
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn
                if liveness.past_deadline():
                    raise liveness.DeadlinePassed("the request's deadline passed before its commit")

    @contextmanager
    def _writer_slot(self) -> Iterator[None]:
        """On SQLite, this process's writers queue on a lock of its own for the database's
        single writer slot, before they take a connection: SQLite's busy handler polls the
        slot with sleeps that grow to 100 ms, so under load a write waited for the slot long
        after it was free (the Catalog mix's writes: 300-450 ms at p50, bench/RESULTS.md run
        11). Other processes' writers still meet the busy handler. PostgreSQL: nothing."""
        if not self.is_sqlite:
            yield
            return
        if not self._sqlite_writer.acquire(timeout=liveness.time_left(SQLITE_BUSY_TIMEOUT)):
            raise liveness.DeadlinePassed("the request's deadline passed waiting to write")
        try:
            yield
        finally:
            self._sqlite_writer.release()

    def pools(self) -> list[tuple[str, Any]]:
        """Each engine's connection pool, named (for metrics)."""
        named = [("transactions", self.engine.pool)]
        if self._lookups is not self.engine:
            named.append(("lookups", self._lookups.pool))
        if self._loop_reads is not None:
            named.append(("loop reads", self._loop_reads.sync_engine.pool))
        return named

    @contextmanager
    def write_counter(self) -> Iterator[Connection]:
        """For a row many requests update (a rate-limit count), each statement atomic on its
        own. On PostgreSQL a connection of the lookups' pool, in autocommit: one round trip
        per statement where a transaction added BEGIN, a setting and COMMIT; its sessions
        commit without waiting for the WAL flush (`synchronous_commit=off`: the row lock is
        released at once; a crash may forget the last fraction of a second of counts, never
        corrupt them). On SQLite likewise a write transaction that is not `durable`: a
        process's counts run one at a time, each holding the writer slot through its
        commit, so a disk's flush per count would bound every counted call of the process
        (bench/RESULTS.md run 20)."""
        if not self.is_sqlite:
            with self.lookup() as conn:
                yield conn
            return
        with self.write(durable=False) as conn:
            yield conn

    def _counter(self) -> Connection:
        """SQLite: the connection the event loop counts on (`_count_unless_waiting`), held
        for the store's life: it never waits for the writer slot (busy timeout 0), never
        checkpoints, and commits without waiting for the disk (`synchronous=NORMAL`)."""
        if self._held_counter is None:
            conn = self._lookups.connect()
            driver = conn.connection.driver_connection
            assert driver is not None
            # Settings of the connection, no request's statements.
            driver.execute("PRAGMA synchronous=NORMAL")
            driver.execute("PRAGMA busy_timeout=0")
            driver.execute("PRAGMA wal_autocheckpoint=0")
            self._held_counter = conn
        return self._held_counter

    def dispose(self) -> None:
        counter, self._held_counter = self._held_counter, None
        if counter is not None:
            counter.close()
        for engine in self.engines:
            engine.dispose()


class _HeldConnection(threading.local):
    """The lookups' connection this thread holds (`Store.lookups_on_this_loop`)."""

    conn: Connection | None = None


# SQLite: FastAPI runs blocking handlers on AnyIO's thread pool (40 threads by default); a
# pool as large keeps connections open instead of opening and closing overflow ones.
POOL_SIZE = 40
# PostgreSQL: connections per server process, in all (its transactions and its key
# lookups): a budget, so that `--workers N` processes hold at most N times this. Threads
# beyond it wait for a connection, within their request's deadline.
POSTGRES_CONNECTIONS = 20
# SQLite: the page cache of each connection, in KiB (SQLite's default is 2 MiB, in which a
# Sunbird page's query took twice as long, re-reading its pages out of the OS cache). The
# pool hands out the connection used last, so a few warm connections serve the reads on
# the event loop.
SQLITE_CACHE_KIB = 16 * 1024
# SQLite: the memory all connections of the process use at most, in MiB (a soft limit:
# past it SQLite reuses cached pages of any connection before it allocates). Many threads'
# connections each warmed to SQLITE_CACHE_KIB held up to 165 MB more in the Sunbird mix.
SQLITE_HEAP_MIB = 48
# SQLite: threads that run reads the database builds as one text (`Store.run_read`): enough
# for SQLite's work to use the cores beside the event loop; more only add GIL hand-offs and
# pages held in memory at once (bench/RESULTS.md run 6).
SQLITE_READ_THREADS = 2
# SQLite: connections kept for key lookups (they run on the event loop, one at a time; a
# blocking handler's on its thread).
SQLITE_LOOKUP_CONNECTIONS = 4
# PostgreSQL: threads that run reads assembled in Python from many rows (`Store.run_read`,
# on a loop other than the lifespan's): one builds an answer while another waits for its
# rows; 32 at once spent a fifth more CPU per Catalog page queueing for the GIL
# (bench/RESULTS.md run 7).
POSTGRES_PYTHON_READ_THREADS = 2
# SQLite: of the counts the event loop makes (`Store._count_unless_waiting`), one in this
# many runs on the counting thread instead, whose connection checkpoints the write-ahead log
# once it holds 1,000 pages (SQLite's default; a count adds one or two pages).
SQLITE_COUNTS_PER_CHECKPOINT = 256
# Seconds a SQLite write waits for the database's single writer slot (less when the
# request's deadline comes first).
SQLITE_BUSY_TIMEOUT = 30.0


def open_store(
    url: str, *, connections: int = POSTGRES_CONNECTIONS, pooler: str = "none", **engine_options: Any
) -> Store:
    """A store on the database at `url`. On PostgreSQL it holds at most `connections`;
    `pooler="transaction"` runs behind a pooler in transaction mode (PgBouncer's): no
    server-side prepared statements and no per-connection settings, since consecutive
    transactions may run on different server connections."""
    url = normalise_url(url)
    parsed = make_url(url)
    options: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": orjson.loads,
        # A statement's bound values (names, emails, a key's hash) never appear in error
        # messages, hence never in the log of an unexpected error.
        "hide_parameters": True,
    }
    on_file = False
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            on_file = True
            _create_private(Path(database))
            options["poolclass"] = liveness.DeadlinePool
        options.update(
            pool_size=POOL_SIZE,
            max_overflow=10,
            pool_use_lifo=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT},
        )
    else:
        # JIT compiles queries whose estimated cost is high; recursive tree queries are
        # estimated far above what they do, and would pay ~15 ms to compile each time.
        # No parallel workers: a request is one backend's work, and the server's cores serve
        # concurrent requests; starting a worker for Record's list of 1,000 cost more than it
        # saved (bench/RESULTS.md run 18: 139-174 -> 345 req/s).
        connect_args: dict[str, Any] = {
            "connect_timeout": 5,
            "options": "-c statement_timeout=30000 -c jit=off -c max_parallel_workers_per_gather=0",
        }
        if pooler == "transaction":
            # A pooler hands each transaction any server connection: prepared statements and
            # startup settings would not follow (set them on the role: docs/architecture.md).
            connect_args = {"connect_timeout": 5, "prepare_threshold": None}
        elif pooler != "none":
            raise ValueError(f"pooler must be none or transaction, not {pooler!r}")
        options.update(
            poolclass=liveness.DeadlinePool,
            pool_size=transaction_connections(connections),
            max_overflow=0,
            pool_timeout=10,
            pool_recycle=1800,
            connect_args=connect_args,
        )
    options.update(engine_options)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
        if not on_file:  # a second engine on an in-memory database would open another database
            return Store(engine)
        # Key lookups: one statement each, in SQLite's autocommit (the statement is its own
        # snapshot), without the BEGIN and COMMIT a read transaction adds around it.
        lookups = create_engine(
            url, **{**options, "pool_size": SQLITE_LOOKUP_CONNECTIONS, "isolation_level": "AUTOCOMMIT"}
        )
        _configure_sqlite(lookups, transactions=False)
        return Store(engine, lookups)
    lookup_pool: dict[str, Any] = {"pool_size": lookup_connections(connections), "max_overflow": 0}
    if pooler == "none":
        # Its only writes are counts (`Store.write_counter`); behind a pooler, set it on the role.
        given = options.get("connect_args", {})
        settings = f"{given.get('options', '')} -c synchronous_commit=off".strip()
        lookup_pool["connect_args"] = {**given, "options": settings}
    lookups = create_engine(url, **{**options, **lookup_pool, "isolation_level": "AUTOCOMMIT"})
    loop_reads = create_async_engine(
        url,
        **{**options, "poolclass": liveness.AsyncDeadlinePool, "pool_size": loop_read_connections(connections)},
    )
    for each in (engine, loop_reads.sync_engine):
        event.listen(each, "do_execute", _execute_planned_for_values)
    circuit = liveness.Circuit()
    # Bounded waits on a server that stops answering; no stale connections; fail fast when down.
    watched = {each: liveness.guard(each, circuit) for each in (engine, lookups, loop_reads.sync_engine)}
    # The loop's connection (store/on_loop.py): what psycopg is given for the lookups' pool.
    _args, loop_connect = lookups.dialect.create_connect_args(lookups.url)
    loop_connect.update(lookup_pool.get("connect_args", options.get("connect_args", {})))
    return Store(engine, lookups, circuit, watched, loop_connect, loop_reads)


def _execute_planned_for_values(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    """Run a statement marked `store.sql.planned_for_values` without preparing it (psycopg
    would from its fifth execution); any other is left to the dialect (as is one run without
    an execution context: store/prepared.py). The driver's connection is told so for the
    one statement, the way both its blocking and its asyncio connection (`run_read` on the
    loop) take it."""
    if context is None or not context.execution_options.get(PLANNED_FOR_VALUES):
        return None
    driver = context.root_connection.connection.driver_connection
    threshold, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        cursor.execute(statement, parameters)
    finally:
        driver.prepare_threshold = threshold
    return True


def lookup_connections(connections: int) -> int:
    """Of a process's PostgreSQL connections, those of the pool for key lookups and counts
    on threads (one short statement each; the event loop's own lookups and counts run on
    its connection, so a tenth serves the threads')."""
    if connections < 4:
        raise ValueError(f"a PostgreSQL store needs at least 4 connections, not {connections}")
    return max(1, connections // 10)


# PostgreSQL: the connection the event loop's key lookups run on (`Store.lookups_on_this_loop`).
LOOP_CONNECTIONS = 1


def loop_read_connections(connections: int) -> int:
    """Of a process's PostgreSQL connections, those of the Python-bound reads on the event
    loop (`Store.run_read`): their Python work takes turns on the loop, so while one builds
    its answer others' statements run. A fifth: a tenth left Catalog's 100-item page and
    tree 1.26x and 1.41x slower; taken from the transactions' pool, the reads the database
    builds, on threads, waited for connections (form C 0.88x; bench/RESULTS.md run 19)."""
    return max(1, connections // 5)


def transaction_connections(connections: int) -> int:
    return connections - lookup_connections(connections) - LOOP_CONNECTIONS - loop_read_connections(connections)


def _create_private(database: Path) -> None:
    """Create the SQLite file (and its folder) readable by its owner only: it holds every
    tenant's data and the keys' hashes. SQLite gives its -wal and -shm files the database
    file's permissions."""
    if database.exists():
        return
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # created meanwhile by another process
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


@contextmanager
def _sqlite_durable(conn: Connection, durable: bool) -> Iterator[None]:
    """Unless `durable`, SQLite's `synchronous=NORMAL` for the block (in WAL mode a commit
    then does not wait for the disk), FULL again after: a setting of the connection, made
    outside any transaction. Nothing on PostgreSQL."""
    if durable or conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        driver.execute("PRAGMA synchronous=FULL")


def _configure_sqlite(engine: Engine, *, transactions: bool = True) -> None:
    """Every connection's settings; with `transactions`, the BEGIN of every transaction
    (without, statements run in SQLite's autocommit: the key lookups' engine)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(SQLITE_BUSY_TIMEOUT * 1000)}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_MIB * 1024 * 1024}")
        cursor.close()
        sqljson.register_sqlite_functions(dbapi_connection)

    if not transactions:
        return

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        if immediate:
            # The wait for the writer slot ends with the request's deadline (set on the
            # driver's connection directly: it is not a statement of the transaction).
            busy_ms = round(liveness.time_left(SQLITE_BUSY_TIMEOUT) * 1000)
            conn.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms}")  # type: ignore[union-attr]
        execute_on_driver(conn, "BEGIN IMMEDIATE" if immediate else "BEGIN")
