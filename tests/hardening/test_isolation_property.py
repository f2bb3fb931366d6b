"""Tenant and mode isolation as a property: random interleavings of creates and reads by
four tenants (two organisations, each in test and live mode), through all four dialects.

Whatever the order, no response to one tenant contains another tenant's data: every
marker token, public id and uuid in a body, and every integer id where a dialect shows
one, belongs to the caller (see isolation_model.py). Another tenant's ids get exactly the
dialect's not-found answer, and every list shows exactly what the caller created, so an
answer served from a cache keyed wrongly (another tenant's, another mode's, or one from
before the last write) fails either way. Reads repeat: `reread` runs the previous read
again as the same or another tenant, with another form of the key header, which is where
a response cache keyed by the wrong thing would answer from the wrong entry.

Bounded and reproducible: derandomised, a fixed number of examples and steps per database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from httpx2 import Response

from programhub.core.identities import service as identities
from programhub.core.identities.models import IDENTITY_TYPES
from programhub.store import Store
from tests.hardening.isolation_model import (
    IDEMPOTENCY_KEYS,
    MAX_REQUIREMENT_DEPTH,
    NOMINEE_ORGS,
    NOMINEE_USERS,
    SHARED_WORD,
    Batch,
    Course,
    Identity,
    Nomination,
    Program,
    Registry,
    TenantModel,
)

RECORD = "/api/external/issuance"
CATALOG = "/api/v1"
SUNBIRD = "/program/v1"
WEBADMIT = "/api/v1/user_identities"
CYCLE = "2025 - 2026"
AUTH_FORMS = ("bearer", "token", "x_api_key")  # every dialect takes every form
KINDS = ("program", "course")
CATALOG_NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}

EXAMPLES = 16
STEPS = 25
WRITE_ODDS = (False, False, False, True)  # a write aimed at another tenant's program, one time in four

tenant_index = st.integers(0, 3)
auth_form = st.sampled_from(AUTH_FORMS)


def record_not_found(kind: str, identifier: str) -> dict[str, Any]:
    return {"success": False, "code": "NOT_FOUND", "message": f"{kind} {identifier} not found."}


def webadmit_not_found(identity_id: int) -> dict[str, Any]:
    return {"errors": {"schema": [f"User identity '{identity_id}' not found."]}}


class IsolationMachine(RuleBasedStateMachine):
    """One example: two fresh organisations, four tenants, a sequence of steps."""

    def __init__(self, client: TestClient, store: Store, registry: Registry, tally: dict[str, int]) -> None:
        super().__init__()
        self.client = client
        self.store = store
        self.registry = registry
        self.tally = tally
        self.tenants = registry.new_tenants()
        self.last_read: tuple[Callable[..., None], dict[str, Any]] | None = None
        tally["examples"] += 1

    # --- plumbing ------------------------------------------------------------------------

    def call(self, method: str, path: str, viewer: TenantModel | None, auth: str = "bearer", *,
             json: Any = None, headers: dict[str, str] | None = None, owner: TenantModel | None = None) -> Response:
        """Send a request as `viewer` (no key when None) and check that the answer shows
        nothing of any tenant but `owner` (the viewer unless named)."""
        sent = {**(getattr(viewer.key, auth) if viewer else {}), **(headers or {})}
        response = self.client.request(method, path, json=json, headers=sent)
        self.tally["requests"] += 1
        seen_by = owner or viewer
        assert seen_by is not None
        where = f"{method} {path} as tenant {seen_by.owner}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
        shown = "\n".join([*(f"{name}: {value}" for name, value in response.headers.items()), response.text])
        self.registry.assert_shows_only(seen_by.owner, shown, where, echoed=f"{path} {json!r}")
        return response

    def sunbird(self, path: str, viewer: TenantModel, auth: str, request: dict[str, Any]) -> Response:
        return self.call("POST", f"{SUNBIRD}{path}", viewer, auth, json={"request": request})

    def all_programs(self) -> list[tuple[TenantModel, Program]]:
        return [(m, p) for m in self.tenants for p in m.programs]

    def all_listings(self) -> list[tuple[TenantModel, str, Program | Course]]:
        return [(m, "program", p) for m, p in self.all_programs()] + [
            (m, "course", c) for m in self.tenants for c in m.courses
        ]

    def pick(self, data: st.DataObject, viewer: TenantModel, candidates: list[Any], label: str,
             foreign_odds: tuple[bool, ...] = (False, False, True)) -> Any:
        """One of `candidates` (tuples whose first item is the owner): the viewer's own as a
        rule, another tenant's at `foreign_odds`; None when there is none."""
        own = [c for c in candidates if c[0] is viewer]
        others = [c for c in candidates if c[0] is not viewer]
        foreign = bool(others) and data.draw(st.sampled_from(foreign_odds), label=f"another tenant's {label}")
        chosen = others if foreign else own
        return data.draw(st.sampled_from(chosen), label=label) if chosen else None

    def read(self, check: Callable[..., None], viewer: TenantModel, auth: str, **params: Any) -> None:
        """Run a read check, and remember it so that `reread` can run it again."""
        self.last_read = (check, params)
        check(viewer, auth, **params)

    # --- creates -------------------------------------------------------------------------

    @initialize(data=st.data())
    def start_with_one_of_each(self, data: st.DataObject) -> None:
        """Every tenant starts with a course, a program (made through a drawn face), an
        identity, a credential batch and a nomination, so that every read has something to
        find in every example; the steps then interleave more of each."""
        for who, m in enumerate(self.tenants):
            self.create_listing(m, "course", "token", catalog=None, requirements=[], foreign=None)
            face = data.draw(st.sampled_from(("record", "catalog", "sunbird")), label="face")
            if face == "record":
                self.record_create_program(who, None, False, "bearer")
            elif face == "sunbird":
                self.sunbird_create(who, "x_api_key")
            else:
                self.create_listing(m, "program", "token", catalog=None, requirements=[m.courses[0].id], foreign=None)
        for who in range(len(self.tenants)):
            self.webadmit_identity(who, data, IDENTITY_TYPES[who % 3], labelled=who % 2 == 0)
            self.record_issue(who, data, 1 + who % 2, None, False, AUTH_FORMS[who % 3])
            self.sunbird_nominate(who, data, NOMINEE_ORGS[who % 2], NOMINEE_USERS[who // 2], "Approved", "bearer")

    @rule(who=tenant_index, idempotency=st.sampled_from((None, 0, 1)), retry=st.booleans(), auth=auth_form)
    def record_create_program(self, who: int, idempotency: int | None, retry: bool, auth: str) -> None:
        m = self.tenants[who]
        key = IDEMPOTENCY_KEYS[idempotency] if idempotency is not None else None
        if self.record_retried(m, "programs", key, retry, auth):
            return
        token = self.registry.token(m)
        body = {"name": f"{token} {SHARED_WORD}", "description": f"{token} about"}
        response = self.record_post(m, "programs", key, auth, body)
        if response is None:
            return
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert (data["orgId"], data["mode"], data["name"]) == (m.key.org, m.key.tenant.mode.value, body["name"])
        row = self.registry.listing(m, public_id=data["programId"])
        m.programs.append(Program(row.id, row.public_id, row.uuid, body["name"], body["description"], token,
                                  row.listing_path, "record"))
        if key:
            m.idempotent[("programs", key)] = (body, response.content)

    def record_retried(self, m: TenantModel, route: str, key: str | None, retry: bool, auth: str) -> bool:
        """With `retry` and a key `m` used before on this route: send that first request
        again, check that its first answer comes back (and nothing is written), say True."""
        stored = m.idempotent.get((route, key)) if key else None
        if stored is None or not retry:
            return False
        response = self.call("POST", f"{RECORD}/{route}", m, auth, json=stored[0], headers={"Idempotency-Key": key or ""})
        assert (response.status_code, response.content) == (201, stored[1])
        assert response.headers.get("Idempotent-Replayed") == "true"
        return True

    def record_post(self, m: TenantModel, route: str, key: str | None, auth: str, body: Any) -> Response | None:
        """POST a new body to Record; None when the key was used before (the 409 is checked)."""
        response = self.call("POST", f"{RECORD}/{route}", m, auth, json=body,
                             headers={"Idempotency-Key": key} if key else None)
        if key and (route, key) in m.idempotent:
            assert (response.status_code, response.json()["code"]) == (409, "IDEMPOTENCY_CONFLICT"), response.text
            return None
        return response

    @rule(who=tenant_index, kind=st.sampled_from(KINDS), data=st.data(), auth=auth_form)
    def catalog_create(self, who: int, kind: str, data: st.DataObject, auth: str) -> None:
        m = self.tenants[who]
        catalog = data.draw(st.sampled_from(m.catalogs), label="account_id")
        requirements: list[int] = []
        foreign: int | None = None
        if kind == "program":
            own = [item.id for owner, _, item in self.all_listings()
                   if owner is m and m.listing_depth(item.id) < MAX_REQUIREMENT_DEPTH]
            if own:
                requirements = data.draw(st.lists(st.sampled_from(own), max_size=3, unique=True), label="requirement_ids")
            others = [item.id for owner, _, item in self.all_listings() if owner is not m]
            if others and data.draw(st.sampled_from(WRITE_ODDS), label="with a foreign requirement"):
                foreign = data.draw(st.sampled_from(others), label="foreign requirement")
        self.create_listing(m, kind, auth, catalog, requirements, foreign)

    def create_listing(self, m: TenantModel, kind: str, auth: str, catalog: int | None, requirements: list[int],
                       foreign: int | None) -> None:
        """POST a program or course in `catalog` (None: the default) requiring `requirements`
        (and `foreign`, another tenant's listing, which must get the create refused)."""
        token = self.registry.token(m)
        path = f"item-{next(m.paths)}"  # the same paths in every tenant
        fields: dict[str, Any] = {
            "title": f"{token} {SHARED_WORD}", "description": f"{token} about", "path": path,
            "tag_names": ["shared", token],
        }
        if catalog is not None and catalog != m.catalogs[0]:
            fields["account_id"] = catalog
        if kind == "program":
            fields["requirement_ids"] = requirements + ([foreign] if foreign is not None else [])
        response = self.call("POST", f"{CATALOG}/{kind}s", m, auth, json={kind: fields})
        if foreign is not None:
            # Exactly what an id that never existed gets: nothing says the listing exists.
            assert (response.status_code, response.json()) == (422, {"errors": [{
                "message": f"requirement_ids: no program or course with id {foreign}", "field": "requirement_ids"}]})
            assert self.registry.stored_nowhere(token), f"a refused create left {token} behind"
            return
        assert response.status_code == 201, response.text
        item = response.json()[kind]
        row = self.registry.listing(m, id=item["id"])
        if kind == "program":
            m.programs.append(Program(row.id, row.public_id, row.uuid, fields["title"], fields["description"], token,
                                      path, "catalog", ["shared", token], requirements))
        else:
            m.courses.append(Course(row.id, row.public_id, fields["title"], fields["description"], token, path,
                                    ["shared", token]))
        assert item["catalog"]["id"] == (catalog or m.catalogs[0])
        self.check_listing(m, item, f"POST {kind}")

    @rule(who=tenant_index, auth=auth_form)
    def catalog_create_catalog(self, who: int, auth: str) -> None:
        m = self.tenants[who]
        token = self.registry.token(m)
        body = {"account": {"name": f"{token} Same Catalog", "url": "https://same.example"}}
        response = self.call("POST", f"{CATALOG}/catalogs", m, auth, json=body)
        assert response.status_code == 201, response.text
        catalog_id = response.json()["account"]["id"]
        self.registry.number("catalog", m, catalog_id)
        m.catalogs.append(catalog_id)

    @rule(who=tenant_index, auth=auth_form)
    def sunbird_create(self, who: int, auth: str) -> None:
        m = self.tenants[who]
        token = self.registry.token(m)
        request = {"name": f"{token} {SHARED_WORD}", "type": "public", "description": f"{token} about",
                   "config": {"medium": ["Hindi"]}}
        response = self.sunbird("/create", m, auth, request)
        assert response.status_code == 200, response.text
        row = self.registry.listing(m, uuid=response.json()["result"]["program_id"])
        m.programs.append(Program(row.id, row.public_id, row.uuid, request["name"], request["description"], token,
                                  row.listing_path, "sunbird"))

    @rule(who=tenant_index, data=st.data(), organisation=st.sampled_from(NOMINEE_ORGS),
          user=st.sampled_from(NOMINEE_USERS), status=st.sampled_from(("Pending", "Approved")), auth=auth_form)
    def sunbird_nominate(self, who: int, data: st.DataObject, organisation: str, user: str, status: str, auth: str) -> None:
        m = self.tenants[who]
        picked = self.pick(data, m, self.all_programs(), "program", WRITE_ODDS)
        if picked is None:
            return
        owner, program = picked
        token = self.registry.token(m)
        request = {"program_id": program.uuid, "organisation_id": organisation, "user_id": user, "status": status,
                   "rolemapping": {"REVIEWER": [user]}, "feedback": f"{token} feedback"}
        response = self.sunbird("/nomination/add", m, auth, request)
        if owner is not m:
            assert response.status_code == 404, response.text
            assert response.json()["params"]["errmsg"] == f"Program {program.uuid} not found."
            return
        if any(n.program_uuid == program.uuid and n.organisation_id == organisation for n in m.nominations):
            assert response.status_code == 409, response.text
            return
        assert response.status_code == 200, response.text
        nomination_id = response.json()["result"]["id"]
        self.registry.number("nomination", m, nomination_id)
        m.nominations.append(Nomination(nomination_id, program.uuid, organisation, user, status))

    @rule(who=tenant_index, data=st.data(), identity_type=st.sampled_from(IDENTITY_TYPES), labelled=st.booleans())
    def webadmit_identity(self, who: int, data: st.DataObject, identity_type: str, labelled: bool) -> None:
        """WebAdMIT has no create route: identities come from the CLI, i.e. this core service."""
        m = self.tenants[who]
        token = self.registry.token(m)
        granted = None
        if data.draw(st.booleans(), label="limited"):
            granted = data.draw(st.lists(st.sampled_from([p.id for p in m.programs]), unique=True), label="programs") \
                if m.programs else []
        with self.store.write() as conn:
            identity_id = identities.create(
                conn, m.key.tenant, type=identity_type, cycle=CYCLE, association=f"{token} SOPHAS",
                organization=f"{token} Admissions" if labelled else None, program_ids=granted,
            )
        self.registry.number("identity", m, identity_id)
        m.identities.append(Identity(identity_id, None if granted is None else sorted(granted),
                                     f"{token} Admissions" if labelled else None))

    @rule(who=tenant_index, data=st.data(), size=st.integers(1, 3), idempotency=st.sampled_from((None, 0, 1)),
          retry=st.booleans(), auth=auth_form)
    def record_issue(self, who: int, data: st.DataObject, size: int, idempotency: int | None, retry: bool, auth: str) -> None:
        m = self.tenants[who]
        key = IDEMPOTENCY_KEYS[idempotency] if idempotency is not None else None
        if self.record_retried(m, "credentials", key, retry, auth):
            return
        picked = self.pick(data, m, self.all_programs(), "program", WRITE_ODDS)
        if picked is None:
            return
        owner, program = picked
        token = self.registry.token(m)
        body = {
            "programId": program.public_id,
            "batchName": f"{token} batch",
            "recipients": [{"name": f"{token} Person {i}", "email": f"person{i}@example.edu"} for i in range(size)],
        }
        response = self.record_post(m, "credentials", key, auth, body)
        if response is None:
            return
        if owner is not m:
            assert (response.status_code, response.json()) == (404, record_not_found("Program", program.public_id))
            return
        assert response.status_code == 201, response.text
        batch = response.json()["data"]
        recipients = [r["recipientId"] for r in batch["recipients"]]
        self.registry.strings(m, [batch["batchId"], *recipients])
        m.batches.append(Batch(batch["batchId"], program.public_id, recipients))
        if key:
            m.idempotent[("credentials", key)] = (body, response.content)

    # --- reads: Record -------------------------------------------------------------------

    def record_programs(self, m: TenantModel, auth: str) -> None:
        data = self.call("GET", f"{RECORD}/programs", m, auth).json()["data"]
        assert {p["programId"]: p["name"] for p in data} == {p.public_id: p.name for p in m.programs}
        assert {(p["orgId"], p["mode"]) for p in data} <= {(m.key.org, m.key.tenant.mode.value)}

    def record_program(self, m: TenantModel, auth: str, owner: TenantModel, program: Program) -> None:
        response = self.call("GET", f"{RECORD}/programs/{program.public_id}", m, auth)
        if m is owner:
            assert response.status_code == 200, response.text
            assert (response.json()["data"]["programId"], response.json()["data"]["name"]) == (program.public_id, program.name)
        else:
            assert (response.status_code, response.json()) == (404, record_not_found("Program", program.public_id))

    def record_batches(self, m: TenantModel, auth: str) -> None:
        data = self.call("GET", f"{RECORD}/credentials", m, auth).json()["data"]
        assert {b["batchId"]: (b["programId"], b["recipientCount"]) for b in data} == {
            b.public_id: (b.program_public_id, len(b.recipients)) for b in m.batches
        }
        assert {(b["orgId"], b["mode"]) for b in data} <= {(m.key.org, m.key.tenant.mode.value)}

    def record_batch(self, m: TenantModel, auth: str, owner: TenantModel, batch: Batch) -> None:
        response = self.call("GET", f"{RECORD}/credentials/{batch.public_id}", m, auth)
        if m is owner:
            assert response.status_code == 200, response.text
            assert [r["recipientId"] for r in response.json()["data"]["recipients"]] == batch.recipients
        else:
            assert (response.status_code, response.json()) == (404, record_not_found("Batch", batch.public_id))

    def credential_page(self, m: TenantModel, auth: str, owner: TenantModel, recipient: str, as_json: bool) -> None:
        """The public page needs no key (none is sent); it shows its owner's credential only."""
        headers = {"Accept": "application/json"} if as_json else {}
        response = self.call("GET", f"/credentials/{recipient}", None, headers=headers, owner=owner)
        assert response.status_code == 200, response.text
        if as_json:
            data = response.json()["data"]
            assert (data["recipientId"], data["orgId"], data["mode"]) == (recipient, owner.key.org, owner.key.tenant.mode.value)
        else:
            assert recipient in response.text

    @rule(who=tenant_index, auth=auth_form, data=st.data())
    def read_record(self, who: int, auth: str, data: st.DataObject) -> None:
        m = self.tenants[who]
        route = data.draw(st.sampled_from(("programs", "program", "batches", "batch", "page")), label="route")
        if route == "programs":
            self.read(self.record_programs, m, auth)
        elif route == "batches":
            self.read(self.record_batches, m, auth)
        elif route == "program" and (picked := self.pick(data, m, self.all_programs(), "program")):
            owner, program = picked
            self.read(self.record_program, m, auth, owner=owner, program=program)
        elif route in ("batch", "page"):
            picked = self.pick(data, m, [(owner, b) for owner in self.tenants for b in owner.batches], "batch")
            if picked is None:
                return
            owner, batch = picked
            if route == "batch":
                self.read(self.record_batch, m, auth, owner=owner, batch=batch)
            else:
                recipient = data.draw(st.sampled_from(batch.recipients), label="recipient")
                self.read(self.credential_page, m, auth, owner=owner, recipient=recipient,
                          as_json=data.draw(st.booleans(), label="json"))

    # --- reads: Catalog ------------------------------------------------------------------

    def check_listing(self, m: TenantModel, item: dict[str, Any], where: str) -> None:
        """A listing object and its whole requirement tree: the caller's ids only, and the
        requirements the caller set, in order."""
        self.registry.assert_int("listing", item["id"], m.owner, where)
        self.registry.assert_int("catalog", item["catalog"]["id"], m.owner, where)
        for catalog_id in item["associated_account_ids"]:
            self.registry.assert_int("catalog", catalog_id, m.owner, where)
        if item["type"] == "Program":
            assert [r["id"] for r in item["requirements"]] == m.program(item["id"]).requirements, where
            for child in item["requirements"]:
                self.check_listing(m, child, where)

    def catalog_expected(self, m: TenantModel, kind: str, params: dict[str, Any]) -> list[int]:
        """The ids a Catalog list with these parameters should show `m`: the model's listings
        of the kind that match, in id order (none has a list_order), then the page."""
        items: list[Program | Course] = list(m.programs if kind == "program" else m.courses)
        if params.get("archived") == "true":
            items = []
        if "description" in params:
            items = [i for i in items if i.description == params["description"]]
        if "listing_path" in params:
            items = [i for i in items if i.path == params["listing_path"]]
        if "query" in params:
            wanted = params["query"].casefold()
            items = [i for i in items if any(wanted in text.casefold() for text in (i.name, i.description or "", *i.tags))]
        ids = sorted(i.id for i in items)
        size = int(params.get("per_page", 20))
        start = (int(params.get("page", 1)) - 1) * size
        return ids[start:start + size]

    def catalog_list(self, m: TenantModel, auth: str, kind: str, params: dict[str, Any]) -> None:
        query = urlencode(params)
        response = self.call("GET", f"{CATALOG}/{kind}s?{query}", m, auth)
        assert response.status_code == 200, response.text
        items = response.json()[f"{kind}s"]
        assert [i["id"] for i in items] == self.catalog_expected(m, kind, params), params
        for item in items:
            self.check_listing(m, item, f"GET {kind}s {params}")

    def catalog_get(self, m: TenantModel, auth: str, kind: str, owner: TenantModel, listing: Program | Course,
                    listing_kind: str) -> None:
        response = self.call("GET", f"{CATALOG}/{kind}s/{listing.id}", m, auth)
        if m is owner and kind == listing_kind:
            assert response.status_code == 200, response.text
            self.check_listing(m, response.json()[kind], f"GET {kind} {listing.id}")
        else:
            assert (response.status_code, response.json()) == (404, CATALOG_NOT_FOUND)

    def catalog_catalogs(self, m: TenantModel, auth: str) -> None:
        response = self.call("GET", f"{CATALOG}/catalogs?per_page=100", m, auth)
        assert [c["id"] for c in response.json()["catalogs"]] == m.catalogs

    def catalog_catalog(self, m: TenantModel, auth: str, owner: TenantModel, catalog_id: int) -> None:
        response = self.call("GET", f"{CATALOG}/catalogs/{catalog_id}", m, auth)
        if m is owner:
            assert (response.status_code, response.json()["account"]["id"]) == (200, catalog_id)
        else:
            assert (response.status_code, response.json()) == (404, CATALOG_NOT_FOUND)

    @rule(who=tenant_index, auth=auth_form, data=st.data())
    def read_catalog(self, who: int, auth: str, data: st.DataObject) -> None:
        m = self.tenants[who]
        route = data.draw(st.sampled_from(("list", "get", "catalogs", "catalog")), label="route")
        if route == "list":
            kind = data.draw(st.sampled_from(KINDS), label="kind")
            self.read(self.catalog_list, m, auth, kind=kind, params=self.catalog_params(data))
        elif route == "get" and (picked := self.pick(data, m, self.all_listings(), "listing")):
            owner, listing_kind, listing = picked
            kind = data.draw(st.sampled_from(KINDS), label="kind")
            self.read(self.catalog_get, m, auth, kind=kind, owner=owner, listing=listing, listing_kind=listing_kind)
        elif route == "catalogs":
            self.read(self.catalog_catalogs, m, auth)
        elif route == "catalog":
            owner, catalog_id = data.draw(st.sampled_from([(o, c) for o in self.tenants for c in o.catalogs]), label="catalog")
            self.read(self.catalog_catalog, m, auth, owner=owner, catalog_id=catalog_id)

    def catalog_params(self, data: st.DataObject) -> dict[str, Any]:
        """Query parameters of one of the list's forms, with values taken from any tenant."""
        listings = [item for _, _, item in self.all_listings()]
        form = data.draw(st.sampled_from(("all", "page", "shared", "token", "description", "path", "enrollable",
                                          "archived")), label="form")
        if form == "page":
            return {"per_page": data.draw(st.integers(1, 3), label="per_page"), "page": data.draw(st.integers(1, 3), label="page")}
        if form == "shared":
            return {"query": "shared", "per_page": 100}
        if form == "token" and listings:
            return {"query": data.draw(st.sampled_from(listings), label="listing").token, "per_page": 100}
        if form == "description" and listings:
            return {"description": data.draw(st.sampled_from(listings), label="listing").description, "per_page": 100}
        if form == "path":
            return {"listing_path": f"item-{data.draw(st.integers(1, 4), label='n')}", "per_page": 100}
        if form == "enrollable":
            return {"is_enrollable": "true", "per_page": 100}
        if form == "archived":
            return {"archived": "true", "per_page": 100}
        return {"per_page": 100}

    # --- reads: Sunbird ------------------------------------------------------------------

    def sunbird_read(self, m: TenantModel, auth: str, owner: TenantModel, program: Program) -> None:
        response = self.call("GET", f"{SUNBIRD}/read/{program.uuid}", m, auth)
        body = response.json()
        if m is owner:
            assert response.status_code == 200, response.text
            assert (body["result"]["program_id"], body["result"]["name"]) == (program.uuid, program.name)
        else:
            assert response.status_code == 404, response.text
            assert (body["id"], body["responseCode"], body["result"]) == ("api.program.read", "RESOURCE_NOT_FOUND", {})
            assert (body["params"]["status"], body["params"]["err"], body["params"]["errmsg"]) == (
                "failed", "ERR_PROGRAM_NOT_FOUND", f"Program {program.uuid} not found.")

    def sunbird_expected(self, m: TenantModel, form: str, filters: dict[str, Any]) -> tuple[str, set[Any]]:
        """What /list should answer `m`: ("programs", uuids) or ("nominations", ids)."""
        programs = m.programs
        nominee = filters.get("nomination", {})
        if form == "name":
            wanted = filters["name"].casefold()
            return "programs", {p.uuid for p in programs if wanted in p.name.casefold()}
        if form == "medium":
            return "programs", {p.uuid for p in programs if p.face == "sunbird"}
        if form == "program_id":
            return "programs", {p.uuid for p in programs if p.uuid in filters["program_id"]}
        if form == "not_by_organisation":
            taken = {n.program_uuid for n in m.nominations if n.organisation_id == nominee["organisation_id"]["ne"]}
            return "programs", {p.uuid for p in programs if p.uuid not in taken}
        if form == "not_by_user":
            taken = {n.program_uuid for n in m.nominations if n.user_id == nominee["user_id"]["ne"]}
            return "programs", {p.uuid for p in programs if p.uuid not in taken}
        if form == "by_organisation":
            return "nominations", {n.id for n in m.nominations if n.organisation_id == nominee["organisation_id"]["eq"]}
        if form == "by_user_status":
            return "nominations", {n.id for n in m.nominations
                                   if n.user_id == nominee["user_id"]["eq"] and n.status in nominee["status"]}
        if form == "role_holder":
            return "nominations", {n.id for n in m.nominations if n.user_id == nominee["user_id"]["eq"]
                                   and n.organisation_id == nominee["organisation_id"]["eq"]}
        return "programs", {p.uuid for p in programs}  # "all" and "every status"

    def sunbird_list(self, m: TenantModel, auth: str, form: str, filters: dict[str, Any]) -> None:
        response = self.sunbird("/list", m, auth, {"filters": filters})
        assert response.status_code == 200, response.text
        result = response.json()["result"]
        shape, expected = self.sunbird_expected(m, form, filters)
        if shape == "programs":
            assert {p["program_id"] for p in result["programs"]} == expected, (form, filters)
        else:
            assert {n["id"] for n in result["programs"]} == expected, (form, filters)
            mine = {n.id: n.program_uuid for n in m.nominations}
            for item in result["programs"]:
                self.registry.assert_int("nomination", item["id"], m.owner, f"/list {form}")
                assert item["program"]["program_id"] == mine[item["id"]]
        assert result["count"] == len(expected)

    def sunbird_nominations(self, m: TenantModel, auth: str, filters: dict[str, Any]) -> None:
        response = self.sunbird("/nomination/list", m, auth, {"filters": filters})
        assert response.status_code == 200, response.text
        expected = {
            n.id for n in m.nominations
            if all(value == {"program_id": n.program_uuid, "organisation_id": n.organisation_id,
                             "user_id": n.user_id, "status": n.status}[key] for key, value in filters.items())
        }
        result = response.json()["result"]
        assert {n["id"] for n in result} == expected, filters
        for item in result:
            self.registry.assert_int("nomination", item["id"], m.owner, "/nomination/list")

    @rule(who=tenant_index, auth=auth_form, data=st.data())
    def read_sunbird(self, who: int, auth: str, data: st.DataObject) -> None:
        m = self.tenants[who]
        route = data.draw(st.sampled_from(("read", "list", "nominations")), label="route")
        programs = [p for _, p in self.all_programs()]
        if route == "read" and (picked := self.pick(data, m, self.all_programs(), "program")):
            owner, program = picked
            self.read(self.sunbird_read, m, auth, owner=owner, program=program)
        elif route == "list":
            form, filters = self.sunbird_form(data, programs)
            self.read(self.sunbird_list, m, auth, form=form, filters=filters)
        elif route == "nominations":
            key = data.draw(st.sampled_from(("none", "program_id", "organisation_id", "user_id", "status")), label="filter")
            filters: dict[str, Any] = {}
            if key == "program_id" and programs:
                filters = {"program_id": data.draw(st.sampled_from(programs), label="program").uuid}
            elif key == "organisation_id":
                filters = {"organisation_id": data.draw(st.sampled_from(NOMINEE_ORGS), label="organisation")}
            elif key == "user_id":
                filters = {"user_id": data.draw(st.sampled_from(NOMINEE_USERS), label="user")}
            elif key == "status":
                filters = {"status": data.draw(st.sampled_from(("Pending", "Approved")), label="status")}
            self.read(self.sunbird_nominations, m, auth, filters=filters)

    def sunbird_form(self, data: st.DataObject, programs: list[Program]) -> tuple[str, dict[str, Any]]:
        """One of /list's forms, with look-alike values (shared nominee ids, others' uuids)."""
        form = data.draw(st.sampled_from((
            "all", "every status", "name", "medium", "program_id", "not_by_organisation", "not_by_user",
            "by_organisation", "by_user_status", "role_holder",
        )), label="form")
        organisation = data.draw(st.sampled_from(NOMINEE_ORGS), label="organisation")
        user = data.draw(st.sampled_from(NOMINEE_USERS), label="user")
        if form == "every status":
            return form, {"status": ["Draft", "Live", "Unlisted", "Retired"]}
        if form == "name":
            name = data.draw(st.sampled_from([p.token for p in programs] + ["shared"]), label="name")
            return form, {"name": name}
        if form == "medium":
            return form, {"medium": "Hindi"}
        if form == "program_id" and programs:
            chosen = data.draw(st.lists(st.sampled_from(programs), min_size=1, max_size=3), label="programs")
            return form, {"program_id": [p.uuid for p in chosen]}
        if form == "not_by_organisation":
            return form, {"nomination": {"organisation_id": {"ne": organisation}}}
        if form == "not_by_user":
            return form, {"nomination": {"user_id": {"ne": user}}}
        if form == "by_organisation":
            return form, {"nomination": {"organisation_id": {"eq": organisation}}}
        if form == "by_user_status":
            status = data.draw(st.sampled_from(("Pending", "Approved")), label="status")
            return form, {"nomination": {"user_id": {"eq": user}, "status": [status]}}
        if form == "role_holder":
            return form, {"nomination": {"user_id": {"eq": user}, "organisation_id": {"eq": organisation},
                                         "roles": {"or": ["REVIEWER"]}}}
        return "all", {}

    # --- reads: WebAdMIT -----------------------------------------------------------------

    def webadmit_identities(self, m: TenantModel, auth: str) -> None:
        body = self.call("GET", WEBADMIT, m, auth).json()
        assert [i["id"] for i in body["user_identities"]] == [i.id for i in m.identities]
        for item in body["user_identities"]:
            self.registry.assert_int("identity", item["id"], m.owner, "GET user_identities")

    def webadmit_programs(self, m: TenantModel, auth: str, owner: TenantModel, identity: Identity) -> None:
        response = self.call("GET", f"{WEBADMIT}/{identity.id}/programs", m, auth)
        if not m is owner:
            assert (response.status_code, response.json()) == (404, webadmit_not_found(identity.id))
            return
        assert response.status_code == 200, response.text
        visible = sorted(p.id for p in m.programs) if identity.granted is None else identity.granted
        names = {p.id: p.name for p in m.programs}
        organization = identity.organization or m.key.tenant.org_name
        assert [(p["id"], p["name"], p["organization_name"]) for p in response.json()["programs"]] == [
            (i, names[i], organization) for i in visible
        ]

    def webadmit_organizations(self, m: TenantModel, auth: str, owner: TenantModel, identity: Identity) -> None:
        response = self.call("GET", f"{WEBADMIT}/{identity.id}/organizations", m, auth)
        if m is owner:
            assert response.status_code == 200, response.text
            assert [o["id"] for o in response.json()["organizations"]] == [m.org_id]
        else:
            assert (response.status_code, response.json()) == (404, webadmit_not_found(identity.id))

    @rule(who=tenant_index, auth=auth_form, data=st.data())
    def read_webadmit(self, who: int, auth: str, data: st.DataObject) -> None:
        m = self.tenants[who]
        route = data.draw(st.sampled_from(("identities", "programs", "organizations")), label="route")
        chosen = [(owner, i) for owner in self.tenants for i in owner.identities]
        if route == "identities":
            self.read(self.webadmit_identities, m, auth)
        elif picked := self.pick(data, m, chosen, "identity"):
            owner, identity = picked
            check = self.webadmit_programs if route == "programs" else self.webadmit_organizations
            self.read(check, m, auth, owner=owner, identity=identity)

    # --- repeats and sweeps --------------------------------------------------------------

    @rule(who=tenant_index, auth=auth_form)
    def reread(self, who: int, auth: str) -> None:
        """The previous read again, as the same or another tenant, perhaps with another form
        of the key header: the same request, where a wrongly keyed cache would answer."""
        if self.last_read is not None:
            check, params = self.last_read
            check(self.tenants[who], auth, **params)

    @rule(who=tenant_index)
    def sweep(self, who: int) -> None:
        self.sweep_tenant(self.tenants[who])

    def sweep_tenant(self, m: TenantModel, *, with_ids: bool = True) -> None:
        """Every list of every dialect, and (`with_ids`) the newest id of each kind of every tenant."""
        auth = AUTH_FORMS[m.number % len(AUTH_FORMS)]
        self.record_programs(m, auth)
        self.record_batches(m, auth)
        for kind in KINDS:
            self.catalog_list(m, auth, kind, {"per_page": 100})
        self.catalog_catalogs(m, auth)
        self.sunbird_list(m, auth, "all", {})
        self.sunbird_nominations(m, auth, {})
        self.webadmit_identities(m, auth)
        for owner in self.tenants if with_ids else ():
            if owner.programs:
                program = owner.programs[-1]
                self.record_program(m, auth, owner, program)
                self.sunbird_read(m, auth, owner, program)
                self.catalog_get(m, auth, "program", owner, program, "program")
            if owner.courses:
                self.catalog_get(m, auth, "course", owner, owner.courses[-1], "course")
            self.catalog_catalog(m, auth, owner, owner.catalogs[-1])
            if owner.batches:
                self.record_batch(m, auth, owner, owner.batches[-1])
            if owner.identities:
                self.webadmit_programs(m, auth, owner, owner.identities[-1])
                self.webadmit_organizations(m, auth, owner, owner.identities[-1])

    def teardown(self) -> None:
        """Every tenant's lists once more after the last step."""
        for m in self.tenants:
            self.sweep_tenant(m, with_ids=False)
            for batch in m.batches[-1:]:
                self.credential_page(m, "bearer", m, batch.recipients[0], as_json=m.number % 2 == 0)


def run_isolation(client: TestClient, store: Store, *, examples: int = EXAMPLES, steps: int = STEPS,
                  shrink: bool = True) -> dict[str, int]:
    """Run the state machine on this app and database; returns how much it did."""
    registry = Registry(store)
    tally = {"examples": 0, "requests": 0}
    phases = tuple(Phase) if shrink else (Phase.explicit, Phase.reuse, Phase.generate)
    run_state_machine_as_test(
        lambda: IsolationMachine(client, store, registry, tally),
        settings=hypothesis_settings(
            max_examples=examples,
            stateful_step_count=steps,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=phases,
        ),
    )
    return tally


@pytest.mark.slow
def test_no_response_shows_another_tenants_data(client: TestClient, store: Store, backend: str) -> None:
    started = time.perf_counter()
    tally = run_isolation(client, store)
    print(f"\n{backend}: {tally['examples']} examples, {tally['requests']} requests, "
          f"{time.perf_counter() - started:.1f} s")
