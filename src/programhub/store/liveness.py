"""Bounded waits on PostgreSQL connections that stop answering, and no stale connection
handed out after an outage.

- New connections are bounded by libpq's `connect_timeout` and statements by the
  server's `statement_timeout` (engine.py). Neither helps once a server stops answering on
  an open connection (stalled, frozen, or the network dropped it without a reset): the
  driver would wait for an answer forever, and so would the request. So every database
  call is watched: one that has had no answer for `STALL_TIMEOUT` seconds (longer than
  `statement_timeout`, so the server's own timeout comes first while it works) gets its
  socket shut down; the driver then fails at once, SQLAlchemy invalidates the pool, and the
  circuit (below) opens: the server is known to be down.
- A pooled connection that sat idle may have been cut by an outage since it was last
  used; it is pinged before it is handed out (only after `PING_AFTER_IDLE` seconds idle,
  so a busy pool pays nothing), and replaced if the ping fails. Without that the first
  request after the database came back would fail.
- A request's deadline (`deadline()`, set by web/bounds.py for every request and carried
  into the threads it starts) bounds its waits too: for a pooled connection (`DeadlinePool`),
  for a new one (`connect_timeout`), for SQLite's write lock (engine.py).
- Once the server is known to be down (a connection could not be made, a ping or a call went
  unanswered, or the pool ran dry while nothing was answered), the store's `Circuit` opens:
  every use fails at once with `DatabaseUnavailable` instead of queuing, until one caller's
  fresh connection (a probe, let through every `COOL_DOWN` seconds) succeeds.

One watch thread per process (started at first use) serves every engine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool

log = logging.getLogger("programhub.store")

# Seconds without an answer after which a database call is abandoned; tests lower it.
STALL_TIMEOUT = 35.0
# Seconds a pooled connection may sit idle before it is pinged on checkout.
PING_AFTER_IDLE = 1.0
# Seconds a ping may go unanswered before the server is taken for down.
PING_TIMEOUT = 5.0
# Seconds without any answer, while calls wait, after which a pool that ran dry means the
# server stopped answering (not a busy pool: a busy server answers something).
SILENCE_LIMIT = 5.0
# Seconds the circuit stays open before one caller may try the database again.
COOL_DOWN = 1.0
_IDLE_SINCE = "programhub_idle_since"


# --- deadlines ------------------------------------------------------------------------------

_DEADLINE: ContextVar[float | None] = ContextVar("programhub_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Every database wait inside the block, and in the threads it starts (they copy its
    context), ends `seconds` from now at the latest; None lifts any deadline."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def time_left(wait: float) -> float:
    """`wait` seconds, or what is left of the current deadline if that is less (never negative)."""
    end = _DEADLINE.get()
    if end is None:
        return wait
    return max(0.0, min(wait, end - time.monotonic()))


def past_deadline() -> bool:
    end = _DEADLINE.get()
    return end is not None and time.monotonic() >= end


class DeadlinePool(QueuePool):
    """A QueuePool whose wait for a connection ends with the current deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not kwargs.get("echo"):  # SQLAlchemy names a pool's logger after its class: keep it SQLAlchemy's
            self.logger = logging.getLogger("sqlalchemy.pool.impl.QueuePool")

    @property
    def _timeout(self) -> float:
        return time_left(self._configured_timeout)

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._configured_timeout = value

    def recreate(self) -> QueuePool:
        with deadline(None):  # the new pool gets the configured wait, not what is left of one
            return super().recreate()


class AsyncDeadlinePool(DeadlinePool, AsyncAdaptedQueuePool):
    """A DeadlinePool for an asyncio engine: SQLAlchemy's asyncio queue, so that its waits
    are the event loop's."""


# --- the circuit ----------------------------------------------------------------------------


class DatabaseUnavailable(SQLAlchemyError):
    """The database is known to be down: refused without waiting for it."""


class DeadlinePassed(DatabaseUnavailable):
    """The request's deadline passed while it waited for the database (a write is rolled
    back rather than committed after its request was answered)."""


class Circuit:
    """Whether the database is known to be down. Closed, every use goes through; open, every
    use fails at once; `COOL_DOWN` seconds after it opened, one caller at a time may try (a
    probe), and a probe's fresh connection closes it. Never opens when disabled (SQLite: a
    local file is not a server that can go away)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._open_since: float | None = None
        self._probing = False

    def is_open(self) -> bool:
        return self._open_since is not None

    def known_down(self) -> bool:
        """Open and still cooling down: the check the web layer makes before queuing a request."""
        since = self._open_since
        return since is not None and time.monotonic() - since < COOL_DOWN

    def admit(self) -> bool:
        """Let a caller through (True when it is the probe) or raise DatabaseUnavailable."""
        if not self.is_open():  # closed: the common case, without the lock
            return False
        with self._lock:
            since = self._open_since
            if since is None:
                return False
            if self._probing or time.monotonic() - since < COOL_DOWN:
                raise DatabaseUnavailable("the database is unreachable")
            self._probing = True
            return True

    def trip(self, reason: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._open_since is None:
                log.warning("database unreachable (%s): failing fast until it answers again", reason)
            self._open_since = time.monotonic()
            self._probing = False

    def probe_ended(self, *, reached: bool) -> None:
        with self._lock:
            self._probing = False
            if reached and self._open_since is not None:
                self._open_since = None
                log.warning("database reachable again")


class EngineLiveness:
    """What the watch knows of one engine: when a call on it was last answered."""

    def __init__(self, circuit: Circuit) -> None:
        self.circuit = circuit
        self.answered_at = time.monotonic()


class _Watch:
    """Deadlines of the database calls under way; a daemon thread ends overdue ones."""

    def __init__(self) -> None:
        # id(dbapi connection) -> (cut at, started at, connection, its engine's liveness, why it would be cut)
        self._calls: dict[int, tuple[float, float, Any, EngineLiveness, str]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, dbapi_connection: Any, engine: EngineLiveness, limit: float = 0.0, why: str = "") -> None:
        now = time.monotonic()
        entry = (now + (limit or STALL_TIMEOUT), now, dbapi_connection, engine, why or "a call went unanswered")
        with self._lock:
            self._calls[id(dbapi_connection)] = entry
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="programhub-db-watch", daemon=True)
                self._thread.start()

    def end(self, dbapi_connection: Any, engine: EngineLiveness | None = None) -> None:
        if engine is not None:
            engine.answered_at = time.monotonic()
        if self._calls:
            with self._lock:
                self._calls.pop(id(dbapi_connection), None)

    def silent(self, engine: EngineLiveness) -> bool:
        """Calls on `engine` have waited SILENCE_LIMIT seconds and none was answered since."""
        now = time.monotonic()
        if now - engine.answered_at < SILENCE_LIMIT:
            return False
        with self._lock:
            return any(
                owner is engine and now - started >= SILENCE_LIMIT for _, started, _, owner, _ in self._calls.values()
            )

    def _run(self) -> None:
        while True:
            time.sleep(min(1.0, STALL_TIMEOUT / 4, PING_TIMEOUT / 4))
            now = time.monotonic()
            with self._lock:
                overdue = [key for key, (cut_at, *_rest) in self._calls.items() if cut_at <= now]
                stalled = [self._calls.pop(key) for key in overdue]
            for _cut_at, _started, dbapi_connection, engine, why in stalled:
                engine.circuit.trip(why)
                _cut(dbapi_connection)


def _cut(dbapi_connection: Any) -> None:
    """Shut the connection's socket down: the thread (or the event loop) waiting on it wakes
    with an error. An asyncio engine's connection is SQLAlchemy's adapter of the driver's."""
    driver_connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    with contextlib.suppress(Exception):
        if driver_connection.closed:
            return
        duplicate = socket.socket(fileno=os.dup(driver_connection.fileno()))
        with contextlib.suppress(OSError):
            duplicate.shutdown(socket.SHUT_RDWR)
        duplicate.close()


WATCH = _Watch()


# Whether this connect is the circuit's probe: a context variable, not a thread's, since the
# reads on the event loop connect in greenlets of one thread, each in its own task's context.
_PROBING: ContextVar[bool] = ContextVar("programhub_probing", default=False)


def guard(engine: Engine, circuit: Circuit) -> EngineLiveness:
    """Install the watch and the idle ping on a PostgreSQL engine; a call that goes
    unanswered trips `circuit`, and each connection's wait for the server ends with the
    request's deadline."""
    state = EngineLiveness(circuit)

    configured: dict[str, float] = {}  # the engine's own connect timeout (`params` is changed in place)

    @event.listens_for(engine, "do_connect")
    def _connect_within_deadline(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        # A caller let in before the circuit opened (it queued for a pool slot, or its pooled
        # connection failed and the pool reconnects) must not start a connect that can only
        # hang: the probe alone tries the database while it is known down.
        if circuit.known_down() and not _PROBING.get():
            raise DatabaseUnavailable("the database is unreachable")
        timeout = configured.setdefault("connect_timeout", float(params.get("connect_timeout", STALL_TIMEOUT)))
        params["connect_timeout"] = max(2, round(time_left(timeout)))  # libpq's least is 2 s

    @event.listens_for(engine, "before_cursor_execute")
    def _statement_starts(conn: Any, *_args: Any) -> None:
        WATCH.start(conn.connection.dbapi_connection, state)

    @event.listens_for(engine, "after_cursor_execute")
    def _statement_answered(conn: Any, *_args: Any) -> None:
        WATCH.end(conn.connection.dbapi_connection, state)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _transaction_ends(conn: Any) -> None:
        if not conn.invalidated:  # an invalidated one has no connection left to wait on
            WATCH.start(conn.connection.dbapi_connection, state)  # until checkin

    @event.listens_for(engine, "reset")
    def _reset(dbapi_connection: Any, *_args: Any) -> None:
        WATCH.start(dbapi_connection, state)  # until checkin

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            WATCH.end(dbapi_connection, state)
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "invalidate")
    @event.listens_for(engine, "close")
    def _gone(dbapi_connection: Any, *_args: Any) -> None:
        if dbapi_connection is not None:
            WATCH.end(dbapi_connection)

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        WATCH.start(dbapi_connection, state, PING_TIMEOUT, "a ping went unanswered")
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("a pooled connection failed its ping") from exc
        finally:
            WATCH.end(dbapi_connection, state)

    return state


def connecting(engine: Engine, circuit: Circuit, state: EngineLiveness | None) -> Callable[[], Any]:
    """`engine.connect` through `circuit`: refused at once while the database is known down,
    and tripping it when no connection can be made (or the pool ran dry while the server
    answered nothing: see SILENCE_LIMIT)."""

    def connect() -> Any:
        probe = circuit.admit()
        probing = _PROBING.set(probe)
        try:
            conn = engine.connect()
        except DBAPIError as exc:
            circuit.trip(f"no connection: {type(exc.orig).__name__}")
            raise
        except PoolTimeout:
            if state is not None and WATCH.silent(state):
                circuit.trip("the pool ran dry and nothing was answered")
            elif probe:
                circuit.probe_ended(reached=False)
            raise
        except BaseException:
            if probe:
                circuit.probe_ended(reached=False)
            raise
        finally:
            _PROBING.reset(probing)
        if probe:
            circuit.probe_ended(reached=True)
        return conn

    return connect
