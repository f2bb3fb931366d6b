"""Schema fuzzing: schemathesis generates valid and invalid requests for every operation of
every dialect in /openapi.json, sends them with a valid key in the dialect's own header
form, and requires that

- nothing is a 5xx;
- every status is documented for the operation, with a body (and Content-Type, and
  headers) that matches the schema documented for that status;
- every error is in the dialect's own envelope (checked against the dialect's rules, not
  only against the document, so a loose document cannot hide a stray body);
- invalid input is refused, and valid input is accepted unless it breaks a rule a schema
  cannot state (a name already taken, an id that does not exist, ...), see ACCEPTED_REFUSALS.

The run is bounded and repeatable: hypothesis derandomized, MAX_EXAMPLES per operation and
generation mode, no shrinking. Strategies are built once per session (most of the cost)
and reused for the second database. Every path id is, half of the time, replaced by one
that exists (the demo organisation's data), so success answers are fuzzed too.
"""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from programhub.core.credentials import service as credentials
from programhub.core.listings import service as listings
from programhub.core.tenancy import Mode
from programhub.demo import ensure_demo
from programhub.settings import Settings
from programhub.store import Store
from tests.conftest import PUBLIC_URL
from tests.dialects.webadmit.support import make_identity
from tests.hardening.fuzz_dialects import (
    AUTH_HEADERS,
    CATALOG,
    RECORD,
    SUNBIRD,
    WEBADMIT,
    auth_headers,
    dialect_of,
    envelope_problem,
)
from tests.support import TenantKey, make_tenant_key, signing

# Cases per operation and mode (negative ones cost most to generate: each mutates the
# schema). PROGRAMHUB_FUZZ_EXAMPLES=100 runs a deeper search by hand. 10 by default: at 12 the
# two databases' runs took ~6 of the suite's 16 minutes on one worker of a 2-core machine,
# over the suite's 15-minute budget (at 8, two operations were never answered 2xx). Another
# number makes another search: 8 found Catalog's timestamps of years before 1000 unpadded.
_SCALE = int(os.environ.get("PROGRAMHUB_FUZZ_EXAMPLES", "10"))
MAX_EXAMPLES = {GenerationMode.POSITIVE: _SCALE, GenerationMode.NEGATIVE: max(1, _SCALE * 2 // 3)}
MODES = tuple(MAX_EXAMPLES)

CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]

# Schema-valid requests a dialect may refuse, because the rule broken is one no schema can
# state: each is described in the operation's documented error response.
ACCEPTED_REFUSALS: dict[str, list[re.Pattern[str]]] = {
    RECORD: [
        re.compile(r"^body keys must not contain NUL characters\.$"),  # ignored keys too, at any depth
        re.compile(r"repeats the email of recipients\[\d+\]"),
        re.compile(r"^\[\d+\]\.id repeats \[\d+\]\.id; name each credential once\.$"),  # more items than credentials
        re.compile(r"^expiresAt must be in the future\.$"),  # a date-time the schema cannot bound
        re.compile(r"is not a valid email address: The (part|domain name) after the @-sign is (a special-use or reserved name|not valid)"),
    ],
    CATALOG: [
        re.compile(r"^body keys must not contain NUL characters$"),  # ignored keys too, at any depth
        re.compile(r"^path '.*' is already taken in this catalog$"),
        re.compile(r"^listing_id already has a certificate$"),  # one per listing
        re.compile(r"^days_to_expire must not be present when expires_at is present$"),  # one or the other
        re.compile(r"^(account_id|associated_account_ids): no catalog with id \d+$"),
        re.compile(r"^requirement_ids: no program or course with id \d+$"),
        re.compile(r"^requirement_ids would (create a cycle|make the requirement tree)"),
        re.compile(r"^requirement_ids lists \d+ more than once$"),  # "3, 3" or [3, "3"]
        re.compile(r"^(program|course) [\d, ]+ does not exist and was not processed$"),
        re.compile(r"^(enrollment_open_to|end_date) must not be before (enrollment_open_from|start_date)$"),
        # learners: ids and states no schema can know
        re.compile(r"is not a valid email address: The (part|domain name) after the @-sign is (a special-use or reserved name|not valid)"),
        re.compile(r"^email_address '.*' is already taken$"),
        re.compile(r"^(listing_id|user_id|registered_account_id|merged_into_user_id|canvas_user_id|catalog_id): no "),
        re.compile(r"^bulk enrollment \d+ of this catalog is still running"),
        re.compile(r"^merged_into_user_id must be another user$"),
        re.compile(r"^listing \d+ (is not open|opens|closed|is full)"),
        re.compile(r"^user \d+ is already (enrolled in|on the waitlist of) listing \d+$"),
        re.compile(r"^completed_at applies to course enrollments"),
        re.compile(r"^enrollment \d+ (was dropped|is not open yet)"),
    ],
    SUNBIRD: [re.compile(r"^body keys must not contain NUL characters$")],  # ignored keys too, at any depth
    WEBADMIT: [
        re.compile(r"body keys must not contain NUL characters"),  # ignored keys too, at any depth
        re.compile(r"has already been taken"),  # a CAS ID, a decision's name, a status's title
        re.compile(r"Can't set the decision_id when the local_status is not null"),
        re.compile(r"custom_field_answer/field_type' value .* did not match one of the following values"),  # not the field's
        re.compile(r"custom_field_answer/value' (of type \w+ did not match the following type|value .* did not match the regex)"),
        re.compile(r"is not a valid (option|date)"),
        re.compile(r"is not a URL of a host allowed to receive callbacks"),
        re.compile(r"options (must be distinct, non-blank values|are only for a select field|must list the values)"),
    ],
}


@dataclass
class Findings:
    """What one run saw: cases per operation, statuses, and every failure (deduplicated)."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)

    def fail(self, label: str, kind: str, detail: str) -> None:
        self.failures.setdefault(f"{label}: {kind}", detail[:3000])

    @property
    def total(self) -> int:
        return sum(self.cases.values())


@dataclass
class Generated:
    """One generated case, and (positive cases on id routes) which existing id to put in
    its path: an index, so that each database's own ids can be substituted."""

    case: Any
    existing: int | None


class _Fuzz:
    """The schema and the generated cases, made on first use and replayed on the second
    database (generation is most of the cost; the same inputs then meet both engines)."""

    document: dict[str, Any] | None = None
    schema: Any = None
    cases: dict[tuple[str, GenerationMode], list[Generated]] = {}

    @classmethod
    def load(cls, app: FastAPI) -> Any:
        document = app.openapi()
        if cls.schema is None:
            cls.document = document
            cls.schema = schemathesis.openapi.from_dict(document)
            # The key is the test's to send (valid, in the dialect's form), never generated.
            cls.schema.config.generation.update(with_security_parameters=False)
        assert document == cls.document, "the OpenAPI document differs between apps"
        return cls.schema

    @classmethod
    def generate(cls, operation: Any, mode: GenerationMode, run: Any) -> None:
        """Call `run(Generated)` for every case: drawn by hypothesis the first time,
        replayed from the record afterwards."""
        key = (operation.label, mode)
        if key in cls.cases:
            for generated in cls.cases[key]:
                run(generated)
            return
        record: list[Generated] = []
        # Positive cases name existing things half of the time (negative ones never: that
        # could turn the one invalid part of a request into a valid one).
        ids = st.none() if mode is GenerationMode.NEGATIVE else st.none() | st.integers(0, 1000)

        @given(case=operation.as_strategy(generation_mode=mode), existing=ids)
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES[mode],
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def draw(case: Any, existing: int | None) -> None:
            if existing is None and len(record) % 2 and _wholly_positive(case):
                # at least every other positive case names existing things, whatever the draws
                existing = len(record)
            generated = Generated(case, existing)
            record.append(generated)
            run(generated)

        try:
            draw()
        except Unsatisfiable:
            # Only when nothing about the operation can be made invalid (one free-text
            # path parameter, say): then not a single negative case exists.
            assert mode is GenerationMode.NEGATIVE and not record, operation.label
        cls.cases[key] = record


def _only_an_optional_body_omitted(case: Any) -> bool:
    """A "negative" case whose one negative part is a body left out where the body is
    optional (schemathesis draws that as invalid)."""
    meta = getattr(case, "meta", None)
    body = case.operation.definition.raw.get("requestBody") or {}
    negative = {location for location, info in (meta.components.items() if meta else ()) if info.mode is GenerationMode.NEGATIVE}
    return type(case.body).__name__ == "NotSet" and not body.get("required", False) and {str(n) for n in negative} <= {"body", "ParameterLocation.BODY"}


def _wholly_positive(case: Any) -> bool:
    """A case whose every part was generated valid (a positive strategy can still draw an
    omitted optional body as a negative part)."""
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode is GenerationMode.POSITIVE and all(
        info.mode is GenerationMode.POSITIVE for info in meta.components.values()
    )


def _operations(schema: Any) -> list[Any]:
    """Every operation; those that retire or delete what they name last, so that the
    others still find the existing data they are given."""

    def destructive(operation: Any) -> int:
        if operation.method.upper() == "DELETE" or operation.path.endswith("/delete"):
            return 3
        if operation.path.endswith("/remove"):  # a nomination, before its program goes
            return 2
        return 1 if operation.path.endswith(("/archived", "/unlist", "/publish")) else 0

    return sorted((result.ok() for result in schema.get_all_operations()), key=destructive)


# --- data that exists, for path parameters ------------------------------------------------


def _demo_key(store: Store) -> TenantKey:
    with store.write() as conn:
        org = ensure_demo(conn, signing()).org
    key = make_tenant_key(store, org.public_id, Mode.TEST)
    make_identity(store, key.tenant, organization="Fuzz University")
    return key


def _live_credential(store: Store, key: TenantKey) -> None:
    """A live-mode credential of the demo organisation, so that the live issuer's DID
    document and status list exist (made after the other ids are read: none of them move)."""
    live = make_tenant_key(store, key.tenant.org_public_id, Mode.LIVE)
    with store.write() as conn:
        program = listings.create(conn, live.tenant, "program", {"name": "Live programme"})
        credentials.issue(conn, live.tenant, listings.get(conn, live.tenant, program).public_id, "Live",
                          [credentials.NewRecipient("Live", "live@example.edu")], signing_with=signing())


@dataclass
class Existing:
    """Ids that exist, read through each dialect's own list routes: per path template,
    and for the request bodies that name something (`programId`, `program_id`, ...)."""

    paths: dict[str, list[str]]
    bodies: dict[str, list[Any]]

    def substitute(self, case: Any, index: int) -> None:
        """Make `case` name existing things (the `index`th of each kind), in place."""
        for name in case.path_parameters:
            values = self.paths.get(f"{case.operation.path}#{name}") or self.paths.get(case.operation.path)
            if values is None and case.operation.path.startswith(WEBADMIT_PREFIXES):
                values = self.paths.get(f"webadmit#{name}")
            if values:
                case.path_parameters[name] = values[index % len(values)]
        path = case.operation.path
        if path == "/api/v1/completed_certificates" and isinstance(case.query, dict) and "user_id" in case.query:
            case.query["user_id"] = self._pick("canvas users", index)
        if path == "/api/v1/certificates" and isinstance(case.query, dict) and "listing_id" in case.query:
            pool = "certified" if case.method.upper() == "GET" else "certified to delete"
            case.query["listing_id"] = self._pick(pool, index)
        if path == "/api/external/issuance/credentials/revoke" and isinstance(case.body, list):
            for position, item in enumerate(case.body):  # each an existing credential, each once
                if isinstance(item, dict) and "id" in item:
                    item["id"] = self.paths["/credentials/{recipientId}"][(index + position) % len(self.paths["/credentials/{recipientId}"])]
        body = case.body if isinstance(case.body, dict) else None
        if body is None:
            return
        answer = body.get("custom_field_answer")
        if path.endswith("/custom_field_answers/{custom_field_id}") and isinstance(answer, dict):
            # the custom field of the type the body names, so that a value of that type is stored
            fields = self.bodies["webadmit custom fields"]
            kind = answer.get("field_type")
            case.path_parameters["custom_field_id"] = str(fields.get(kind if isinstance(kind, str) else "", fields["select"]))
        if path == "/api/v1/certificates" and isinstance(body.get("certificate"), dict):
            body["certificate"]["listing_id"] = self._pick("uncertified", index)
        elif path == "/api/v1/certificates/revoke_users_certificate" and isinstance(body.get("certificate"), dict):
            body["certificate"]["listing_id"] = self._pick("certified", index)
        elif path == "/api/external/issuance/credentials" and "programId" in body:
            body["programId"] = self._pick("record programs", index)
        elif path.endswith("/archived") and "product_ids" in body:
            body["product_ids"] = [self._pick(path.split("/")[3], index)]
        elif path == "/program/v1/nomination/add":
            # A nomination needs an open programme, a status and a nominee: without all three
            # (which random bodies seldom have) no positive case could ever succeed.
            request = body["request"] if isinstance(body.get("request"), dict) else body.setdefault("request", {})
            if not isinstance(request, dict):
                return
            request["program_id"] = self._pick("sunbird programs", index)
            if not isinstance(request.get("status"), str):
                request["status"] = "Pending"
            if not isinstance(request.get("user_id"), str) and not isinstance(request.get("organisation_id"), str):
                request["user_id"] = f"fuzz-nominee-{index}"
        elif path == "/api/v1/enrollments":
            # an existing user and an open course: without both no enrollment could succeed
            inner = body["enrollment"] if isinstance(body.get("enrollment"), dict) else body
            inner["user_id"] = self._pick("learners", index)
            inner["listing_id"] = self._pick("open courses", index)
        elif path.startswith("/program/v1/") and isinstance(body.get("request"), dict):
            request = body["request"]
            if path in ("/program/v1/nomination/update", "/program/v1/nomination/remove"):
                nomination = self._pick("sunbird nominations", index)
                for key in ("program_id", "organisation_id", "user_id"):
                    if key in request:
                        request[key] = nomination[key]
            elif "program_id" in request:
                request["program_id"] = self._pick("sunbird programs", index)

    def _pick(self, kind: str, index: int) -> Any:
        values = self.bodies[kind]
        return values[index % len(values)]


def _existing(client: Any, key: TenantKey) -> Existing:
    record, catalog, webadmit = key.bearer, key.token, {"x-api-key": key.key}
    base = "/api/external/issuance"
    program_ids = [p["programId"] for p in client.get(f"{base}/programs", headers=record).json()["data"]]
    batch_ids = [b["batchId"] for b in client.get(f"{base}/credentials", headers=record).json()["data"]]
    recipient_ids = [
        r["recipientId"]
        for batch_id in batch_ids
        for r in client.get(f"{base}/credentials/{batch_id}", headers=record).json()["data"]["recipients"]
    ]
    paths: dict[str, list[str]] = {
        f"{base}/programs/{{programId}}": program_ids,
        f"{base}/credentials/{{batchId}}": batch_ids,
        "/credentials/{recipientId}": recipient_ids,
        "/credentials/{recipientId}/credential.json": recipient_ids,
        f"{base}/credentials/recipients/{{recipientId}}/revoke": recipient_ids,
        "/orgs/{orgId}/did.json": [key.tenant.org_public_id],
        "/orgs/{orgId}/test/did.json": [key.tenant.org_public_id],
    }
    for mode in ("", "/test"):  # the first status list of each mode
        paths[f"/orgs/{{orgId}}{mode}/status/{{number}}#orgId"] = [key.tenant.org_public_id]
        paths[f"/orgs/{{orgId}}{mode}/status/{{number}}#number"] = ["1"]
    bodies: dict[str, list[Any]] = {"record programs": program_ids}
    # A course no program requires, so that DELETE has one to succeed on (the demo's are all required).
    assert client.post("/api/v1/courses", json={"course": {"title": "Fuzz course"}}, headers=catalog).status_code == 201
    required = {
        requirement["id"]
        for program in client.get("/api/v1/programs?per_page=100", headers=catalog).json()["programs"]
        for requirement in program["requirements"]
    }
    for kind in ("programs", "courses", "catalogs"):
        listed = client.get(f"/api/v1/{kind}?per_page=100", headers=catalog).json()[kind]
        # Path ids are listings no other requires, so that every operation on them can succeed.
        paths[f"/api/v1/{kind}/{{id}}"] = [str(item["id"]) for item in listed if kind == "catalogs" or item["id"] not in required]
        bodies[kind] = [item["id"] for item in listed]
    # Certificates: listings with one to read, with one to delete, and without one to create it for.
    pools: dict[str, list[int]] = {"certified": [], "certified to delete": [], "uncertified": []}
    for pool, count in (("certified", 2), ("certified to delete", 10), ("uncertified", 20)):
        for n in range(count):
            course = client.post("/api/v1/courses", json={"course": {"title": f"{pool} {n}"}}, headers=catalog)
            pools[pool].append(course.json()["course"]["id"])
            if pool != "uncertified":
                made = client.post("/api/v1/certificates", headers=catalog, json={
                    "certificate": {"listing_id": pools[pool][-1], "name": "Fuzz certificate"}})
                assert made.status_code == 201, made.text
    bodies.update(pools)
    canvas_user = client.post("/api/v1/users", json={"email_address": "fuzz-canvas@example.edu", "canvas_user_id": 4242},
                              headers=catalog)
    assert canvas_user.status_code == 201, canvas_user.text
    bodies["canvas users"] = [4242]
    # Learners: users, open courses to enroll them in, their enrollments and waitlist places.
    users = [
        client.post("/api/v1/users", json={"email_address": f"fuzz-learner-{n}@example.edu"}, headers=catalog).json()[
            "user"
        ]["id"]
        for n in range(20)
    ]
    open_courses = [
        client.post("/api/v1/courses", json={"course": {"title": f"Open {n}"}}, headers=catalog).json()["course"]["id"]
        for n in range(7)
    ]
    full = client.post("/api/v1/courses", json={"course": {"title": "Full", "enrollment_cap": 0, "waitlist": True}},
                       headers=catalog).json()["course"]["id"]
    enrolled = [
        client.post("/api/v1/enrollments", json={"user_id": user, "listing_id": open_courses[0]}, headers=catalog).json()[
            "enrollment"
        ]["id"]
        for user in users[:5]
    ]
    waiting = [
        client.post("/api/v1/enrollments", json={"user_id": user, "listing_id": full}, headers=catalog).json()[
            "applicant"
        ]["id"]
        for user in users[:3]
    ]
    paths["/api/v1/users/{id}"] = paths["/api/v1/user_registrations/{id}"] = [str(user) for user in users[10:]]
    paths["/api/v1/enrollments/{id}"] = [str(enrollment) for enrollment in enrolled]
    paths["/api/v1/applicants/{id}"] = [str(applicant) for applicant in waiting]
    started = client.post("/api/v1/bulk_enrollments", json={"rows": [{"user_id": users[19], "listing_id": open_courses[0]}]},
                          headers=catalog).json()["bulk_enrollment"]["id"]
    paths["/api/v1/bulk_enrollments/{id}"] = paths["/api/v1/progresses/{id}"] = [str(started)]
    bodies["learners"], bodies["open courses"] = users[5:10], open_courses[1:]
    listed = client.post("/program/v1/list", json={"request": {"filters": {}}}, headers=record).json()
    sunbird_programs = [p["program_id"] for p in listed["result"]["programs"]]
    paths["/program/v1/read/{program_id}"] = bodies["sunbird programs"] = sunbird_programs
    nominations = client.post("/program/v1/nomination/list", json={"request": {}}, headers=record).json()["result"]
    bodies["sunbird nominations"] = nominations
    identities = client.get("/api/v1/user_identities", headers=webadmit).json()["user_identities"]
    for route in ("programs", "organizations"):
        paths[f"/api/v1/user_identities/{{user_identity_id}}/{route}"] = [str(i["id"]) for i in identities]
    paths.update(_webadmit_admissions(client, webadmit, catalog, identities[0]["id"]))
    program = int(paths["webadmit#program_id"][0])
    fields = client.get(f"/api/v1/user_identities/{identities[0]['id']}/programs/{program}/custom_fields", headers=webadmit)
    bodies["webadmit custom fields"] = {field["field_type"]: field["id"] for field in fields.json()["custom_fields"]}
    assert all(paths.values()) and all(bodies.values()), (paths, bodies)
    return Existing(paths, bodies)


WEBADMIT_PREFIXES = ("/api/v1/user_identities/", "/api/v2/user_identities/", "/api/v1/exports/")


def _webadmit_admissions(
    client: Any, headers: dict[str, str], catalog: dict[str, str], identity: int
) -> dict[str, list[str]]:
    """Admissions to name in WebAdMIT's path parameters (by name: one identity sees them
    all): a program with an applicant and custom fields, the identity's first export with a
    file, and a batch of each kind."""
    base, v2 = f"/api/v1/user_identities/{identity}", f"/api/v2/user_identities/{identity}"
    # A program of its own, made after Catalog's ids were read, so that no Catalog DELETE
    # removes it before WebAdMIT's DELETE has its turn; with the demo's kinds of fields.
    made = client.post("/api/v1/programs", json={"program": {"title": "Fuzz admissions"}}, headers=catalog)
    program = made.json()["program"]["id"]
    for field in (
        {"label": "House", "field_type": "select", "options": ["Gryffindor", "Slytherin"]},
        *({"label": kind.title(), "field_type": kind} for kind in ("number", "boolean", "date", "string")),
    ):
        client.post(f"{base}/programs/{program}/custom_fields", json={"custom_field": field}, headers=headers)
    client.post(f"{base}/applicants", json={"applicant": {"cas_id": "5", "email": "fuzz@example.edu", "first_name": "F",
                                                          "last_name": "Z", "program_ids": [program]}}, headers=headers)
    fields = client.get(f"{base}/programs/{program}/custom_fields", headers=headers).json()["custom_fields"]
    export = client.get(f"{base}/exports", headers=headers).json()["exports"][0]["id"]
    run = client.post(f"{base}/exports/{export}/export_files", headers=headers).json()["export_files"]["id"]
    paths = {
        "webadmit#user_identity_id": [str(identity)],
        "webadmit#program_id": [str(program)],
        "webadmit#cas_id": ["5"],
        "webadmit#custom_field_id": [str(next(f["id"] for f in fields if f["field_type"] == "select"))],
        "webadmit#export_id": [str(export)],
        "webadmit#export_file_id": [str(run)],
    }
    for resource, root in (("batch_designations", "designations"), ("batch_custom_field_answers", "custom_field_answers")):
        batch = client.post(f"{v2}/programs/{program}/{resource}", json={root: []}, headers=headers).json()["batch"]["id"]
        paths[f"/api/v2/user_identities/{{user_identity_id}}/programs/{{program_id}}/{resource}/{{id}}#id"] = [str(batch)]
    return paths


# --- one case ----------------------------------------------------------------------------


def _refusal_messages(dialect: str, body: Any) -> list[str]:
    if dialect == RECORD:
        return [str(body.get("message", ""))]
    if dialect == CATALOG:
        return [str(item.get("message")) for item in body.get("errors", [])]
    if dialect == SUNBIRD:
        return [str(body.get("params", {}).get("errmsg"))]
    return [str(body)]


def _is_accepted_refusal(dialect: str, response: Any) -> bool:
    try:
        messages = _refusal_messages(dialect, response.json())
    except ValueError:
        return False
    return bool(messages) and all(
        any(pattern.search(message) for pattern in ACCEPTED_REFUSALS[dialect]) for message in messages
    )


@dataclass
class Target:
    """Where this run sends its cases: an app, a key, the ids that exist there."""

    app: FastAPI
    key: TenantKey
    existing: Existing
    findings: Findings = field(default_factory=Findings)


def _run_case(generated: Generated, mode: GenerationMode, target: Target) -> None:
    case, findings = generated.case, target.findings
    label = case.operation.label
    dialect = dialect_of(case.operation.path)
    # The case is replayed on the other database: change it for this call only.
    body = copy.deepcopy(case.body) if isinstance(case.body, dict | list) else case.body  # NOT_SET stays itself
    saved = dict(case.headers or {}), dict(case.path_parameters or {}), body
    saved_query = dict(case.query) if isinstance(case.query, dict) else None
    assert not {name.lower() for name in saved[0]} & set(AUTH_HEADERS), saved[0]
    if generated.existing is not None:
        target.existing.substitute(case, generated.existing)
    headers = auth_headers(dialect, target.key)
    try:
        findings.cases[label] += 1
        response = case.call(app=target.app, headers=headers)
        _judge(case, mode, dialect, response, headers, target)
    finally:
        case.headers.clear()
        case.headers.update(saved[0])
        case.path_parameters.clear()
        case.path_parameters.update(saved[1])
        if saved_query is not None:
            case.query.clear()
            case.query.update(saved_query)
        if case.body != saved[2]:
            # Only a body the substitution changed: schemathesis judges a body set again anew, and
            # takes an absent optional one (a PUT without a body) for an invalid one, a negative case.
            case.body = saved[2]


def _judge(case: Any, mode: GenerationMode, dialect: str, response: Any, headers: dict[str, str], target: Target) -> None:
    label, findings, status = case.operation.label, target.findings, response.status_code
    findings.statuses[(label, status)] += 1
    curl = case.as_curl_command(headers=headers)
    try:
        case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": target.app})
    except FailureGroup as failures:
        for failure in failures.exceptions:
            if type(failure).__name__ == "AcceptedNegativeData" and _only_an_optional_body_omitted(case):
                continue  # leaving out an optional body is valid input, whatever the case was drawn as
            if type(failure).__name__ == "AcceptedNegativeData" and status == 413:
                # Refused before it was read: over the body limit (2 MiB), as a batch of more rows
                # than its maxItems drawn large can be. A refusal schemathesis's list leaves out
                # (its envelope is checked below).
                continue
            findings.fail(label, type(failure).__name__, f"{failure}\nanswered {status}\n{curl}")
    if status >= 400:
        content_type = (response.headers.get("content-type") or [None])[0]
        problem = envelope_problem(dialect, status, content_type, response.content)
        if problem:
            findings.fail(label, "envelope", f"{problem}\n{curl}")
    if mode is GenerationMode.POSITIVE and status in (400, 422) and not _is_accepted_refusal(dialect, response):
        findings.fail(label, f"valid input refused ({status})", f"{response.content[:500]!r}\n{curl}")


# Long: scheduled first. One worker runs both databases, so the second replays the
# first's generated cases (`_Fuzz`) instead of generating them again.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("schema-fuzz")]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest's, with the credential page's per-address limit out of the way: the fuzz
    opens pages from one address faster than people do (the limit has its own tests)."""
    return settings.model_copy(update={"credential_page_rate_limit": 10**6})


def test_schemathesis_every_operation_of_every_dialect(app: FastAPI, client: Any, store: Store, backend: str) -> None:
    key = _demo_key(store)
    target = Target(app, key, _existing(client, key))
    _live_credential(store, key)
    schema = _Fuzz.load(app)
    operations = _operations(schema)
    assert {dialect_of(op.path) for op in operations} == {RECORD, CATALOG, SUNBIRD, WEBADMIT}
    for operation in operations:
        for mode in MODES:
            _Fuzz.generate(operation, mode, lambda generated, mode=mode: _run_case(generated, mode, target))

    findings = target.findings
    print(f"\nschemathesis on {backend}: {findings.total} generated cases over {len(operations)} operations")
    assert not findings.failures, "\n\n".join(f"== {where}\n{detail}" for where, detail in findings.failures.items())
    labels = {op.label for op in operations}
    assert set(findings.cases) == labels
    assert findings.total >= len(operations) * MAX_EXAMPLES[GenerationMode.POSITIVE]
    successes = {label for (label, status), _n in findings.statuses.items() if status < 300}
    assert successes == labels, "never answered 2xx: " + ", ".join(sorted(labels - successes))
