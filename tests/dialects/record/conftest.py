"""Record test fixtures: a live HTTP server (for truly concurrent requests) and a program."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from programhub.store import Store
from tests.dialects.record.helpers import make_program
from tests.support import Tenants


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The test app served by uvicorn on 127.0.0.1 in a background thread; yields its base URL.
    Requests from several threads reach it at the same time, through real sockets."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def program_id(store: Store, tenants: Tenants) -> str:
    """A programme of organisation A in test mode."""
    return make_program(store, tenants.a_test, "Cyber Security", "Cyber Security Program")
