"""A TCP proxy the outage tests put between the app and PostgreSQL, to take "the database"
away and bring it back without touching the real server.

Three states, switched by the test at any moment:
- `up()`: forwards bytes both ways.
- `down()`: refuses new connections (the listening socket is closed, so a connect gets
  ECONNREFUSED) and drops every open one with a reset, as when the server dies.
- `hang()`: accepts new connections but never answers them, and open connections go
  silent (what the client sends is swallowed, nothing comes back), as when the server or
  the network stalls. Only the client's own timeouts can end a wait.

Leaving `hang()` resets every connection that was silenced (their byte streams lost data).
Threads: one accepting, two per forwarded connection; all are daemons and end at `close()`.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from enum import Enum


class State(Enum):
    UP = "up"
    DOWN = "down"
    HANG = "hang"


@dataclass(eq=False)
class _Link:
    client: socket.socket
    upstream: socket.socket | None  # None: accepted while hanging, never connected
    silenced: bool = False
    closed: bool = field(default=False)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (not a FIN), waking any thread blocked on it first."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.state = State.UP
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._listener: socket.socket | None = None
        self.port = 0
        # What the tests read: connections accepted while hanging, and bytes swallowed on
        # connections that were forwarding when the hang began.
        self.held = 0
        self.swallowed_on_open_links = 0

    # --- life -------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def close(self) -> None:
        with self._lock:
            self.state = State.DOWN
            self._close_listener()
            links, self._links = self._links, set()
        for link in links:
            self._drop(link)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- states -----------------------------------------------------------------------

    def up(self) -> None:
        with self._lock:
            was = self.state
            self.state = State.UP
            stale = {link for link in self._links if link.silenced} if was is State.HANG else set()
            self._links -= stale
        for link in stale:
            self._drop(link)
        if self._listener is None:
            self._listen()

    def down(self) -> None:
        with self._lock:
            self.state = State.DOWN
            self._close_listener()
            links, self._links = self._links, set()
        for link in links:
            self._drop(link)

    def hang(self) -> None:
        with self._lock:
            self.state = State.HANG
            for link in self._links:
                link.silenced = True
        if self._listener is None:
            self._listen()

    def open_links(self) -> int:
        with self._lock:
            return len(self._links)

    # --- machinery --------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="proxy-accept").start()

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                state = self.state
            if state is State.DOWN:
                _reset(client)
                continue
            if state is State.HANG:
                self._hold(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            link = _Link(client, upstream)
            with self._lock:
                self._links.add(link)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(link, source, sink), daemon=True, name="proxy-pump").start()

    def _hold(self, client: socket.socket) -> None:
        """Accepted while hanging: read and swallow whatever comes, answer nothing."""
        link = _Link(client, None, silenced=True)
        with self._lock:
            self._links.add(link)
            self.held += 1
        threading.Thread(target=self._pump, args=(link, client, None), daemon=True, name="proxy-hold").start()

    def _pump(self, link: _Link, source: socket.socket, sink: socket.socket | None) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if link.silenced or sink is None:
                    if sink is not None:
                        self.swallowed_on_open_links += len(data)
                    continue  # swallowed: the other side never hears of it
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._links.discard(link)
        self._drop(link)

    def _drop(self, link: _Link) -> None:
        if link.closed:
            return
        link.closed = True
        _reset(link.client)
        if link.upstream is not None:
            _reset(link.upstream)
