"""A hostile-input corpus against every route of every dialect, through a real
`programhub serve` process, on SQLite and on PostgreSQL.

The routes come from the live server's own OpenAPI document, so a new route cannot be
forgotten: every operation must have a body shape below (if it takes a body) and a known
value for its path parameter, or the test fails saying so. Each route gets every item of
the corpus that applies to it:

- bodies: malformed JSON, wrong or missing Content-Type, 10 MB (honest Content-Length, a
  Content-Length claiming 10 MB for a short body, one claiming 1,000 bytes for 10 MB, and
  chunked), JSON nested 10,000 deep (and 1,000 deep inside a field, under the parser's own
  limit), arrays of 100,000 items, NUL characters (escaped and raw), raw invalid UTF-8,
  lone surrogates (in values and keys), out-of-range numbers (10**30, 1e400, NaN,
  Infinity) and dates (year 0 and 10000, 2024-02-30, 1e20, offsets past year 1 or 9999);
- path parameters: SQL injection strings, NUL, invalid UTF-8 (encoded and raw), lone
  surrogates, negative, zero and huge numbers, NaN, Infinity, 5,000 characters, dot-dot;
- query strings: the same in every declared filter and in routes without parameters
  (ignored there, as documented), page/per_page of -1, 0, 10**30, 1e400, NaN, Infinity,
  and 100,000 repeats of a parameter.

Every answer must come within a timeout (never a hang), never be a 5xx, and be a 4xx in the
dialect's own envelope, except where a well-formed hostile value is legitimately answered:
a text filter that finds nothing (200 with an empty list, which also proves an injection
string matched nothing), a parameter the route ignores, and a page size that is capped.
Afterwards every read route answers what it answered before (nothing changed, nothing new),
the tenant tables hold the same rows, and the server's peak resident memory stays bounded.

What is not valid HTTP/1.1 (raw non-ASCII bytes in the request line, bytes after a body
shorter than its Content-Length said) may instead get uvicorn's own `400 Invalid HTTP request
received.`: the parser refuses it before any route, so no dialect can claim it. A request
head over 16 KB (a query string of thousands of repeated parameters) gets the server's 431
(web/server.py), also before any route; when that head is megabytes long the server may close
while the client is still writing it, and the client then sees the connection reset instead
(as tests/hardening/test_connections.py accepts for its 10 MB header). A Content-Length under the limit for a 10 MB body cannot be a 413
either: the server reads the declared 1,000 bytes (a truncated, refused body) and no more.
"""

from __future__ import annotations

import copy
import http.client
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from programhub.core.tables import metadata
from programhub.core.tenancy import Mode
from programhub.dialects.record.errors import ALL_CODES as RECORD_CODES
from programhub.store import Store
from tests.dialects.webadmit.support import make_identity
from tests.hardening.live_process import ServerProcess
from tests.support import TenantKey, make_org, make_tenant_key

RECORD = "/api/external/issuance"
CATALOG = "/api/v1"
SUNBIRD = "/program/v1"
WEBADMIT = "/api/v1/user_identities"
WEBADMIT_V2 = "/api/v2/user_identities"  # batches
WEBADMIT_EXPORTS = "/api/v1/exports"  # WebAdMIT's, though under Catalog's prefix
PAGE = "/credentials"
ISSUERS = "/orgs"  # DID documents and status lists (Record's, no key)
NO_RECIPIENT = "rec_1779175802952_zlymqs"  # revocations target it: refused as not found, nothing revoked

TIMEOUT = 20.0  # only to turn a hang into a failure; no answer should take a fraction of it
TEN_MB = 10 * 1024 * 1024
HUNDRED_K = 100_000
# Baseline of a serving process (Python, FastAPI, SQLAlchemy, psycopg, uvicorn) is about
# 90 MB. A request may hold one 2 MiB body, its parse (a 100,000-item array is ~10 MB of
# Python objects) and one answer at a time; 250 MB leaves room for allocator slack but
# not for a body read whole past the limit (10 MB, many times) or an unbounded structure.
MEMORY_BOUND_MB = 250
NOWHERE = "00000000-0000-4000-8000-000000000000"  # a Sunbird program id no row has
NO_LISTING = 2_000_000_000  # a Catalog id no row has


class Expect(Enum):
    REFUSED = "a 4xx in the dialect's envelope"
    EMPTY = "a 4xx, or a 2xx with an empty list"
    TOLERATED = "a 4xx, or a 2xx (the value is legitimately ignored or capped)"
    TOO_LARGE = "413 in the dialect's envelope"
    HEAD_TOO_LARGE = "the server's 431, before any dialect"


@dataclass(frozen=True)
class Raw:
    """JSON number text that Python's json cannot write (1e400, 10**30 as written)."""

    text: str


def to_json(value: Any) -> bytes:
    """`value` as JSON, with every Raw written verbatim."""
    raws: list[str] = []

    def encode(item: Any) -> Any:
        if isinstance(item, Raw):
            raws.append(item.text)
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(item, dict):
            return {key: encode(v) for key, v in item.items()}
        if isinstance(item, list):
            return [encode(v) for v in item]
        return item

    text = json.dumps(encode(value), separators=(",", ":"))
    for index, raw in enumerate(raws):
        text = text.replace(f'"@@raw{index}@@"', raw)
    return text.encode()


# --- routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    has_body: bool

    @property
    def dialect(self) -> str:
        for prefix, name in ((WEBADMIT, "webadmit"), (WEBADMIT_V2, "webadmit"), (WEBADMIT_EXPORTS, "webadmit"),
                             (RECORD, "record"), (SUNBIRD, "sunbird"), (CATALOG, "catalog"),
                             (PAGE, "page"), (ISSUERS, "issuer")):
            if self.template == prefix or self.template.startswith(prefix + "/"):
                return name
        raise AssertionError(f"{self.template}: no dialect owns this path; add it to the corpus")

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def routes_of(document: dict[str, Any]) -> list[Route]:
    """Every operation of the OpenAPI document."""
    routes = []
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            routes.append(Route(
                method.upper(), template,
                tuple(p["name"] for p in params if p["in"] == "path"),
                tuple(p["name"] for p in params if p["in"] == "query"),
                "requestBody" in operation,
            ))
    return routes


# --- the data the corpus must leave alone ----------------------------------------------------


@dataclass
class World:
    """Keys per dialect and the ids of the little data created through the APIs."""

    keys: dict[str, TenantKey]
    ids: dict[str, Any] = field(default_factory=dict)

    def auth(self, dialect: str) -> dict[str, str]:
        key = self.keys[dialect]
        return {"record": key.bearer, "catalog": key.token, "sunbird": key.bearer, "webadmit": key.x_api_key,
                "page": {}, "issuer": {}}[dialect]

    def path_value(self, route: Route) -> str:
        """The id of a real row for the route's first path parameter."""
        return self.path_values(route)[route.path_params[0]]

    def path_values(self, route: Route) -> dict[str, str]:
        """Real values for each of the route's path parameters."""
        several = {
            f"{ISSUERS}/{{orgId}}/status/{{number}}": {"orgId": self.ids["org"], "number": "1"},
            f"{ISSUERS}/{{orgId}}/test/status/{{number}}": {"orgId": self.ids["org"], "number": "1"},
        }
        if route.template in several:
            return several[route.template]
        if route.dialect == "webadmit" and len(route.path_params) > 1:
            return self.webadmit_values(route)
        by_template = {
            f"{RECORD}/programs/{{programId}}": self.ids["record_program"],
            f"{RECORD}/credentials/{{batchId}}": self.ids["batch"],
            f"{PAGE}/{{recipientId}}": self.ids["recipient"],
            f"{PAGE}/{{recipientId}}/credential.json": self.ids["recipient"],
            f"{RECORD}/credentials/recipients/{{recipientId}}/revoke": NO_RECIPIENT,
            f"{ISSUERS}/{{orgId}}/did.json": self.ids["org"],
            f"{ISSUERS}/{{orgId}}/test/did.json": self.ids["org"],
            f"{CATALOG}/programs/{{id}}": self.ids["catalog_program"],
            f"{CATALOG}/courses/{{id}}": self.ids["course"],
            f"{CATALOG}/catalogs/{{id}}": self.ids["catalog"],
            f"{CATALOG}/users/{{id}}": self.ids["user"],
            f"{CATALOG}/user_registrations/{{id}}": self.ids["user"],
            f"{CATALOG}/enrollments/{{id}}": self.ids["enrollment"],
            f"{CATALOG}/applicants/{{id}}": self.ids["applicant"],
            f"{CATALOG}/bulk_enrollments/{{id}}": self.ids["bulk_enrollment"],
            f"{CATALOG}/progresses/{{id}}": self.ids["bulk_enrollment"],
            f"{SUNBIRD}/read/{{program_id}}": self.ids["sunbird_program"],
            f"{WEBADMIT}/{{user_identity_id}}/programs": self.ids["identity"],
            f"{WEBADMIT}/{{user_identity_id}}/organizations": self.ids["identity"],
            **{f"{WEBADMIT}/{{user_identity_id}}/{resource}": self.ids["identity"]
               for resource in ("applicants", "decisions", "local_statuses", "exports", "export_files")},
        }
        assert route.template in by_template, f"{route}: no real id for its path parameter; add one to the corpus"
        assert len(route.path_params) == 1, f"{route}: name a real value for each of its path parameters"
        return {route.path_params[0]: str(by_template[route.template])}

    def webadmit_values(self, route: Route) -> dict[str, str]:
        """Real values for a WebAdMIT route of several path parameters: the identity, the
        program it sees, applicant 3, the program's custom field, the export and its file,
        the batch of the route's kind."""
        ids = self.ids
        known = {"user_identity_id": ids["identity"], "program_id": ids["catalog_program"], "cas_id": ids["cas_id"],
                 "custom_field_id": ids["custom_field"], "export_id": ids["export"], "export_file_id": ids["export_file"]}
        values = {}
        for name in route.path_params:
            if name == "id" and "/batch_" in route.template:
                known["id"] = ids[route.template.split("/batch_")[1].split("/")[0]]
            assert name in known, f"{route}: no real value for {name}; add one to the corpus"
            values[name] = str(known[name])
        return values

    def target(self, route: Route, value: str | None = None, param: str | None = None) -> str:
        """The route's path with its parameter `param` (the first when not named) set to
        `value` (already encoded), else a real id, and any other parameter a real value."""
        if not route.path_params:
            return route.template
        path, hostile = route.template, param or route.path_params[0]
        for name, real in self.path_values(route).items():
            path = path.replace(f"{{{name}}}", value if name == hostile and value is not None else real)
        return path


def create_world(http: Client, store: Store, org: str) -> World:
    """A key per dialect and a little data in each, created through the APIs (identities,
    which have no API, through the core as the CLI does)."""
    world = World({name: make_tenant_key(store, org, Mode.TEST) for name in ("record", "catalog", "sunbird", "webadmit")})
    world.keys["page"] = world.keys["issuer"] = world.keys["record"]
    world.ids["org"] = org
    ids = world.ids

    def ok(status: int, body: Any, expected: int = 200) -> Any:
        assert status == expected, body
        return body

    record = world.auth("record")
    ids["record_program"] = ok(*http.json("POST", f"{RECORD}/programs", {"name": "Hostile-free"}, record), 201)["data"]["programId"]
    batch = ok(*http.json("POST", f"{RECORD}/credentials", {"programId": ids["record_program"], "batchName": "Spring",
               "recipients": [{"name": "Ada", "email": "ada@example.edu"}]}, record), 201)["data"]
    ids["batch"], ids["recipient"] = batch["batchId"], batch["recipients"][0]["recipientId"]

    catalog = world.auth("catalog")
    ids["catalog"] = ok(*http.json("POST", f"{CATALOG}/catalogs", {"account": {"name": "Second"}}, catalog), 201)["account"]["id"]
    ids["course"] = ok(*http.json("POST", f"{CATALOG}/courses", {"course": {"title": "Course", "credits": 3}}, catalog),
                       201)["course"]["id"]
    ids["catalog_program"] = ok(*http.json("POST", f"{CATALOG}/programs", {"program": {
        "title": "Program", "requirement_ids": [ids["course"]], "tag_names": ["plain"],
        "description": "Plain", "start_date": "2025-01-01"}}, catalog), 201)["program"]["id"]

    ok(*http.json("POST", f"{CATALOG}/certificates", {"certificate": {"listing_id": ids["course"], "name": "Completion"}},
                  catalog), 201)
    ids["user"] = ok(*http.json("POST", f"{CATALOG}/users", {"user": {"email_address": "learner@example.edu"}}, catalog),
                     201)["user"]["id"]
    full = ok(*http.json("POST", f"{CATALOG}/courses", {"course": {"title": "Full", "enrollment_cap": 0, "waitlist": True}},
                         catalog), 201)["course"]["id"]
    ids["applicant"] = ok(*http.json("POST", f"{CATALOG}/enrollments", {"user_id": ids["user"], "listing_id": full},
                                     catalog), 202)["applicant"]["id"]
    ids["enrollment"] = ok(*http.json("POST", f"{CATALOG}/enrollments", {"user_id": ids["user"], "listing_id": ids["course"]},
                                      catalog), 201)["enrollment"]["id"]
    ids["bulk_enrollment"] = ok(*http.json("POST", f"{CATALOG}/bulk_enrollments", {"rows": [
        {"email_address": "bulk@example.edu", "listing_id": ids["course"]}]}, catalog), 201)["bulk_enrollment"]["id"]
    for _ in range(200):  # finished before the snapshot, so that nothing moves under the corpus
        progress = ok(*http.json("GET", f"{CATALOG}/progresses/{ids['bulk_enrollment']}", None, catalog))["progress"]
        if progress["workflow_state"] == "completed":
            break
        time.sleep(0.05)

    sunbird = world.auth("sunbird")
    ids["sunbird_program"] = ok(*http.json("POST", f"{SUNBIRD}/create", {"request": {
        "name": "Open call", "type": "public", "content_types": ["Story"], "config": {"board": "CBSE"}}}, sunbird))[
        "result"]["program_id"]
    ok(*http.json("POST", f"{SUNBIRD}/publish", {"request": {"program_id": ids["sunbird_program"]}}, sunbird))
    ok(*http.json("POST", f"{SUNBIRD}/nomination/add", {"request": {
        "program_id": ids["sunbird_program"], "status": "Pending", "organisation_id": "org-1", "user_id": "user-1",
        "rolemapping": {"REVIEWER": ["user-1"]}}}, sunbird))

    ids["identity"] = make_identity(store, world.keys["webadmit"].tenant)
    webadmit, identity = world.auth("webadmit"), f"{WEBADMIT}/{ids['identity']}"
    program = f"{identity}/programs/{ids['catalog_program']}"
    ids["decision"] = ok(*http.json("POST", f"{identity}/decisions", {"decision": {"name": "Denied", "outcome": "deny"}},
                                    webadmit), 201)["decision"]["id"]
    ids["local_status"] = ok(*http.json("POST", f"{identity}/local_statuses", {"local_status": {"title": "Deposit Made"}},
                                        webadmit), 201)["local_status"]["id"]
    ids["custom_field"] = ok(*http.json("POST", f"{program}/custom_fields", {"custom_field": {
        "label": "Age at admittance", "field_type": "number"}}, webadmit), 201)["custom_field"]["id"]
    ids["cas_id"] = ok(*http.json("POST", f"{identity}/applicants", {"applicant": {
        "cas_id": "3", "email": "applicant3@example.edu", "first_name": "Harry", "last_name": "Potter",
        "program_ids": [ids["catalog_program"]]}}, webadmit), 201)["applicant"]["cas_id"]
    ok(*http.json("PUT", f"{program}/applicants_by_cas_id/3/custom_field_answers/{ids['custom_field']}",
                  {"custom_field_answer": {"field_type": "number", "value": 11}}, webadmit))
    ids["export"] = ok(*http.json("POST", f"{identity}/exports", {"export": {"name": "Nightly"}}, webadmit), 201)[
        "export"]["id"]
    ids["export_file"] = ok(*http.json("POST", f"{identity}/exports/{ids['export']}/export_files", {}, webadmit), 201)[
        "export_files"]["id"]
    ids["designations"] = ok(*http.json("POST", f"{WEBADMIT_V2}/{ids['identity']}/programs/{ids['catalog_program']}"
                                        "/batch_designations", {"designations": [
                                            {"applicant_cas_id": "3", "decision_id": ids["decision"]}]}, webadmit), 201)[
        "batch"]["id"]
    ids["custom_field_answers"] = ok(*http.json(
        "POST", f"{WEBADMIT_V2}/{ids['identity']}/programs/{ids['catalog_program']}/batch_custom_field_answers",
        {"custom_field_answers": [{"applicant_cas_id": "3", "custom_field_id": ids["custom_field"],
                                   "field_type": "number", "value": 12}]}, webadmit), 201)["batch"]["id"]
    v2 = f"{WEBADMIT_V2}/{ids['identity']}/programs/{ids['catalog_program']}"
    for path, key in ((f"{WEBADMIT_EXPORTS}/{ids['export']}/export_files/{ids['export_file']}", "export_files"),
                      (f"{v2}/batch_designations/{ids['designations']}", "batch"),
                      (f"{v2}/batch_custom_field_answers/{ids['custom_field_answers']}", "batch")):
        for _ in range(200):  # finished before the snapshot, so that nothing moves under the corpus
            if ok(*http.json("GET", path, None, webadmit))[key]["status"] not in ("Queued", "In Progress"):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"{path} did not finish")
    return world


def stable(body: Any) -> Any:
    """An answer without what changes from one call to the next: Sunbird's per-answer
    stamps, the expiry and signature of a WebAdMIT download link."""
    body = body.get("result", body) if isinstance(body, dict) else body
    if isinstance(body, dict) and isinstance(body.get("export_files"), dict) and "download_url" in body["export_files"]:
        link = body["export_files"]["download_url"]
        body = {"export_files": {**body["export_files"], "download_url": link.split("?")[0]}}
    return body


def snapshot(http: Client, world: World, routes: list[Route]) -> dict[str, Any]:
    """What every read route answers with real ids (Sunbird's envelope without its
    per-answer stamps), and every list of Sunbird's including retired and drafts."""
    shown: dict[str, Any] = {}
    for route in routes:
        if route.method == "GET":
            status, body = http.json("GET", world.target(route), None, world.auth(route.dialect))
            shown[str(route)] = (status, stable(body))
    for path in ("/api/v1/programs?archived=true", "/api/v1/courses?archived=true",
                 f"/api/v1/certificates?listing_id={world.ids['course']}"):
        shown[path] = http.json("GET", path, None, world.auth("catalog"))
    statuses = ["Draft", "Live", "Unlisted", "Retired"]
    for path, request in ((f"{SUNBIRD}/list", {"filters": {"status": statuses}}),
                          (f"{SUNBIRD}/nomination/list", {"filters": {"program_id": world.ids["sunbird_program"]}})):
        status, body = http.json("POST", path, {"request": request}, world.auth("sunbird"))
        shown[path] = (status, body["result"])
    return shown


def row_counts(store: Store) -> dict[str, int]:
    """Rows per table, except the ones a refused call may legitimately write (the rate-limit
    count, a key's last use)."""
    with store.read() as conn:
        return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables if table.name not in ("rate_limit_windows",)}


# --- talking to the server ------------------------------------------------------------------


class Client:
    """One keep-alive connection (http.client sends a request target as given, so
    percent-encodings arrive untouched); it reconnects by itself after a `Connection: close`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.sent = 0

    def send(self, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        self.sent += 1
        try:
            self.conn.request(method, target, body=body, headers=headers)
            response = self.conn.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read())
        except (TimeoutError, socket.timeout):
            self.conn.close()
            return Answer(0, {}, b"no answer within the timeout (a hang)")
        except (http.client.HTTPException, OSError) as exc:
            self.conn.close()
            return Answer(-1, {}, f"connection failed: {exc!r}".encode())

    def json(self, method: str, target: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        content = None if body is None else to_json(body)
        answer = self.send(method, target, content, {**headers, "Content-Type": "application/json"})
        return answer.status, answer.json()

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def send_raw(port: int, head: bytes, body_parts: Iterator[bytes] | None = None) -> Answer:
    """A request written byte for byte on its own connection (raw bytes in the request
    line, lying Content-Length, chunked bodies). The body is written from a thread while
    the answer is read, since the server may answer (and close) before the body ends."""
    with closing(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)) as sock:
        sock.sendall(head)

        def write() -> None:
            try:
                for part in body_parts or ():
                    sock.sendall(part)
            except OSError:
                pass  # the server answered and closed: what it said is read below

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        response = http.client.HTTPResponse(sock, method=head.split(b" ", 1)[0].decode())
        try:
            response.begin()
            answer = Answer(response.status, dict(response.getheaders()), response.read())
        except (TimeoutError, socket.timeout):
            answer = Answer(0, {}, b"no answer within the timeout (a hang)")
        except (http.client.HTTPException, OSError) as exc:
            answer = Answer(-1, {}, f"connection failed: {exc!r}".encode())
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # stops the writer; the server may have gone already
        writer.join(timeout=TIMEOUT)
        return answer


def chunks(total: int, size: int = 256 * 1024, fill: bytes = b"x") -> Iterator[bytes]:
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        yield fill * part
        sent += part


# --- envelopes ------------------------------------------------------------------------------


def envelope_fault(dialect: str, answer: Answer) -> str | None:
    """Why `answer` is not a failure in the dialect's own envelope (None when it is)."""
    body = answer.json()
    if dialect == "record":
        if not (isinstance(body, dict) and set(body) == {"success", "code", "message"} and body["success"] is False
                and body["code"] in RECORD_CODES and isinstance(body["message"], str) and body["message"].endswith(".")):
            return "not Record's {success: false, code, message}"
    elif dialect == "catalog":
        items = body.get("errors") if isinstance(body, dict) else None
        if not (isinstance(items, list) and items and set(body) <= {"errors", "failed_product_ids"} and all(
                isinstance(i, dict) and isinstance(i.get("message"), str) and set(i) <= {"message", "field"} for i in items)):
            return "not Catalog's {errors: [{message, field?}]}"
    elif dialect == "sunbird":
        params = body.get("params") if isinstance(body, dict) else None
        if not (isinstance(params, dict) and set(body) == {"id", "ts", "params", "responseCode", "result"}
                and body["result"] == {} and params.get("status") == "failed"
                and str(params.get("err", "")).startswith("ERR_") and isinstance(params.get("errmsg"), str)
                and body["responseCode"] in ("CLIENT_ERROR", "RESOURCE_NOT_FOUND", "UNAUTHORIZED")):
            return "not Sunbird's failed envelope"
    elif dialect == "webadmit":
        if answer.status in (401, 403):
            return None if answer.body == b"" else "a WebAdMIT 401/403 has an empty body"
        schema = body.get("errors", {}).get("schema") if isinstance(body, dict) and isinstance(body.get("errors"), dict) else None
        legacy = isinstance(body, dict) and set(body) == {"message"} and isinstance(body["message"], str)
        fields = body.get("errors") if isinstance(body, dict) and set(body) == {"errors"} else None
        per_field = isinstance(fields, dict) and len(fields) == 1 and all(  # a model's refusal of one field, as Rails
            isinstance(m, list) and m and all(isinstance(t, str) for t in m) for m in fields.values())
        if not (legacy or per_field or (isinstance(schema, list) and schema and all(isinstance(m, str) for m in schema))):
            return "not WebAdMIT's {errors: {schema: [...]}}, {errors: {field: [...]}} or {message}"
    elif dialect == "issuer":
        return envelope_fault("record", answer)
    elif dialect == "page":
        if answer.header("content-type").startswith("text/html"):
            return None if b"<html" in answer.body.lower() else "not an HTML page"
        return envelope_fault("record", answer)
    if dialect != "webadmit" and not answer.header("content-type").startswith("application/json"):
        return f"Content-Type {answer.header('content-type')!r}"
    return None


def empty_list(body: Any) -> bool:
    """Whether a successful list answer lists nothing (Catalog, Sunbird's two lists)."""
    if not isinstance(body, dict):
        return False
    result = body.get("result", body)
    if isinstance(result, list):
        return result == []
    if isinstance(result, dict) and "programs" in result:
        return result["programs"] == [] and result.get("count", 0) == 0
    lists = [v for v in body.values() if isinstance(v, list)]
    return len(lists) == 1 and lists[0] == []


def judge(probe: Probe, answer: Answer) -> str | None:
    """The fault of `answer` to one corpus item, or None."""
    dialect, expect = probe.route.dialect, probe.expect
    if probe.http_layer and (answer.status, answer.body) == (400, HTTP_LAYER_REFUSAL):
        return None
    if expect is Expect.HEAD_TOO_LARGE and answer.status == -1 and len(probe.target) > 16 * HEAD_LIMIT and (
            b"BrokenPipe" in answer.body or b"ConnectionReset" in answer.body):
        return None  # closed after its 431 while megabytes of head were still being written
    if expect is Expect.HEAD_TOO_LARGE or (probe.http_layer and answer.status == 431):
        return None if (answer.status, answer.body) == (431, HEAD_TOO_LARGE) else f"{answer.status} instead of 431"
    if answer.status <= 0:
        return answer.body.decode(errors="replace")
    if answer.status >= 500:
        return f"{answer.status}: {answer.body[:300]!r}"
    if expect is Expect.TOO_LARGE and answer.status != 413:
        return f"{answer.status} instead of 413: {answer.body[:200]!r}"
    if 200 <= answer.status < 300:
        if expect is Expect.TOLERATED:
            return None
        if expect is Expect.EMPTY and empty_list(answer.json()):
            return None
        return f"{answer.status} accepted: {answer.body[:300]!r}"
    if not 400 <= answer.status < 500:
        return f"unexpected status {answer.status}"
    fault = envelope_fault(dialect, answer)
    return None if fault is None else f"{answer.status} {fault}: {answer.body[:300]!r}"


# --- the corpus -----------------------------------------------------------------------------

INJECTIONS = ("' OR '1'='1", "1; DROP TABLE listings--", "%", "_", "\\", "1' UNION SELECT secret_hash FROM api_keys--",
              "\") OR 1=1 --")
HUGE_NUMBERS = (Raw("1" + "0" * 30), Raw("1e400"), Raw("-1e400"), "NaN", "Infinity", "-Infinity", "1e400", 2**31, 2**63,
                -(2**63) - 1, Raw("1e20"))
BAD_DATES = ("0000-01-01", "10000-01-01", "2024-02-30", "2024-13-01", "-0001-01-01", Raw("1e20"), "1e20",
             "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999/12/31 23:59:59 -1400",
             "2024-01-01T25:61:61Z", "\u0661\u0669\u0667\u0660-01-01")
BAD_TEXT = ("a\u0000b", "\ud800", "x\udfff", "\u0000")
BAD_INDEXES = (-1, 0, Raw("1" + "0" * 30), Raw("1e400"), "NaN", "Infinity", "-Infinity", "", "1.5", 2**31, -(2**63) - 1, None)
MALFORMED = (b'{"a":', b"{'a': 1}", b"not json", b'{"a": 1}}', b'{"a": 1,}', b"\xef\xbb\xbf{}", b'{"a": NaN}',
             b'{"a": Infinity}', b'{"a": 1e400}', b'{"a" 1}', b"[" * 50)
WRONG_TYPES = ("text/plain", "application/xml", "multipart/form-data; boundary=zz", "application/x-www-form-urlencoded",
               None, "application/json; charset=latin-1", "application/json; charset=\u00ff")


@dataclass(frozen=True)
class Shape:
    """Where hostile values go in a route's body: the body is `base` with one field (a
    dotted path) replaced, so that only the hostile value can be what is refused."""

    base: dict[str, Any]
    text: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # injection strings: not found, refused, or (filters) found nothing
    pages: tuple[str, ...] = ()  # limit/offset
    nest: str | None = None  # a field holding JSON as given
    list_item: Any = "x"
    wrap: str | None = None  # the body is {wrap: fields}
    in_list: bool = False  # the body is [fields] (a bulk request)
    optional: bool = False  # the body may be left out, so {} is a whole request: the base stands in for it

    def body(self, dotted: str | None = None, value: Any = None) -> Any:
        fields = copy.deepcopy(self.base)
        if dotted is not None:
            *parents, last = dotted.split(".")
            node = fields
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        if self.in_list:
            return [fields]
        return {self.wrap: fields} if self.wrap else fields


def shapes(ids: dict[str, Any]) -> dict[str, Shape]:
    """The corpus's knowledge of each body route. A body route missing here fails the test."""
    listing_text = ("title", "description", "sku", "path", "teaser", "currency", "measurement")
    listing_lists = ("tag_names", "allowed_payment_types", "associated_account_ids")
    listing_numbers = ("enrollment_cap", "enrollment_fee", "credits", "list_order", "canvas_section_id", "waitlist_cap")
    listing_dates = ("start_date", "end_date", "enrollment_open_from", "enrollment_open_to")
    program = dict(text=listing_text, lists=(*listing_lists, "requirement_ids"), numbers=listing_numbers,
                   dates=listing_dates, ids=("account_id", "requirement_ids"), list_item=NO_LISTING)
    course = dict(text=listing_text, lists=listing_lists, numbers=(*listing_numbers, "canvas_course_id"),
                  dates=listing_dates, ids=("account_id", "associated_account_ids"), list_item=NO_LISTING)
    archive = Shape({"product_action": "archive", "product_ids": [NO_LISTING]}, text=("product_action",),
                    lists=("product_ids",), numbers=("product_ids",), ids=("product_ids", "product_action"),
                    list_item=NO_LISTING)
    sb_program = dict(text=("name", "description", "slug", "channel", "image", "createdby"),
                      lists=("content_types", "collection_ids", "target_collection_category", "rolemapping.REVIEWER"),
                      dates=("startdate", "enddate", "nomination_enddate", "content_submission_enddate"),
                      ids=("type", "status"), nest="config", wrap="request")
    sb_status = Shape({"program_id": NOWHERE}, text=("program_id", "channel"), lists=("program_id",),
                      ids=("program_id",), numbers=("program_id",), wrap="request")
    sb_list = Shape({"filters": {}}, text=("filters.name", "filters.rootorg_id", "filters.subject"),
                    lists=("filters.program_id", "filters.status", "filters.content_types", "filters.medium",
                           "filters.nomination.user_id"),
                    dates=("filters.nomination_enddate", "filters.content_submission_enddate"),
                    ids=("filters.name", "filters.program_id", "filters.type", "filters.status", "filters.rootorg_id",
                         "filters.createdby", "filters.channel", "filters.content_types", "filters.board",
                         "filters.subject", "filters.nomination.organisation_id.eq", "filters.nomination.user_id.eq",
                         "sort.name", "fields"),
                    pages=("limit", "offset"), nest="filters.nomination", wrap="request")
    nominee = {"program_id": ids["sunbird_program"], "organisation_id": "org-1", "user_id": "user-1"}
    learner = dict(text=("email_address", "user_name", "first_name", "last_name", "time_zone"),
                   lists=("custom_fields", "email_address"), numbers=("canvas_user_id", "registered_account_id"),
                   ids=("registered_account_id", "merged_into_user_id", "time_zone"), nest="custom_fields")
    # WebAdMIT's bases are refused by what they name (no such decision, program, row) or
    # say (an option of a number field), so that a hostile value cannot make one succeed.
    applicant = f"{WEBADMIT}/{{user_identity_id}}/programs/{{program_id}}/applicants_by_cas_id/{{cas_id}}"
    v2 = f"{WEBADMIT_V2}/{{user_identity_id}}/programs/{{program_id}}"
    nothing_decided: dict[str, Any] = {"numbers": ("decision_id", "local_status_id"), "text": ("decision_id",),
                                       "ids": ("decision_id", "local_status_id"), "lists": ("decision_id",)}
    webadmit = {
        f"PATCH {applicant}": Shape({"decision_id": NO_LISTING}, wrap="applicant", **nothing_decided),
        f"PATCH {applicant}/designation": Shape({"decision_id": NO_LISTING}, wrap="designation", **nothing_decided),
        f"PUT {applicant}/custom_field_answers/{{custom_field_id}}": Shape(
            {"field_type": "select", "value": "Refused"}, wrap="custom_field_answer", text=("value", "field_type"),
            lists=("value",), numbers=("value",), dates=("value",), ids=("field_type",), nest="value"),
        f"POST {WEBADMIT}/{{user_identity_id}}/applicants": Shape(
            {"cas_id": "77", "email": "refused@example.edu", "first_name": "Refused", "last_name": "Refused",
             "program_ids": [NO_LISTING]}, wrap="applicant", text=("cas_id", "email", "first_name", "last_name"),
            lists=("program_ids", "cas_id"), numbers=("cas_id", "program_ids"), ids=("cas_id", "email", "program_ids"),
            list_item=NO_LISTING),
        f"POST {WEBADMIT}/{{user_identity_id}}/decisions": Shape(
            {"name": "Denied", "outcome": "deny"}, wrap="decision", text=("name", "outcome"), lists=("name", "outcome"),
            ids=("outcome",)),
        f"POST {WEBADMIT}/{{user_identity_id}}/local_statuses": Shape(
            {"title": "Deposit Made"}, wrap="local_status", text=("title",), lists=("title",)),
        f"POST {WEBADMIT}/{{user_identity_id}}/programs/{{program_id}}/custom_fields": Shape(
            {"label": "Refused", "field_type": "number", "options": ["A"]}, wrap="custom_field",
            text=("label", "field_type"), lists=("options", "label"), ids=("field_type",), nest="options"),
        f"POST {WEBADMIT}/{{user_identity_id}}/exports": Shape(
            {"name": "Refused", "list_type": "mine"}, wrap="export", text=("name", "list_type", "format"),
            lists=("name",), ids=("list_type", "format")),
        f"POST {WEBADMIT}/{{user_identity_id}}/exports/{{export_id}}/export_files": Shape(
            {"callback": "http://refused.example/"}, text=("callback",), lists=("callback",), numbers=("callback",),
            ids=("callback",), optional=True),
        f"POST {v2}/batch_designations": Shape(
            {"designations": [{"applicant_cas_id": "3"}]}, text=("designations",), lists=("designations",),
            numbers=("designations",), list_item=1),  # small, as for bulk enrollments
        f"POST {v2}/batch_custom_field_answers": Shape(
            {"custom_field_answers": [{"applicant_cas_id": "3"}]}, text=("custom_field_answers",),
            lists=("custom_field_answers",), numbers=("custom_field_answers",), list_item=1),
    }
    return {
        **webadmit,
        f"POST {RECORD}/programs": Shape({"name": "Refused"}, text=("name", "description"), lists=("name", "description")),
        f"POST {RECORD}/credentials": Shape(
            {"programId": ids["record_program"], "batchName": "Refused",
             "recipients": [{"name": "Ada", "email": "ada@example.edu"}]},
            text=("batchName", "programId"), lists=("recipients", "batchName"), ids=("programId",), list_item={}),
        f"POST {RECORD}/credentials/recipients/{{recipientId}}/revoke": Shape(
            {"revocationReason": "Refused"}, text=("revocationReason",), lists=("revocationReason",)),
        f"POST {RECORD}/credentials/revoke": Shape(
            {"id": NO_RECIPIENT, "revocationReason": "Refused"}, text=("id", "revocationReason"),
            lists=("id", "revocationReason"), ids=("id",), in_list=True),
        f"POST {CATALOG}/programs": Shape({"title": "Refused"}, wrap="program", **program),
        f"PUT {CATALOG}/programs/{{id}}": Shape({}, wrap="program", **program),
        f"POST {CATALOG}/courses": Shape({"title": "Refused"}, wrap="course", **course),
        f"PUT {CATALOG}/courses/{{id}}": Shape({}, wrap="course", **course),
        f"POST {CATALOG}/programs/archived": archive,
        f"POST {CATALOG}/courses/archived": archive,
        f"POST {CATALOG}/catalogs": Shape({"name": "Refused"}, text=("name", "canvas_domain", "url", "settings.currency"),
                                          lists=("settings", "name"), numbers=("canvas_id",), ids=("settings.currency",),
                                          nest="settings", wrap="account"),
        f"POST {CATALOG}/users": Shape({"email_address": "hostile@example.edu"}, wrap="user", **learner),
        f"PUT {CATALOG}/users/{{id}}": Shape({}, wrap="user", **learner),
        f"POST {CATALOG}/enrollments": Shape(
            {"user_id": ids["user"], "listing_id": NO_LISTING}, wrap="enrollment",
            numbers=("listing_id", "user_id", "canvas_user_id"), ids=("listing_id", "user_id", "canvas_user_id")),
        f"PUT {CATALOG}/enrollments/{{id}}": Shape({"completed_at": None}, wrap="enrollment", dates=("completed_at",),
                                                  ids=("completed_at",)),
        f"POST {CATALOG}/bulk_enrollments": Shape(
            {"rows": [{"email_address": "hostile@example.edu", "listing_id": NO_LISTING}], "account_id": NO_LISTING},
            wrap="bulk_enrollment", text=("account_id",), lists=("rows",), numbers=("account_id",), ids=("account_id",),
            list_item=1),  # small: 100,000 of them stay under the body limit (over it is 413, tested apart)
        f"POST {CATALOG}/certificates": Shape(
            {"listing_id": NO_LISTING, "name": "Refused"}, wrap="certificate", text=("name", "template"),
            lists=("name", "template"), numbers=("listing_id", "days_to_expire"), dates=("expires_at",),
            ids=("listing_id",), nest="pdf_settings"),
        f"PUT {CATALOG}/certificates/revoke_users_certificate": Shape(
            {"listing_id": NO_LISTING, "canvas_user_ids": [NO_LISTING]}, wrap="certificate", lists=("canvas_user_ids",),
            numbers=("listing_id", "canvas_user_ids"), ids=("listing_id", "canvas_user_ids"), list_item=NO_LISTING),
        f"DELETE {CATALOG}/applicants": Shape({"listing_id": NO_LISTING}, numbers=("listing_id", "canvas_user_id"),
                                              ids=("listing_id", "canvas_user_id")),
        f"POST {SUNBIRD}/create": Shape({"name": "Refused", "type": "public"}, **sb_program),
        f"POST {SUNBIRD}/update": Shape({"program_id": ids["sunbird_program"]}, **{**sb_program, "ids": ("program_id", "type", "status")}),
        f"POST {SUNBIRD}/publish": sb_status,
        f"POST {SUNBIRD}/unlist/publish": sb_status,
        f"POST {SUNBIRD}/list/download": Shape({"filters": {"program_id": [NOWHERE]}}, text=("filters.program_id",),
                                              lists=("filters.program_id",), wrap="request"),
        f"POST {SUNBIRD}/nomination/list/download": Shape(
            {"filters": {"program_id": NOWHERE, "program_name": "Report", "status": "Pending"}},
            text=("filters.program_id", "filters.program_name"), lists=("filters.status",), ids=("filters.status",),
            wrap="request"),
        f"POST {SUNBIRD}/tenant/list": Shape({"filters": {}}, text=("filters.name", "filters.rootorg_id"),
                                            lists=("filters.program_id", "filters.status"), wrap="request"),
        f"POST {SUNBIRD}/configuration/search": Shape({"key": "contentVideoSize", "status": "active"}, text=("key",),
                                                     ids=("status",), wrap="request"),
        **{f"POST {SUNBIRD}/preference/{verb}": Shape(
            {"program_id": NOWHERE, "user_id": "u-1", "preference": {}}, text=("program_id", "user_id", "type"),
            lists=("program_id",), ids=("program_id",), nest="preference", wrap="request") for verb in ("create", "update")},
        f"POST {SUNBIRD}/preference/read": Shape({"program_id": NOWHERE, "user_id": "u-1"}, text=("program_id", "user_id"),
                                                lists=("user_id",), ids=("program_id",), wrap="request"),
        f"POST {SUNBIRD}/unlist": sb_status,
        f"POST {SUNBIRD}/delete": sb_status,
        f"POST {SUNBIRD}/list": sb_list,
        f"POST {SUNBIRD}/nomination/add": Shape(
            {**nominee, "organisation_id": "org-refused", "status": "Pending"},
            text=("user_id", "organisation_id", "feedback", "createdby"),
            lists=("content_types", "collection_ids", "rolemapping.REVIEWER"), ids=("program_id", "status"),
            nest="rolemapping", wrap="request"),
        f"POST {SUNBIRD}/nomination/update": Shape(
            nominee, text=("feedback", "status", "updatedby"), lists=("content_types", "rolemapping.REVIEWER"),
            ids=("program_id", "user_id", "organisation_id", "status"), numbers=("id",), nest="rolemapping", wrap="request"),
        f"POST {SUNBIRD}/nomination/remove": Shape(
            {"program_id": ids["sunbird_program"], "user_id": "nobody"}, text=("user_id", "organisation_id"),
            lists=("user_id", "organisation_id"), ids=("program_id", "user_id", "organisation_id"), numbers=("id",),
            wrap="request"),
        f"POST {SUNBIRD}/nomination/list": Shape(
            {"filters": {"program_id": ids["sunbird_program"]}}, text=("filters.user_id",),
            lists=("filters.user_id", "filters.status", "filters.program_id"),
            ids=("filters.program_id", "filters.user_id", "filters.organisation_id", "filters.status"),
            pages=("limit", "offset"), wrap="request"),
    }


# Values that are well-formed, so a 2xx is a legitimate answer (capped or matching nothing).
TEXT_FILTERS = {"description", "listing_path", "query"}
CAPPED = {("per_page", "1" + "0" * 30), ("per_page", str(2**31)), ("limit", Raw("1" + "0" * 30)), ("limit", 2**31),
          ("limit", 2**63), ("limit", Raw("1e20")), ("offset", Raw("1" + "0" * 30)), ("offset", 2**31),
          ("offset", 2**63), ("offset", Raw("1e20")), ("limit", 0), ("offset", 0), ("limit", None), ("offset", None),
          # int() reads a sign and surrounding spaces: lenient, and still a whole number
          ("page", "+1"), ("page", "1%20"), ("per_page", "+1"), ("per_page", "1%20")}
HTTP_LAYER_REFUSAL = b"Invalid HTTP request received."  # uvicorn's answer to bytes its parser refuses
HEAD_LIMIT = 16 * 1024  # PROGRAMHUB_MAX_HEADER_BYTES
HEAD_TOO_LARGE = (b'{"error":{"code":"request_header_fields_too_large","message":"The request\'s header '
                  b'section is too large: at most 16384 bytes and 100 header fields."}}')  # web/server.py


@dataclass(frozen=True)
class Probe:
    """One request of the corpus and what it must get."""

    route: Route
    label: str
    target: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    expect: Expect = Expect.REFUSED
    raw: tuple[bytes, Callable[[], Iterator[bytes]] | None] | None = None  # (head, body parts) sent byte for byte
    headers: tuple[tuple[str, str], ...] = ()
    http_layer: bool = False  # not valid HTTP/1.1: the server's parser may refuse it before any dialect


def body_probes(route: Route, shape: Shape, world: World) -> Iterator[Probe]:
    target = world.target(route)

    def probe(label: str, body: Any, expect: Expect = Expect.REFUSED, content_type: str | None = "application/json") -> Probe:
        content = body if isinstance(body, bytes) else to_json(body)
        return Probe(route, label, target, content, content_type, expect)

    for i, raw in enumerate(MALFORMED):
        yield probe(f"malformed json {i}", raw)
    for i, content_type in enumerate(WRONG_TYPES):
        # a form's field names are free text, ignored when unknown: a PUT of nothing changes nothing
        lenient = Expect.TOLERATED if route.method == "PUT" and content_type and "urlencoded" in content_type else Expect.REFUSED
        yield probe(f"content type {content_type!r}", b'{"request": {"name": ', lenient, content_type)
        # a PUT or PATCH of nothing changes nothing; a nomination or tenant list without filters lists all
        nothing = (Expect.TOLERATED if route.method in ("PUT", "PATCH")
                   or route.template.endswith(("nomination/list", "tenant/list")) else Expect.REFUSED)
        empty = shape.body() if shape.optional else {shape.wrap: {}} if shape.wrap else {}
        yield probe(f"content type {i} with an empty json object", to_json(empty), nothing, content_type)
    yield probe("deep 10000", b"[" * 10_000 + b"]" * 10_000)
    yield probe("deep 10000 object", b'{"a":' * 10_000 + b"1" + b"}" * 10_000)
    yield probe("top-level array of 100000", to_json([1] * HUNDRED_K))
    for raw_body in (b"[]", b'"x"', b"1", b"null", b"true"):
        yield probe(f"top-level {raw_body!r}", raw_body)
    yield probe("raw NUL byte", to_json(shape.body()).replace(b"{", b"{\x00", 1))
    yield probe("raw invalid utf-8", to_json(shape.body()).replace(b"{", b'{"\xff\xfe":"\xc0\xaf",', 1))
    yield probe("raw encoded surrogate", to_json(shape.body()).replace(b"{", b'{"k":"\xed\xa0\x80",', 1))
    yield probe("NUL in a key", shape.body("a\u0000b", 1))
    top = shape.body()
    yield probe("NUL in a top-level key", [{"x\u0000": 1, **top[0]}] if shape.in_list else {"x\u0000": 1, **top})
    yield probe("lone surrogate in a key", shape.body("\ud800", 1))
    for name in shape.text:
        for value in BAD_TEXT:
            yield probe(f"{name} = {value!r}", shape.body(name, value))
        yield probe(f"{name} raw invalid utf-8", to_json(shape.body(name, "@@bytes@@")).replace(b"@@bytes@@", b"\xff\xfe"))
    for name in shape.lists:
        yield probe(f"{name}: 100000 items", shape.body(name, [shape.list_item] * HUNDRED_K))
    for name in shape.numbers:
        for value in HUGE_NUMBERS:
            yield probe(f"{name} = {value!r}", shape.body(name, value))
    for name in shape.dates:
        for value in BAD_DATES:
            yield probe(f"{name} = {value!r}", shape.body(name, value))
    for name in shape.ids:
        for value in INJECTIONS:
            expect = Expect.EMPTY if route.template.endswith("list") else Expect.REFUSED
            yield probe(f"{name} = {value!r}", shape.body(name, value), expect)
    for name in shape.pages:
        for value in BAD_INDEXES:
            capped = any(name == n and value == v and type(value) is type(v) for n, v in CAPPED)
            yield probe(f"{name} = {value!r}", shape.body(name, value), Expect.TOLERATED if capped else Expect.REFUSED)
    if shape.nest:
        deep = Raw('{"k":' * 1_000 + '"x"' + "}" * 1_000)  # under the parser's limit, over the 8 allowed
        yield probe(f"{shape.nest} nested 1000 deep", shape.body(shape.nest, deep))
        yield probe(f"{shape.nest} = NaN-ish", shape.body(shape.nest, {"k": Raw("1" + "0" * 30), "n": "NaN"}),
                    Expect.REFUSED)
    yield from oversized_probes(route, world, target)


def oversized_probes(route: Route, world: World, target: str) -> Iterator[Probe]:
    """10 MB bodies: honest, lying either way, chunked. Each is 413 before any parse (or,
    for a Content-Length under the limit, the truncated body's own refusal)."""
    auth = "".join(f"{k}: {v}\r\n" for k, v in world.auth(route.dialect).items())
    start = f"{route.method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
    prefix = b'{"request": {"name": "'

    def body(total: int) -> Callable[[], Iterator[bytes]]:
        return lambda: iter([prefix, *chunks(total - len(prefix))])

    yield Probe(route, "10 MB body", target, expect=Expect.TOO_LARGE,
                raw=((start + f"Content-Length: {TEN_MB}\r\n\r\n").encode(), body(TEN_MB)))
    yield Probe(route, "Content-Length 10 MB, 64 KB sent", target, expect=Expect.TOO_LARGE,
                raw=((start + f"Content-Length: {TEN_MB}\r\n\r\n").encode(), body(64 * 1024)))
    yield Probe(route, "Content-Length 1000, 10 MB sent", target, expect=Expect.REFUSED, http_layer=True,
                raw=((start + "Content-Length: 1000\r\n\r\n").encode(), body(TEN_MB)))

    def chunked() -> Iterator[bytes]:
        yield b"%x\r\n%s\r\n" % (len(prefix), prefix)
        for part in chunks(TEN_MB, 64 * 1024):
            yield b"%x\r\n%s\r\n" % (len(part), part)
        yield b"0\r\n\r\n"

    yield Probe(route, "10 MB chunked", target, expect=Expect.TOO_LARGE,
                raw=((start + "Transfer-Encoding: chunked\r\n\r\n").encode(), chunked))


PATH_VALUES = (*(quote(v, safe="") for v in INJECTIONS), "%00", "1%00", "%FF%FE", "%ED%A0%80", "%C0%AF", "-1", "0",
               "1" + "0" * 30, "1e400", "NaN", "Infinity", "-Infinity", "x" * 5_000, "..%2F..%2Fetc%2Fpasswd", "%2e%2e",
               "1.5", "0x10", "%20", "%0d%0aX-Injected:%201")
RAW_PATH_VALUES = (b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf")


def path_probes(route: Route, world: World) -> Iterator[Probe]:
    """Each path parameter in turn gets every hostile value, the others their real ones."""
    body = b"{}" if route.has_body else None
    for param in route.path_params:
        named = f"{param} " if len(route.path_params) > 1 else ""
        for value in PATH_VALUES:
            yield Probe(route, f"path {named}{value[:40]!r}", world.target(route, value, param), body)
        for raw in RAW_PATH_VALUES:
            auth = "".join(f"{k}: {v}\r\n" for k, v in world.auth(route.dialect).items())
            head = (f"{route.method} ".encode() + world.target(route, "@@", param).encode().replace(b"@@", raw)
                    + f" HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Length: 0\r\n\r\n".encode())
            yield Probe(route, f"raw path bytes {named}{raw!r}", "", raw=(head, None), http_layer=True)


QUERY_VALUES = (*(quote(v, safe="") for v in INJECTIONS), "%00", "a%00b", "%FF%FE", "%ED%A0%80", "%C0%AF", "x" * 5_000)
PAGE_VALUES = ("-1", "0", "1" + "0" * 30, "1e400", "NaN", "Infinity", "-Infinity", "", "1.5", str(2**31), "%00", "%FF",
               "-0", "+1", "1%20")
RAW_QUERY_VALUES = (b"\xff\xfe", b"\xed\xa0\x80")


def query_probes(route: Route, world: World) -> Iterator[Probe]:
    base = world.target(route)
    declared = route.query_params or ("q",)  # an undeclared parameter: ignored, as documented
    for name in declared:
        for value in QUERY_VALUES if name not in ("page", "per_page") else PAGE_VALUES:
            if not route.query_params:
                expect = Expect.TOLERATED
            elif name in TEXT_FILTERS:
                expect = Expect.EMPTY
            elif (name, value) in CAPPED:
                expect = Expect.TOLERATED
            else:
                expect = Expect.REFUSED
            yield Probe(route, f"?{name}={value[:40]}", f"{base}?{name}={value}", expect=expect)
        many = Expect.TOLERATED  # each repeat is a valid value; the last one counts
        # Repeats reach the app while the head fits the server's 16 KB (a few hundred bytes of it
        # are the other headers); past 16 KB of target alone, the server's 431 answers
        for repeats in (500, 4_000, HUNDRED_K):
            target = f"{base}?" + "&".join([f"{name}=1"] * repeats)
            if len(target) > HEAD_LIMIT:
                yield Probe(route, f"?{name} x {repeats}", target, expect=Expect.HEAD_TOO_LARGE)
            else:
                yield Probe(route, f"?{name} x {repeats}", target, expect=many, http_layer=len(target) > HEAD_LIMIT - 1024)
    auth = "".join(f"{k}: {v}\r\n" for k, v in world.auth(route.dialect).items())
    for raw in RAW_QUERY_VALUES:
        name = declared[-1]
        head = (f"{route.method} {base}?{name}=".encode() + raw
                + f" HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
        expect = Expect.EMPTY if name in TEXT_FILTERS else Expect.TOLERATED if not route.query_params else Expect.REFUSED
        yield Probe(route, f"raw query bytes {raw!r}", "", expect=expect, raw=(head, None), http_layer=True)


def header_probes(route: Route, world: World) -> Iterator[Probe]:
    """Idempotency-Key values that must be refused, on a body that would otherwise succeed."""
    if not route.template.startswith(RECORD) or route.method != "POST":
        return
    valid = {"name": "Would be created"} if route.template.endswith("programs") else {
        "programId": world.ids["record_program"], "batchName": "Would be issued",
        "recipients": [{"name": "Bo", "email": "bo@example.edu"}]}
    for value in ("", "x" * 256, "\u00ff", "a b\tc", "\u0085"):
        yield Probe(route, f"Idempotency-Key {value[:20]!r}", world.target(route), to_json(valid),
                    headers=(("Idempotency-Key", value),))


def corpus(routes: list[Route], world: World) -> Iterator[Probe]:
    known = shapes(world.ids)
    for route in routes:
        if route.has_body:
            assert str(route) in known, f"{route} takes a body the corpus does not know; add its shape"
            yield from body_probes(route, known[str(route)], world)
            yield from header_probes(route, world)
        if route.path_params:
            yield from path_probes(route, world)
        if route.method == "GET":
            yield from query_probes(route, world)
        yield Probe(route, "Content-Length 10 MB, no body sent", "", expect=Expect.TOO_LARGE, raw=(
            (f"{route.method} {world.target(route)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {TEN_MB}\r\n"
             + "".join(f"{k}: {v}\r\n" for k, v in world.auth(route.dialect).items()) + "\r\n").encode(), None))


def send(http: Client, world: World, probe: Probe) -> Answer:
    if probe.raw is not None:
        head, parts = probe.raw
        http.sent += 1
        return send_raw(http.port, head, parts() if parts else None)
    headers = {**world.auth(probe.route.dialect), **dict(probe.headers)}
    if probe.content_type is not None and probe.body is not None:
        headers["Content-Type"] = probe.content_type
    return http.send(probe.route.method, probe.target, probe.body, headers)


# --- the test -------------------------------------------------------------------------------

def peak_memory_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc")


@contextmanager
def server(database_url: str, log_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(database_url, log_path)
    process.env["PROGRAMHUB_WEBADMIT_RATE_LIMIT"] = "100000"  # the corpus is not a rate-limit test
    process.env["PROGRAMHUB_CREDENTIAL_PAGE_RATE_LIMIT"] = "1000000"
    with process:
        yield process


@pytest.mark.slow
def test_hostile_input_corpus_is_refused_in_each_dialects_envelope(
    database_url: str, store: Store, tmp_path: Path
) -> None:
    org = make_org(store, "Hostile input")
    with server(database_url, tmp_path / "server.log") as live, closing(Client(live.port)) as http:
        assert live.process is not None
        routes = routes_of(http.json("GET", "/openapi.json", None, {})[1])
        assert {r.dialect for r in routes} == {"record", "catalog", "sunbird", "webadmit", "page", "issuer"}
        world = create_world(http, store, org)
        before, counts_before = snapshot(http, world, routes), row_counts(store)
        peak_before = peak_memory_mb(live.process.pid)

        faults: list[str] = []
        categories: Counter[str] = Counter()
        for probe in corpus(routes, world):
            answer = send(http, world, probe)
            categories[probe.route.dialect] += 1
            if fault := judge(probe, answer):
                faults.append(f"{probe.route} [{probe.label}] expected {probe.expect.value}; got {fault}")
        assert live.process.poll() is None, "the server died under the corpus"
        peak = peak_memory_mb(live.process.pid)
        after, counts_after = snapshot(http, world, routes), row_counts(store)

    print(f"\n{sum(categories.values())} hostile requests {dict(categories)}; peak memory {peak_before:.0f} MB "
          f"before the corpus, {peak:.0f} MB after")
    assert not faults, f"{len(faults)} of {sum(categories.values())} answers are wrong:\n" + "\n".join(faults[:80])
    assert counts_after == counts_before, "a refused request wrote rows"
    for key, shown in before.items():
        assert after[key] == shown, f"{key} changed under the corpus"
    assert peak < MEMORY_BOUND_MB, f"the server's peak resident memory reached {peak:.0f} MB"
