"""Credential links cannot be enumerated (issue 18, finding 5), on SQLite and PostgreSQL:
a recipient id carried 31 random bits and shared its timestamp with its whole batch, and the
public page answered 300 guesses a second from one client without a 429.

- Every credential link carries at least 128 random bits; ids issued before keep working.
- The page has a per-address rate limit kept in the database, so it holds across server
  processes: past it, 429 with Retry-After, as a page or in Record's JSON envelope.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from programhub.app import create_app
from programhub.core.credentials.models import credential_batches, credential_recipients
from programhub.dialects.record.routes import pages
from programhub.settings import Settings
from programhub.store import Store
from tests.conftest import PUBLIC_URL
from tests.dialects.record.support import BASE, issue_body, make_program, people
from tests.support import Tenants

LIMIT = 5


def app_with_limit(database_url: str, store: Store, limit: int = LIMIT) -> FastAPI:
    return create_app(
        Settings(database_url=database_url, public_url=PUBLIC_URL, credential_page_rate_limit=limit), store=store
    )


def issue(client: TestClient, tenants: Tenants, store: Store, count: int) -> list[str]:
    program = make_program(store, tenants.a_test, "Links")
    response = client.post(f"{BASE}/credentials", json=issue_body(program, people(count)), headers=tenants.a_test.bearer)
    assert response.status_code == 201, response.text
    return [r["credentialUrl"].removeprefix(PUBLIC_URL) for r in response.json()["data"]["recipients"]]


def test_every_credential_link_carries_at_least_128_random_bits(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    links = issue(client, tenants, store, 50)
    for link in links:
        match = re.fullmatch(r"/credentials/rec_(\d{13})_([0-9A-Za-z]+)", link)
        assert match, link
        # The timestamp is shared by the batch: all of the secret is the random part.
        assert len(match.group(2)) * math.log2(62) >= 128, link
    assert len({link.rsplit("_", 1)[1] for link in links}) == 50


def test_an_id_issued_before_still_opens_its_page(client: TestClient, store: Store, tenants: Tenants) -> None:
    issue(client, tenants, store, 1)
    legacy = "rec_1747661402952_zlymqs"  # rec_<ms>_<6 base36>, as issued before
    with store.write() as conn:
        batch = conn.execute(select(credential_batches.c.id, credential_batches.c.org_id, credential_batches.c.mode)).first()
        assert batch is not None
        conn.execute(insert(credential_recipients).values(
            public_id=legacy, batch_id=batch.id, org_id=batch.org_id, mode=batch.mode, position=1, name="Old Timer",
            email="old@example.edu"))
    page = client.get(f"/credentials/{legacy}", headers={"Accept": "application/json"})
    assert page.status_code == 200 and page.json()["data"]["recipientId"] == legacy
    assert "Old Timer" in client.get(f"/credentials/{legacy}").text


def test_past_the_limit_an_address_gets_429_as_a_page_or_json_and_other_addresses_do_not(
    database_url: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "clock", lambda: 1_800_000_010.0)  # 50 s before the minute turns
    app = app_with_limit(database_url, store)
    with TestClient(app, client=("203.0.113.7", 40000)) as guesser, TestClient(app, client=("198.51.100.1", 40000)) as other:
        link = issue(guesser, tenants, store, 1)[0]
        for attempt in range(LIMIT):
            target = link if attempt == 0 else f"/credentials/rec_1747661402952_guess{attempt}"
            assert guesser.get(target).status_code in (200, 404)
        page = guesser.get(link)
        assert page.status_code == 429
        assert page.headers["retry-after"] == "50"
        assert page.headers["content-type"].startswith("text/html")
        assert "Too many requests" in page.text and "at most 5 a minute" in page.text
        as_json = guesser.get(link, headers={"Accept": "application/json"})
        assert (as_json.status_code, as_json.json()) == (429, {
            "success": False, "code": "RATE_LIMITED",
            "message": "Too many credential pages were opened from this address: at most 5 a minute; "
                       "try again in 50 seconds."})
        assert as_json.headers["retry-after"] == "50"
        assert other.get(link).status_code == 200  # another address has its own count
    monkeypatch.setattr(pages, "clock", lambda: 1_800_000_060.0)  # the next minute
    with TestClient(app, client=("203.0.113.7", 40000)) as guesser:
        assert guesser.get(link).status_code == 200
    with store.read() as conn:  # old windows are forgotten once the minute turned
        windows = conn.execute(text("SELECT DISTINCT window_start FROM address_rate_limit_windows")).scalars().all()
    assert windows == [1_800_000_060]


def test_the_limit_holds_across_server_processes(
    database_url: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps (as two server processes would) on one database share one count."""
    monkeypatch.setattr(pages, "clock", lambda: datetime(2027, 1, 1, 12, 0, 5, tzinfo=UTC).timestamp())
    first, second = app_with_limit(database_url, store), app_with_limit(database_url, store)
    with TestClient(first, client=("2001:db8::1", 1)) as one, TestClient(second, client=("2001:db8::2", 1)) as two:
        link = issue(one, tenants, store, 1)[0]
        statuses = [(one if turn % 2 else two).get(link).status_code for turn in range(LIMIT + 2)]
    # both addresses are in one /64: one client, counted once across both processes
    assert statuses == [200] * LIMIT + [429, 429]
