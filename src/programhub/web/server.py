"""The HTTP connections of `programhub serve`: uvicorn with httptools' parser (the fastest
it has), plus the bounds neither enforces by itself, so that no connection or header can
exhaust the process (docs/security.md, "Bounds"):

- a request head (request line and header fields) of at most `max_header_bytes` and
  `max_headers` fields: past either, 431 and the connection is closed. Bytes are fed to the
  parser only while they fit, so an unfinished head never holds more than the bound
  (httptools would otherwise buffer a header of any length whole);
- `header_timeout` to receive a whole head, counted from the connection's opening for its
  first request and from a request's first byte for later ones: a connection that sends
  nothing, or its head a byte at a time, is closed;
- at most `max_connections` open connections: past it, a new connection is closed the
  moment it is accepted, so file descriptors are never exhausted (the soft descriptor
  limit is raised to fit the bound where the hard limit allows, and the bound lowered
  where it does not);
- uvicorn's own keep-alive timeout, from `keep_alive_timeout` (cli.py).

Requests themselves (how many at once, how long each) are bounded in `web/bounds.py`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import resource
import time
from dataclasses import dataclass
from typing import Any

import httptools
import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from programhub.settings import Settings

log = logging.getLogger("programhub.server")

# Descriptors kept for everything but client connections: database connections (58 at
# most on PostgreSQL), SQLite files, the listening socket, logs, the event loop's own.
RESERVED_DESCRIPTORS = 128
# A refused connection is logged at most this often (an attack would otherwise flood the log).
REFUSAL_LOG_INTERVAL = 10.0


@dataclass(frozen=True, slots=True)
class ConnectionBounds:
    max_connections: int
    max_header_bytes: int
    max_headers: int
    header_timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionBounds:
        return cls(
            max_connections=_fit_descriptors(settings.max_connections),
            max_header_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
            header_timeout=settings.header_timeout,
        )


def _fit_descriptors(wanted: int) -> int:
    """`wanted` connections, or as many as the process's descriptor limit leaves room for
    once it is raised as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + RESERVED_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        if raised > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted
    fitted = max(1, soft - RESERVED_DESCRIPTORS)
    log.warning("open file limit %d leaves room for %d connections, not %d", soft, fitted, wanted)
    return fitted


@functools.cache
def process_bounds() -> ConnectionBounds:
    """This process's bounds, from its environment (read once)."""
    return ConnectionBounds.from_settings(Settings.from_env())


class HeadTooLarge(Exception):
    """A request head past `max_header_bytes` or `max_headers`."""


class _Refusals:
    """Connections refused at the cap, logged at most once per REFUSAL_LOG_INTERVAL."""

    def __init__(self) -> None:
        self.since_logged = 0
        self.logged_at = 0.0

    def note(self, open_connections: int) -> None:
        self.since_logged += 1
        now = time.monotonic()
        if now - self.logged_at >= REFUSAL_LOG_INTERVAL:
            log.warning(
                "refused %d connection(s): %d open, the most allowed (PROGRAMHUB_MAX_CONNECTIONS)",
                self.since_logged,
                open_connections,
            )
            self.since_logged, self.logged_at = 0, now


_REFUSALS = _Refusals()


def head_too_large_response(bounds: ConnectionBounds) -> bytes:
    body = orjson.dumps(
        {
            "error": {
                "code": "request_header_fields_too_large",
                "message": f"The request's header section is too large: at most {bounds.max_header_bytes} "
                f"bytes and {bounds.max_headers} header fields.",
            }
        }
    )
    return (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + body
    )


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the bounds above."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.bounds = process_bounds()
        self.refused = False
        self.reading_head = True  # the next bytes belong to a request head
        self.head_bytes = 0
        self.head_fields = 0
        self.head_timer: asyncio.TimerHandle | None = None

    # --- connections ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.bounds.max_connections:
            self.refused = True
            _REFUSALS.note(len(self.connections))
            transport.abort()  # a reset frees the descriptor at once
            return
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refused:
            return
        self._stop_head_timer()
        super().connection_lost(exc)

    # --- the head ---------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            while self.reading_head and data:
                room = self.bounds.max_header_bytes - self.head_bytes
                if room <= 0:
                    raise HeadTooLarge
                piece, data = data[:room], data[room:]
                self.head_bytes += len(piece)
                self.parser.feed_data(piece)
                if self.transport.is_closing():
                    return
            if data:
                self.parser.feed_data(data)
        except HeadTooLarge:
            self._refuse_head()
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, HeadTooLarge):
                self._refuse_head()
            else:
                self._refuse_invalid()
        except httptools.HttpParserError:
            self._refuse_invalid()
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.head_timer is None:
            self._start_head_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_fields += 1
        if self.head_fields > self.bounds.max_headers:
            raise HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.reading_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.reading_head, self.head_bytes, self.head_fields = True, 0, 0

    def _refuse_head(self) -> None:
        if self._answering():  # a pipelined head behind an answer still being written
            self.transport.abort()
            return
        self.transport.write(head_too_large_response(self.bounds))
        self.transport.close()

    def _refuse_invalid(self) -> None:
        message = "Invalid HTTP request received."
        self.logger.warning(message)
        self.send_400_response(message)

    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    # --- the head timeout -------------------------------------------------------------

    def _start_head_timer(self) -> None:
        self.head_timer = self.loop.call_later(self.bounds.header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing() or not self.reading_head:
            return
        if self._answering():  # a request is still being answered: its head came in time
            self._start_head_timer()
            return
        self.transport.close()
