"""Bounded waits on PostgreSQL connections that stop answering, and no stale connection
handed out after an outage.

- New connections are bounded by libpq's `connect_timeout` and statements by the
  server's `statement_timeout` (engine.py). Neither helps once a server stops answering on
  an open connection (stalled, frozen, or the network dropped it without a reset): the
  driver would wait for an answer forever, and so would the request. So every database
  call is watched: one that has had no answer for `STALL_TIMEOUT` seconds (longer than
  `statement_timeout`, so the server's own timeout comes first while it works) gets its
  socket shut down; the driver then fails at once, SQLAlchemy invalidates the pool, and the
  request is answered 503 in its dialect's envelope.
- A pooled connection that sat idle may have been cut by an outage since it was last
  used; it is pinged before it is handed out (only after `PING_AFTER_IDLE` seconds idle,
  so a busy pool pays nothing), and replaced if the ping fails. Without that the first
  request after the database came back would fail.

One watch thread per process (started at first use) serves every engine.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

# Seconds without an answer after which a database call is abandoned; tests lower it.
STALL_TIMEOUT = 35.0
# Seconds a pooled connection may sit idle before it is pinged on checkout.
PING_AFTER_IDLE = 1.0
_IDLE_SINCE = "programhub_idle_since"


class _Watch:
    """Deadlines of the database calls under way; a daemon thread ends overdue ones."""

    def __init__(self) -> None:
        self._calls: dict[int, tuple[float, Any]] = {}  # id(dbapi connection) -> (deadline, connection)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, dbapi_connection: Any) -> None:
        deadline = time.monotonic() + STALL_TIMEOUT
        with self._lock:
            self._calls[id(dbapi_connection)] = (deadline, dbapi_connection)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="programhub-db-watch", daemon=True)
                self._thread.start()

    def end(self, dbapi_connection: Any) -> None:
        if self._calls:
            with self._lock:
                self._calls.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(min(1.0, STALL_TIMEOUT / 4))
            now = time.monotonic()
            with self._lock:
                overdue = [key for key, (deadline, _conn) in self._calls.items() if deadline <= now]
                stalled = [self._calls.pop(key)[1] for key in overdue]
            for dbapi_connection in stalled:
                _cut(dbapi_connection)


def _cut(dbapi_connection: Any) -> None:
    """Shut the connection's socket down: the thread waiting on it wakes with an error."""
    with contextlib.suppress(Exception):
        if dbapi_connection.closed:
            return
        duplicate = socket.socket(fileno=os.dup(dbapi_connection.fileno()))
        with contextlib.suppress(OSError):
            duplicate.shutdown(socket.SHUT_RDWR)
        duplicate.close()


WATCH = _Watch()


def guard(engine: Engine) -> None:
    """Install the watch and the idle ping on a PostgreSQL engine."""

    @event.listens_for(engine, "before_cursor_execute")
    def _statement_starts(conn: Any, *_args: Any) -> None:
        WATCH.start(conn.connection.dbapi_connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _statement_answered(conn: Any, *_args: Any) -> None:
        WATCH.end(conn.connection.dbapi_connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _transaction_ends(conn: Any) -> None:
        if not conn.invalidated:  # an invalidated one has no connection left to wait on
            WATCH.start(conn.connection.dbapi_connection)  # until checkin

    @event.listens_for(engine, "reset")
    def _reset(dbapi_connection: Any, *_args: Any) -> None:
        WATCH.start(dbapi_connection)  # until checkin

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            WATCH.end(dbapi_connection)
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
        WATCH.start(dbapi_connection)
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("a pooled connection failed its ping") from exc
        finally:
            WATCH.end(dbapi_connection)
