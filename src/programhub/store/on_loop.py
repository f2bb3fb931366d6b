"""One PostgreSQL connection on the event loop, for the statement every request runs first
(the key lookup).

psycopg's blocking connection cannot run on the loop (a stalled server would stall every
request), so each lookup hopped to a worker thread and back: under load the thread then
waits for the GIL the loop holds, and the hops were about a third of a cached answer's CPU
(bench/RESULTS.md run 16). psycopg's asyncio connection waits on the loop instead. It keeps
the promises the pooled connections keep (store/liveness.py):

- a call unanswered for `STALL_TIMEOUT` seconds, or past the request's deadline, is given
  up (the connection closed); a stall trips the circuit;
- while the circuit is open every lookup fails at once, and one caller a cool-down later
  is the probe that may connect;
- a connection an outage cut while idle is not trusted with the next request: a statement
  that finds it broken is sent once more on a new connection (a read of one row is safe to
  repeat), so the first request after the database came back succeeds;
- errors are SQLAlchemy's, as from any other connection, so the dialects answer 503.

Lookups take turns on the connection (psycopg's own lock): each is one indexed row.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError, StatementError

from programhub.store import liveness
from programhub.store.prepared import PreparedSelect

# What sees the statements run here (the tests' statement counts); the engines' events do
# not, since SQLAlchemy does not run them.
StatementObserver = Callable[[str], None]


class LoopConnection:
    """Runs `PreparedSelect`s on one autocommit connection of the event loop it was made
    on, opened on first use and again after a failure."""

    def __init__(
        self,
        connect_kwargs: Mapping[str, Any],
        dialect: Any,
        circuit: liveness.Circuit,
        observers: list[StatementObserver],
    ) -> None:
        self._connect_kwargs = dict(connect_kwargs)
        self._dialect = dialect
        self._circuit = circuit
        self._observers = observers
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._connecting = asyncio.Lock()

    async def first(
        self, query: PreparedSelect, parameters: Mapping[str, Any], *, repeatable: bool = True
    ) -> tuple[Any, ...] | None:
        """The first row `query` selects with `parameters`, or None. A `repeatable` query
        (a read) is sent again on a new connection when it finds its own cut; a write is
        not: it may have been done before the connection broke."""
        sql, values = query.bound(self._dialect, parameters)
        probe = self._circuit.admit()
        try:
            raw = await self._fetch_one(sql, values, probe, repeatable)
        except BaseException:
            if probe:
                self._circuit.probe_ended(reached=False)
            raise
        if probe:
            self._circuit.probe_ended(reached=True)
        return query.row(self._dialect, raw)

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def _fetch_one(self, sql: str, values: Any, probe: bool, repeatable: bool) -> Any:
        for attempt in range(2):
            connection, fresh = await self._connected(probe)
            for observe in self._observers:
                observe(sql)
            try:
                async with asyncio.timeout(liveness.time_left(liveness.STALL_TIMEOUT)):
                    cursor = await connection.execute(sql, values)
                    return await cursor.fetchone()
            except TimeoutError:
                await self._discard(connection)
                if liveness.past_deadline():
                    raise liveness.DeadlinePassed("the request's deadline passed waiting for the database") from None
                self._circuit.trip("a call went unanswered")
                raise liveness.DatabaseUnavailable("the database did not answer") from None
            except psycopg.Error as error:
                broken = connection.broken or connection.closed
                if broken:
                    await self._discard(connection)
                if broken and repeatable and not fresh and attempt == 0:
                    continue  # cut while idle (an outage nobody noticed): once more, on a new one
                raise _as_sqlalchemy(error, sql, values, invalidated=broken) from error
            except BaseException:  # cancelled mid-statement: its answer would meet the next one
                await self._discard(connection)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connected(self, probe: bool) -> tuple[psycopg.AsyncConnection[Any], bool]:
        """The connection, and whether it was opened for this call."""
        connection = self._connection
        if connection is not None and not connection.closed:
            return connection, False
        async with self._connecting:
            connection = self._connection
            if connection is not None and not connection.closed:
                return connection, False
            # A caller let in before the circuit opened must not start a connect that can
            # only hang: while the database is known down, the probe alone tries it.
            if self._circuit.known_down() and not probe:
                raise liveness.DatabaseUnavailable("the database is unreachable")
            configured = float(self._connect_kwargs.get("connect_timeout", liveness.STALL_TIMEOUT))
            try:
                async with asyncio.timeout(liveness.time_left(configured) + 1):
                    self._connection = await psycopg.AsyncConnection.connect(
                        **{**self._connect_kwargs, "connect_timeout": max(2, round(liveness.time_left(configured)))},
                        autocommit=True,
                    )
            except TimeoutError:
                if liveness.past_deadline():
                    raise liveness.DeadlinePassed("the request's deadline passed waiting for a connection") from None
                self._circuit.trip("no connection: timeout")
                raise liveness.DatabaseUnavailable("the database did not answer") from None
            except psycopg.Error as error:
                self._circuit.trip(f"no connection: {type(error).__name__}")
                raise _as_sqlalchemy(error, "", None, invalidated=True) from error
            return self._connection, True

    async def _discard(self, connection: psycopg.AsyncConnection[Any]) -> None:
        if self._connection is connection:
            self._connection = None
        with contextlib.suppress(Exception):  # closing a connection already gone
            await connection.close()


def _as_sqlalchemy(error: psycopg.Error, sql: str, values: Any, *, invalidated: bool) -> StatementError:
    """The error SQLAlchemy raises for `error` (an OperationalError for a lost connection)."""
    return DBAPIError.instance(
        sql, values, error, psycopg.Error, hide_parameters=True, connection_invalidated=invalidated
    )
