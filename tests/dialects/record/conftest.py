"""Record test fixtures: a live HTTP server (for truly concurrent requests) and a program."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from programhub.store import Store
from tests.dialects.record.support import make_program
from tests.support import Tenants, serve_in_thread


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The test app served by uvicorn in a background thread (tests.support.serve_in_thread)."""
    with serve_in_thread(app) as base_url:
        yield base_url


@pytest.fixture
def program_id(store: Store, tenants: Tenants) -> str:
    """A programme of organisation A in test mode."""
    return make_program(store, tenants.a_test, "Cyber Security", "Cyber Security Program")
