"""Crash safety: a real `programhub serve` process, a load of writes through three
dialects, SIGKILL in the middle of it, a restart on the same database (a SQLite file, a
PostgreSQL database), twice. Afterwards:

- every write the client saw acknowledged is there and whole, as the API shows it: a
  Record batch with all its recipients and a Record programme (each the same body the
  POST answered), a Catalog program with its requirements in order, a Sunbird program
  with its fields, a nomination with its roles;
- nothing is half-written, as the database holds it: no batch whose recipients differ
  from its count, no requirement list with gaps, no nomination whose role rows differ
  from its rolemapping, no program whose facets differ from its fields, the counts the
  database keeps for Catalog lists equal to a fresh count, no idempotency key without
  its stored answer;
- a Record issue that got no answer (the process died under it) is retried with its
  Idempotency-Key after the restart, and then exists exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa

from programhub.core.credentials.models import credential_batches, credential_recipients
from programhub.core.idempotency.models import idempotency_keys
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listing_counts, listings, program_facets, requirements
from programhub.core.nominations.models import nomination_roles, nominations
from programhub.store import Store
from tests.hardening.live_process import ServerProcess
from tests.support import TenantKey, Tenants

pytestmark = pytest.mark.slow

RECORD = "/api/external/issuance"
CATALOG = "/api/v1"
SUNBIRD = "/program/v1"
WORKERS = 4
CYCLES = 2
ACKNOWLEDGED_BEFORE_KILL = 24  # per cycle: the kill comes once this many writes were answered


@dataclass
class Ledger:
    """What the client was told (acknowledged) and what it sent without an answer."""

    batches: dict[str, dict[str, Any]] = field(default_factory=dict)  # batchId -> the POST's data
    record_programs: dict[str, dict[str, Any]] = field(default_factory=dict)  # programId -> the POST's data
    catalog_programs: dict[int, tuple[str, list[int]]] = field(default_factory=dict)  # id -> (title, requirement ids)
    sunbird_programs: dict[str, dict[str, Any]] = field(default_factory=dict)  # program_id -> request
    nominations: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> request
    unanswered_issues: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (key, body)
    in_flight_at_kill: int = 0  # requests sent whose answer never came
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        return (len(self.batches) + len(self.record_programs) + len(self.catalog_programs) + len(self.sunbird_programs)
                + len(self.nominations))


class Load:
    """WORKERS threads, each writing in turn through Record, Catalog and Sunbird until the
    server stops answering."""

    def __init__(self, base_url: str, key: TenantKey, ledger: Ledger, fixtures: dict[str, Any], cycle: int) -> None:
        self.base_url, self.key, self.ledger, self.fixtures, self.cycle = base_url, key, ledger, fixtures, cycle
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(w,), daemon=True) for w in range(WORKERS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.threads), "a load thread did not stop"

    def _run(self, worker: int) -> None:
        rng = random.Random(f"{self.cycle}-{worker}")
        writes = (self._issue, self._catalog_program, self._sunbird_program, self._nominate, self._record_program)
        with httpx2.Client(base_url=self.base_url, timeout=30) as http:
            for n in range(10_000):
                tag = f"{self.cycle}-{worker}-{n}"
                write = writes[(worker + n) % len(writes)]
                try:
                    write(http, rng, tag)
                except httpx2.ConnectError:
                    return  # the server is gone; this request never reached it
                except httpx2.TransportError:
                    with self.ledger.lock:
                        self.ledger.in_flight_at_kill += 1
                    return
                except AssertionError as exc:
                    self.failures.append(f"{tag}: {exc}")
                    return

    def _post(self, http: httpx2.Client, path: str, body: dict[str, Any], headers: dict[str, str], expected: int) -> Any:
        response = http.post(path, json=body, headers=headers)
        assert response.status_code == expected, f"{path}: {response.status_code} {response.text[:300]}"
        return response.json()

    def _issue(self, http: httpx2.Client, rng: random.Random, tag: str) -> None:
        recipients = [{"name": f"Learner {tag}.{i}", "email": f"learner.{tag}.{i}@example.edu"}
                      for i in range(rng.randint(20, 80))]
        body = {"programId": self.fixtures["record_program"], "batchName": f"batch {tag}", "recipients": recipients}
        key = f"issue-{tag}"
        with self.ledger.lock:
            self.ledger.unanswered_issues.append((key, body))
        data = self._post(http, f"{RECORD}/credentials", body, {**self.key.bearer, "Idempotency-Key": key}, 201)["data"]
        with self.ledger.lock:
            self.ledger.unanswered_issues.remove((key, body))
            self.ledger.batches[data["batchId"]] = data

    def _record_program(self, http: httpx2.Client, rng: random.Random, tag: str) -> None:
        body = {"name": f"Programme {tag}", "description": "x" * rng.randint(0, 2000)}
        data = self._post(http, f"{RECORD}/programs", body, self.key.bearer, 201)["data"]
        with self.ledger.lock:
            self.ledger.record_programs[data["programId"]] = data

    def _catalog_program(self, http: httpx2.Client, rng: random.Random, tag: str) -> None:
        required = rng.sample(self.fixtures["courses"], rng.randint(1, len(self.fixtures["courses"])))
        title = f"Program {tag}"
        body = {"program": {"title": title, "requirement_ids": required, "tag_names": ["crash", tag]}}
        created = self._post(http, f"{CATALOG}/programs", body, self.key.token, 201)["program"]
        with self.ledger.lock:
            self.ledger.catalog_programs[created["id"]] = (title, required)

    def _sunbird_program(self, http: httpx2.Client, rng: random.Random, tag: str) -> None:
        request = {
            "name": f"Sourcing {tag}", "type": "public", "content_types": ["Story", f"Type {tag}"],
            "target_collection_category": ["Textbook"],
            "config": {"board": "CBSE", "medium": ["English", f"Medium {tag}"], "gradeLevel": ["Class 6"],
                       "subject": [f"Subject {tag}"]},
        }
        result = self._post(http, f"{SUNBIRD}/create", {"request": request}, self.key.bearer, 200)["result"]
        with self.ledger.lock:
            self.ledger.sunbird_programs[result["program_id"]] = request

    def _nominate(self, http: httpx2.Client, rng: random.Random, tag: str) -> None:
        request = {
            "program_id": rng.choice(self.fixtures["sunbird_programs"]), "organisation_id": f"org-{tag}",
            "user_id": f"user-{tag}", "status": "Pending",
            "rolemapping": {"REVIEWER": [f"r-{tag}-{i}" for i in range(rng.randint(1, 4))], "CONTRIBUTOR": [f"c-{tag}"]},
        }
        result = self._post(http, f"{SUNBIRD}/nomination/add", {"request": request}, self.key.bearer, 200)["result"]
        with self.ledger.lock:
            self.ledger.nominations[result["id"]] = request


def _fixtures(base_url: str, key: TenantKey) -> dict[str, Any]:
    """What the load writes against: a Record programme, Catalog courses, Sunbird programs."""
    with httpx2.Client(base_url=base_url, timeout=30) as http:
        record = http.post(f"{RECORD}/programs", json={"name": "Crash Course"}, headers=key.bearer)
        courses = [http.post(f"{CATALOG}/courses", json={"course": {"title": f"Course {i}", "credits": i}},
                             headers=key.token) for i in range(1, 5)]
        sunbird = [http.post(f"{SUNBIRD}/create", json={"request": {"name": f"Open call {i}", "type": "public"}},
                             headers=key.bearer) for i in range(3)]
    assert record.status_code == 201 and all(c.status_code == 201 for c in courses), record.text
    return {
        "record_program": record.json()["data"]["programId"],
        "courses": [c.json()["course"]["id"] for c in courses],
        "credits": {c.json()["course"]["id"]: c.json()["course"]["credits"] for c in courses},
        "sunbird_programs": [s.json()["result"]["program_id"] for s in sunbird],
    }


def _load_then_kill(server: ServerProcess, key: TenantKey, ledger: Ledger, fixtures: dict[str, Any], cycle: int) -> None:
    before = ledger.acknowledged()
    load = Load(server.base_url, key, ledger, fixtures, cycle)
    load.start()
    deadline = time.monotonic() + 30
    while ledger.acknowledged() - before < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.Random(cycle).uniform(0, 0.2))  # not always at the same point of a request
    server.kill()
    load.join()
    assert not load.failures, load.failures
    assert ledger.acknowledged() - before >= ACKNOWLEDGED_BEFORE_KILL, "the load did not get going"


# --- what the client was told is there, whole ------------------------------------------------


def _check_acknowledged(http: httpx2.Client, key: TenantKey, ledger: Ledger, credits: dict[int, int]) -> None:
    for batch_id, data in ledger.batches.items():
        response = http.get(f"{RECORD}/credentials/{batch_id}", headers=key.bearer)
        assert response.status_code == 200, (batch_id, response.text)
        assert response.json()["data"] == data, batch_id

    for program_id, data in ledger.record_programs.items():
        response = http.get(f"{RECORD}/programs/{program_id}", headers=key.bearer)
        assert response.status_code == 200, (program_id, response.text)
        assert response.json()["data"] == data, program_id

    for program_id, (title, required) in ledger.catalog_programs.items():
        response = http.get(f"{CATALOG}/programs/{program_id}", headers=key.token)
        assert response.status_code == 200, (program_id, response.text)
        shown = response.json()["program"]
        assert (shown["title"], [r["id"] for r in shown["requirements"]]) == (title, required), program_id
        assert shown["credits"] == sum(credits[i] for i in required), program_id

    for program_id, request in ledger.sunbird_programs.items():
        response = http.get(f"{SUNBIRD}/read/{program_id}", headers=key.bearer)
        assert response.status_code == 200, (program_id, response.text)
        shown = response.json()["result"]
        assert {name: shown[name] for name in request} == request, program_id
        # found through its facets (the rows written beside it), not only by id
        found = http.post(f"{SUNBIRD}/list", headers=key.bearer, json={"request": {"filters": {
            "content_types": [request["content_types"][1]], "subject": request["config"]["subject"]}}})
        assert [p["program_id"] for p in found.json()["result"]["programs"]] == [program_id]

    by_program: dict[str, list[dict[str, Any]]] = {}
    for nomination_id, request in ledger.nominations.items():
        if request["program_id"] not in by_program:
            listed = http.post(f"{SUNBIRD}/nomination/list", headers=key.bearer,
                               json={"request": {"filters": {"program_id": request["program_id"]}, "limit": 1000}})
            assert listed.status_code == 200, listed.text
            by_program[request["program_id"]] = listed.json()["result"]
        [shown] = [n for n in by_program[request["program_id"]] if n["id"] == nomination_id]
        assert {name: shown[name] for name in request} == request, nomination_id


# --- nothing half-written ------------------------------------------------------------------


def _check_consistent(store: Store) -> None:
    with store.read() as conn:
        recipients = {row[0]: (row[1], row[2], row[3]) for row in conn.execute(
            sa.select(credential_recipients.c.batch_id, sa.func.count(), sa.func.min(credential_recipients.c.position),
                      sa.func.max(credential_recipients.c.position)).group_by(credential_recipients.c.batch_id))}
        for batch_id, recipient_count in conn.execute(sa.select(credential_batches.c.id, credential_batches.c.recipient_count)):
            assert recipients.get(batch_id) == (recipient_count, 0, recipient_count - 1), f"batch {batch_id} is not whole"

        positions: dict[int, list[int]] = {}
        for program_id, position in conn.execute(sa.select(requirements.c.program_id, requirements.c.position)):
            positions.setdefault(program_id, []).append(position)
        assert all(sorted(p) == list(range(len(p))) for p in positions.values()), "a requirement list has gaps"
        dangling = conn.execute(
            sa.select(sa.func.count()).select_from(requirements)
            .outerjoin(listings, listings.c.id == requirements.c.requirement_id)
            .where(sa.or_(listings.c.id.is_(None), listings.c.deleted_at.is_not(None)))).scalar_one()
        assert dangling == 0, "a requirement points at nothing"

        roles: dict[int, set[tuple[str, str]]] = {}
        for nomination_id, role, user in conn.execute(
                sa.select(nomination_roles.c.nomination_id, nomination_roles.c.role, nomination_roles.c.user_id)):
            roles.setdefault(nomination_id, set()).add((role, user))
        for nomination_id, mapping in conn.execute(sa.select(nominations.c.id, nominations.c.rolemapping)):
            expected = {(role, user) for role, users in (mapping or {}).items() for user in users}
            assert roles.pop(nomination_id, set()) == expected, f"nomination {nomination_id}'s roles"
        assert not roles, f"role rows of no nomination: {sorted(roles)}"

        facets: dict[int, set[tuple[str, str]]] = {}
        for listing_id, facet, value in conn.execute(
                sa.select(program_facets.c.listing_id, program_facets.c.facet, program_facets.c.value)):
            facets.setdefault(listing_id, set()).add((facet, value))
        for row in conn.execute(sa.select(listings.c.id, listings.c.content_types, listings.c.target_collection_category,
                                          listings.c.config)):
            expected = listings_service.facet_values(row._mapping)
            assert facets.pop(row.id, set()) == expected, f"listing {row.id}'s facets"
        assert not facets, f"facet rows of no listing: {sorted(facets)}"

        live = sa.and_(listings.c.deleted_at.is_(None), listings.c.status != "retired")
        fresh = {(r.org_id, r.mode, r.kind): (r.listed, r.ordered) for r in conn.execute(
            sa.select(listings.c.org_id, listings.c.mode, listings.c.kind, sa.func.count().label("listed"),
                      sa.func.count(listings.c.list_order).label("ordered"))
            .where(live).group_by(listings.c.org_id, listings.c.mode, listings.c.kind))}
        kept = {(r.org_id, r.mode, r.kind): (r.listed, r.listed_with_order) for r in conn.execute(sa.select(listing_counts))
                if (r.listed, r.listed_with_order) != (0, 0)}
        assert kept == fresh, "the counts kept for Catalog lists differ from the listings"

        unanswered = conn.execute(sa.select(sa.func.count()).select_from(idempotency_keys)
                                  .where(idempotency_keys.c.status_code.is_(None))).scalar_one()
        assert unanswered == 0, "an idempotency key without its stored answer"


def _retry_unanswered(http: httpx2.Client, store: Store, key: TenantKey, ledger: Ledger) -> None:
    """Issue again, with the same Idempotency-Key, what got no answer: each exists once."""
    for idempotency_key, body in list(ledger.unanswered_issues):
        response = http.post(f"{RECORD}/credentials", json=body, headers={**key.bearer, "Idempotency-Key": idempotency_key})
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert [{"name": r["name"], "email": r["email"]} for r in data["recipients"]] == body["recipients"]
        ledger.batches[data["batchId"]] = data
        ledger.unanswered_issues.remove((idempotency_key, body))
    with store.read() as conn:
        names = Counter(conn.execute(sa.select(credential_batches.c.name)).scalars())
    assert names and max(names.values()) == 1, [name for name, n in names.items() if n > 1]
    assert set(names) == {data["batchName"] for data in ledger.batches.values()}


def test_acknowledged_writes_survive_sigkill_and_nothing_is_half_written(
    database_url: str, store: Store, tenants: Tenants, tmp_path: Path
) -> None:
    key = tenants.a_test
    ledger = Ledger()
    with ServerProcess(database_url, tmp_path / "server.log") as server:
        fixtures = _fixtures(server.base_url, key)
        for cycle in range(CYCLES):
            _load_then_kill(server, key, ledger, fixtures, cycle)
            server.start()
            _check_consistent(store)
            with httpx2.Client(base_url=server.base_url, timeout=30) as http:
                _check_acknowledged(http, key, ledger, fixtures["credits"])
                _retry_unanswered(http, store, key, ledger)
        _check_consistent(store)
    assert ledger.in_flight_at_kill >= 1, "no request was in flight when the process was killed"
