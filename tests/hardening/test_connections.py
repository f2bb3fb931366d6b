"""Connections and request heads against a real `programhub serve` process (issue 18,
findings 2 and 3): no connection, header or client can exhaust the process.

- A request head (request line and headers) over 16 KB, or over 100 header fields, is
  refused with 431 and the connection closed; 16 KB exactly is served. A 10 MB header and
  20,000 headers are refused.
- 20 connections sending 50 MB heads that never finish do not grow the server's memory
  beyond a bound (nothing past 16 KB is buffered).
- A connection that sends nothing, or its head a byte at a time, is closed after the header
  timeout; an idle kept-alive connection after the keep-alive timeout.
- Past the connection cap, new connections are closed as soon as they are accepted: the
  server's open descriptors stay bounded however many connections a client opens, and once
  the half-open ones time out, the server serves again.
- Past the in-flight cap, a request is answered 503 at once in its dialect's envelope.

Storage plays no part here: the server runs on a SQLite file.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.hardening.live_process import ServerProcess

HEAD_LIMIT = 16 * 1024
FIELD_LIMIT = 100
UNAVAILABLE = "The service is temporarily unavailable; try again shortly."

StartServer = Callable[..., ServerProcess]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[StartServer]:
    """Start `programhub serve` with some PROGRAMHUB_* settings (keyword: value)."""
    started: list[ServerProcess] = []

    def start(**settings: object) -> ServerProcess:
        server = ServerProcess(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / f"server-{len(started)}.log")
        server.env.update({f"PROGRAMHUB_{name.upper()}": str(value) for name, value in settings.items()})
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


def connect(server: ServerProcess, timeout: float = 10) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def exchange(server: ServerProcess, data: bytes, timeout: float = 10) -> bytes:
    """Send `data` on a new connection and read until the server closes it; b"" when the
    server reset the connection before anything could be read."""
    with connect(server, timeout) as sock:
        with suppress(OSError):  # the server may stop reading (and close) before all is sent
            sock.sendall(data)
        received = b""
        with suppress(OSError):
            while chunk := sock.recv(65536):
                received += chunk
        return received


def head(*fields: bytes, target: bytes = b"/healthz") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + b"".join(fields) + b"\r\n"


def padded_head(size: int) -> bytes:
    """A head of exactly `size` bytes."""
    bare = len(head(b"X-Pad: \r\n"))
    return head(b"X-Pad: " + b"a" * (size - bare) + b"\r\n")


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes `sock` within `seconds` (reading whatever it sends)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def resident_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} for {pid}")


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def pid_of(server: ServerProcess) -> int:
    assert server.process is not None
    return server.process.pid


# --- finding 3: request heads ---------------------------------------------------------------


def test_a_head_over_16_kb_or_100_fields_is_431_and_at_the_bounds_it_is_served(serve: StartServer) -> None:
    server = serve()
    assert status_of(exchange(server, padded_head(HEAD_LIMIT))) == 200
    refused = exchange(server, padded_head(HEAD_LIMIT + 1))
    assert status_of(refused) == 431
    assert refused.endswith(
        b'{"error":{"code":"request_header_fields_too_large","message":"The request\'s header section is too '
        b'large: at most 16384 bytes and 100 header fields."}}'
    )
    assert b"connection: close" in refused.lower()
    # Host and Connection are two of the fields
    assert status_of(exchange(server, head(*(b"X-%d: 1\r\n" % i for i in range(FIELD_LIMIT - 2))))) == 200
    assert status_of(exchange(server, head(*(b"X-%d: 1\r\n" % i for i in range(FIELD_LIMIT - 1))))) == 431
    # a long request line counts too
    assert status_of(exchange(server, head(target=b"/healthz?" + b"q=1&" * (HEAD_LIMIT // 4)))) == 431


def test_a_10_mb_header_and_20000_headers_are_refused_and_the_server_keeps_serving(serve: StartServer) -> None:
    server = serve()
    huge = exchange(server, head(b"X-Huge: " + b"a" * 10 * 1024 * 1024 + b"\r\n"))
    assert status_of(huge) in (431, 0)  # 0: the server closed before the client finished sending
    many = exchange(server, head(*(b"X-%d: 1\r\n" % i for i in range(20_000))))
    assert status_of(many) in (431, 0)
    assert status_of(exchange(server, head())) == 200
    assert resident_mb(pid_of(server), "VmHWM") < 200


def test_unfinished_50_mb_heads_on_20_connections_do_not_grow_the_server(serve: StartServer) -> None:
    server = serve()
    pid = pid_of(server)
    assert status_of(exchange(server, head())) == 200
    before = resident_mb(pid)
    chunk = b"a" * (1024 * 1024)
    sent: list[int] = [0] * 20

    def send_unfinished_head(index: int) -> None:
        with connect(server, timeout=60) as sock, suppress(OSError):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
            for _ in range(50):  # 50 MB, and never the end of the head
                sock.sendall(chunk)
                sent[index] += len(chunk)

    threads = [threading.Thread(target=send_unfinished_head, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    growth = resident_mb(pid, "VmHWM") - before
    assert growth < 64, f"the server grew by {growth:.0f} MB"
    assert max(sent) < 50 * len(chunk), "a 50 MB head was taken in whole"
    assert status_of(exchange(server, head())) == 200


# --- finding 2: connections -----------------------------------------------------------------


def test_a_silent_or_trickling_connection_is_closed_after_the_header_timeout(serve: StartServer) -> None:
    server = serve(header_timeout=1)
    with connect(server) as silent:
        started = time.monotonic()
        assert closed_within(silent, 5)
        assert time.monotonic() - started < 3
    with connect(server) as trickling:
        started = time.monotonic()
        trickling.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        with suppress(OSError):
            while time.monotonic() - started < 5:
                trickling.sendall(b"X")  # a byte at a time: the timeout is not renewed by data
                time.sleep(0.2)
        assert closed_within(trickling, 1)
        assert time.monotonic() - started < 5
    assert status_of(exchange(server, head())) == 200


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(serve: StartServer) -> None:
    server = serve(keep_alive_timeout=1)
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status_of(sock.recv(65536)) == 200
        started = time.monotonic()
        assert closed_within(sock, 4)
        assert time.monotonic() - started < 2.5


def test_connections_past_the_cap_are_closed_at_once_and_descriptors_stay_bounded(serve: StartServer) -> None:
    cap = 50
    server = serve(max_connections=cap, header_timeout=3)
    pid = pid_of(server)
    baseline = open_descriptors(pid)
    half_open = [connect(server) for _ in range(400)]  # connected, never a byte sent
    try:
        time.sleep(0.5)
        assert open_descriptors(pid) <= baseline + cap
        refused = sum(closed_within(sock, 0.05) for sock in half_open[cap + 10 :])
        assert refused == len(half_open) - cap - 10  # every one past the cap (and some slack) closed at once
        # the half-open ones the server kept are closed by the header timeout, then it serves again
        time.sleep(3.5)
        assert status_of(exchange(server, head())) == 200
        assert open_descriptors(pid) <= baseline + 2
    finally:
        for sock in half_open:
            sock.close()


def test_requests_past_the_in_flight_cap_are_503_at_once_in_the_dialects_envelope(serve: StartServer) -> None:
    server = serve(max_in_flight=2)
    waiting = []
    for _ in range(2):  # two requests in flight: their bodies never come
        sock = connect(server)
        sock.sendall(b"POST /program/v1/unknown HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        waiting.append(sock)
    try:
        time.sleep(0.3)
        started = time.monotonic()
        answer = exchange(server, head(target=b"/api/v1/programs"))
        # At once: not after the 10 s header timeout that would free a slot. A second is
        # the usual bound; 3 s leaves room for a machine busy with other tests (1.05 s seen).
        assert time.monotonic() - started < 3
        assert status_of(answer) == 503
        assert b"retry-after: 1" in answer.lower()
        assert answer.endswith(b'{"errors":[{"message":"' + UNAVAILABLE.encode() + b'"}]}')
    finally:
        for sock in waiting:
            sock.close()
    time.sleep(0.3)
    assert status_of(exchange(server, head(target=b"/api/v1/programs"))) == 401  # served again (no key)
