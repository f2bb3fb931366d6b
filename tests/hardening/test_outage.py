"""Database outage: PostgreSQL goes away and comes back while the service runs.

The real server is never touched: a TCP proxy the test controls (proxy_tcp.py) sits
between the app and PostgreSQL, and "stops the database" by refusing and dropping
connections, or by hanging (accepting, never answering, open connections gone silent).
The app is built from settings alone, as `programhub serve` builds it, so its engine has
the production pool and timeouts; only the stall timeout (35 s in production) is lowered so
that the test need not wait that long for it.

- Every dialect answers 503 in its own envelope, reads and writes alike, and so does the
  credential page; /readyz reports the database unreachable; /healthz stays 200.
- Refused: at once. Hanging: within a bound (the connect timeout for new connections, the
  stall timeout for open ones), never a hang.
- When the database returns, service resumes by itself: the first requests succeed,
  including after an outage nobody noticed (connections idle in the pool were cut).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from programhub.app import create_app
from programhub.core.listings.models import listings
from programhub.settings import Settings
from programhub.store import Store, liveness, open_store
from tests.conftest import PUBLIC_URL
from tests.dialects.sunbird.support import failure
from tests.dialects.webadmit.support import make_identity
from tests.hardening.proxy_tcp import TcpProxy
from tests.support import TenantKey, Tenants, serve_in_thread

# Storage is PostgreSQL's here by nature: the outage is of a database server.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

STALL_TIMEOUT = 3.0
CONNECT_TIMEOUT = 5.0  # engine.py's connect_timeout
REFUSED_BOUND = 2.0  # a refused database is answered at once
HANG_BOUND = STALL_TIMEOUT + CONNECT_TIMEOUT + 3.0  # a stalled ping, then a connect that hangs, and slack

UNAVAILABLE = "The service is temporarily unavailable; try again shortly."
RECORD = "/api/external/issuance"
CATALOG = "/api/v1"
SUNBIRD = "/program/v1"
WEBADMIT = "/api/v1/user_identities"


@dataclass
class Outage:
    base_url: str
    proxy: TcpProxy
    key: TenantKey
    record_program: str
    recipient: str


@pytest.fixture
def outage(database_url: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outage]:
    """The app on a database reached through a proxy, with data to read in every dialect."""
    monkeypatch.setattr(liveness, "STALL_TIMEOUT", STALL_TIMEOUT)
    key = tenants.a_test
    make_identity(store, key.tenant)
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app = create_app(Settings(database_url=proxied, public_url=PUBLIC_URL, log_requests=False))
        try:
            with serve_in_thread(app) as base_url, httpx2.Client(base_url=base_url, timeout=30) as http:
                program = http.post(f"{RECORD}/programs", json={"name": "Outage"}, headers=key.bearer)
                issued = http.post(f"{RECORD}/credentials", headers=key.bearer, json={
                    "programId": program.json()["data"]["programId"], "batchName": "B",
                    "recipients": [{"name": "Ada", "email": "ada@example.edu"}]})
                assert issued.status_code == 201, issued.text
                yield Outage(base_url, proxy, key, program.json()["data"]["programId"],
                             issued.json()["data"]["recipients"][0]["recipientId"])
        finally:
            app.state.store.dispose()


# --- every face of the service, and what each says when the database is away ------------------

Call = Callable[[httpx2.Client, Outage], httpx2.Response]
Check = Callable[[httpx2.Response], None]


def _record_error(response: httpx2.Response) -> None:
    assert (response.status_code, response.json()) == (
        503, {"success": False, "code": "SERVICE_UNAVAILABLE", "message": UNAVAILABLE})


def _catalog_error(response: httpx2.Response) -> None:
    assert (response.status_code, response.json()) == (503, {"errors": [{"message": UNAVAILABLE}]})


def _sunbird_error(api: str) -> Check:
    return lambda response: failure(response, 503, api, "ERR_SERVICE_UNAVAILABLE", UNAVAILABLE,
                                    code="SERVER_ERROR", msgid="outage")


def _webadmit_error(response: httpx2.Response) -> None:
    assert (response.status_code, response.json()) == (503, {"message": "Service Unavailable"})


def _page_error(response: httpx2.Response) -> None:
    assert response.status_code == 503 and "Temporarily unavailable" in response.text


def _not_ready(response: httpx2.Response) -> None:
    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": "unreachable"})


def _sunbird(path: str, request: dict[str, Any]) -> Call:
    return lambda http, o: http.post(f"{SUNBIRD}{path}", json={"request": request, "params": {"msgid": "outage"}},
                                     headers=o.key.bearer)


# (name, request, its answer when the database is away, the status when it is back)
CALLS: list[tuple[str, Call, Check, int]] = [
    ("record list", lambda http, o: http.get(f"{RECORD}/programs", headers=o.key.bearer), _record_error, 200),
    ("record issue", lambda http, o: http.post(f"{RECORD}/credentials", headers=o.key.bearer, json={
        "programId": o.record_program, "batchName": "During outage",
        "recipients": [{"name": "Bo", "email": "bo@example.edu"}]}), _record_error, 201),
    ("credential page json", lambda http, o: http.get(f"/credentials/{o.recipient}", headers={"Accept": "application/json"}),
     _record_error, 200),
    ("credential page html", lambda http, o: http.get(f"/credentials/{o.recipient}", headers={"Accept": "text/html"}),
     _page_error, 200),
    ("catalog list", lambda http, o: http.get(f"{CATALOG}/programs", headers=o.key.token), _catalog_error, 200),
    ("catalog create", lambda http, o: http.post(f"{CATALOG}/programs", json={"program": {"title": "During outage"}},
                                                 headers=o.key.token), _catalog_error, 201),
    ("sunbird list", _sunbird("/list", {"filters": {}}), _sunbird_error("api.program.list"), 200),
    ("sunbird create", _sunbird("/create", {"name": "During outage", "type": "public"}),
     _sunbird_error("api.program.create"), 200),
    ("webadmit identities", lambda http, o: http.get(WEBADMIT, headers=o.key.x_api_key), _webadmit_error, 200),
    ("readiness", lambda http, _o: http.get("/readyz"), _not_ready, 200),
]


def _all_at_once(outage: Outage) -> list[tuple[str, httpx2.Response, float]]:
    """Every call, each from its own thread and connection; with the time each took."""

    def timed(name: str, call: Call) -> tuple[str, httpx2.Response, float]:
        with httpx2.Client(base_url=outage.base_url, timeout=HANG_BOUND + 5) as http:
            started = time.monotonic()
            response = call(http, outage)
            return name, response, time.monotonic() - started

    with ThreadPoolExecutor(len(CALLS)) as pool:
        return list(pool.map(lambda entry: timed(entry[0], entry[1]), CALLS))


def _assert_unavailable(outage: Outage, bound: float) -> None:
    checks = {name: check for name, _call, check, _status in CALLS}
    for name, response, took in _all_at_once(outage):
        checks[name](response)
        assert took < bound, f"{name} took {took:.1f} s"
    with httpx2.Client(base_url=outage.base_url) as http:
        assert http.get("/healthz").json() == {"status": "ok"}


def _assert_served(outage: Outage) -> None:
    """The first attempt of every call succeeds (no retry): service resumed by itself."""
    statuses = {name: status for name, _call, _check, status in CALLS}
    for name, response, _took in _all_at_once(outage):
        assert response.status_code == statuses[name], (name, response.text[:300])


def _wait_until_ready(outage: Outage) -> None:
    """Once the database is back, the service notices by itself within the circuit's cool-down
    (it failed fast meanwhile, liveness.COOL_DOWN) and a probe's connection: /readyz says so."""
    deadline = time.monotonic() + liveness.COOL_DOWN + CONNECT_TIMEOUT
    with httpx2.Client(base_url=outage.base_url, timeout=HANG_BOUND) as http:
        while http.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the service did not notice that the database came back"
            time.sleep(0.1)


def _written_during_outage(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(listings)
                                .where(listings.c.name == "During outage")).scalar_one())


def test_a_refused_database_is_503_at_once_in_every_envelope_and_service_resumes(outage: Outage, store: Store) -> None:
    _assert_served(outage)  # the pool holds connections the outage will cut
    written = _written_during_outage(store)
    outage.proxy.down()
    _assert_unavailable(outage, REFUSED_BOUND)
    _assert_unavailable(outage, REFUSED_BOUND)  # and again: nothing wedged by the first round
    assert _written_during_outage(store) == written
    outage.proxy.up()
    _wait_until_ready(outage)
    _assert_served(outage)


def test_a_hanging_database_is_503_within_a_bound_and_service_resumes(outage: Outage) -> None:
    _assert_served(outage)
    outage.proxy.hang()
    # first the pooled connections, open when the hang began, stop answering ...
    _assert_unavailable(outage, HANG_BOUND)
    assert outage.proxy.swallowed_on_open_links > 0
    # ... then, once the circuit's cool-down lets a probe through, the new connection that
    # replaces them is accepted but never answered (within the cool-down nothing connects)
    time.sleep(liveness.COOL_DOWN + 0.2)
    _assert_unavailable(outage, HANG_BOUND)
    assert outage.proxy.held > 0
    outage.proxy.up()
    _wait_until_ready(outage)
    _assert_served(outage)


def test_after_an_outage_nobody_noticed_the_first_requests_succeed(outage: Outage) -> None:
    """The database went away and came back while the service was idle: the connections
    in its pool were cut. They must not be handed to the next requests."""
    _assert_served(outage)
    outage.proxy.down()  # resets every open connection
    time.sleep(liveness.PING_AFTER_IDLE + 0.2)
    outage.proxy.up()
    _assert_served(outage)


def test_every_wait_on_the_database_is_bounded(database_url: str) -> None:
    """The settings that bound a request's wait, as the service opens its engine: the pool
    (a request waits at most 10 s for a connection), the connect timeout, the server's
    statement timeout, and the stall timeout above it (liveness.py)."""
    store = open_store(database_url)
    try:
        assert len(store.engines) == 3  # transactions, the reads on the loop, the key lookups' autocommit pool
        for engine in store.engines:
            assert engine.pool.timeout() == 10
        for connection in (store.read, store.lookup):
            with connection() as conn:
                assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "30s"
                assert conn.connection.dbapi_connection.info.get_parameters()["connect_timeout"] == "5"
        assert 30 < liveness.STALL_TIMEOUT <= 60
    finally:
        store.dispose()


# --- 80 clients during a 75 s hang: the documented bound holds, and known down means fast --------

HANG_SECONDS = 75.0
CLIENTS = 80
# Known down, an answer waits for no timeout: the shortest it would otherwise wait is the
# connect timeout (5 s). Under 2.5 s leaves room for 80 client threads and a server sharing
# two loaded cores (a 1.0 s bound failed once at 1.03 s in CI).
FAST = 2.5
REQUEST_TIMEOUT = 30.0  # the documented default of PROGRAMHUB_REQUEST_TIMEOUT


@pytest.mark.slow
def test_80_clients_during_a_75_s_hang_are_answered_within_the_deadline_and_then_at_once(
    outage: Outage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18, finding 4: time queued for a thread or a pooled connection counted in no
    bound (80 answers came after more than 35 s, the slowest after 73.8 s). With production
    timeouts (the stall timeout too), every request is answered within the request deadline,
    503 in its envelope; once the database is known to be down, answers come at once."""
    monkeypatch.setattr(liveness, "STALL_TIMEOUT", 35.0)
    bound = REQUEST_TIMEOUT + 2.0
    checks = {name: check for name, _call, check, _status in CALLS}
    _assert_served(outage)
    answers: list[tuple[str, float, float, httpx2.Response]] = []  # (call, sent at, took, answer)
    failures: list[str] = []
    lock = threading.Lock()
    outage.proxy.hang()
    hung_at = time.monotonic()

    def client(index: int) -> None:
        with httpx2.Client(base_url=outage.base_url, timeout=bound + 30) as http:
            turn = index
            while (sent := time.monotonic()) < hung_at + HANG_SECONDS:
                name, call, _check, _status = CALLS[turn % len(CALLS)]
                turn += 1
                try:
                    response = call(http, outage)
                except httpx2.HTTPError as exc:
                    with lock:
                        failures.append(f"{name}: {exc!r}")
                    continue
                with lock:
                    answers.append((name, sent - hung_at, time.monotonic() - sent, response))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG_SECONDS + bound + 60)
    outage.proxy.up()
    assert not failures, failures[:5]
    slowest = max(took for _name, _sent, took, _response in answers)
    assert slowest <= bound, f"an answer took {slowest:.1f} s"
    for name, _sent, _took, response in answers:
        if response.status_code != 200:  # those that got through as the hang began
            checks[name](response)
    late = sorted(took for _name, sent, took, _response in answers if sent > HANG_SECONDS - 30)
    assert len(late) > 1000  # known down: the clients were not held up
    assert late[int(len(late) * 0.95)] < FAST, f"95% of the late answers within {late[int(len(late) * 0.95)]:.2f} s"
    _wait_until_ready(outage)
    _assert_served(outage)
