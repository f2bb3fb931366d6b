"""The measured scenarios: which route, with what requests, against which data."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.datagen import Dataset

Requests = Callable[[Dataset], list[dict[str, Any]]]


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    route: str  # the route's path template, served by the floor app
    requests: Requests
    concurrency: int = 32
    read: bool = True  # targets apply to reads; writes run at lower concurrency
    growth: bool = False  # also measured at every growth scale
    mixed: bool = False  # reads of many users with 10% writes among them (no floor: mixed methods)


def _token(key: str) -> dict[str, str]:
    return {"Authorization": f'Token token="{key}"'}


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _sunbird(filters: dict[str, Any]) -> Requests:
    body = json.dumps({"request": {"filters": filters, "limit": 300}})
    return lambda d: [{"method": "POST", "path": "/program/v1/list", "headers": _bearer(d.keys["main"]),
                       "body": body.replace("HOT_ORG", d.hot_org).replace("HOT_USER", d.hot_user)}]


def _catalog_list(per_page: int) -> Requests:
    return lambda d: [
        {"method": "GET", "path": f"/api/v1/programs?per_page={per_page}&page={page}", "headers": _token(d.keys["main"])}
        for page in range(1, 6)
    ]


def _mixed(reads: list[dict[str, Any]], writes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nine reads, then a write, and again: 10% writes spread through the cycle."""
    mixed: list[dict[str, Any]] = []
    for index, read in enumerate(reads):
        mixed.append(read)
        if index % 9 == 8 and writes:
            mixed.append({**writes[(index // 9) % len(writes)], "write": True})
    return mixed


def _sunbird_mixed(d: Dataset) -> list[dict[str, Any]]:
    """Forms C and E for 200 contributor organisations' users; nomination updates between them."""
    headers = _bearer(d.keys["main"])
    reads = []
    for org in range(200):
        for filters in (
            {"nomination": {"user_id": {"eq": f"cuser-{org}-0"}}},
            {"nomination": {"user_id": {"eq": f"cuser-{org}-1"}, "organisation_id": {"eq": f"corg-{org}"},
                            "status": ["Approved"], "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}},
        ):
            body = json.dumps({"request": {"filters": filters, "limit": 300}})
            reads.append({"method": "POST", "path": "/program/v1/list", "headers": headers, "body": body})
    writes = [
        {"method": "POST", "path": "/program/v1/nomination/update", "headers": headers,
         "body": json.dumps({"request": {"program_id": uuid, "organisation_id": organisation,
                                         "status": "Approved" if n % 2 else "Pending"}})}
        for n, (uuid, organisation) in enumerate(d.nomination_writes)
    ]
    return _mixed(reads, writes)


def _catalog_mixed(d: Dataset) -> list[dict[str, Any]]:
    """Many different pages and searches; listing edits between them."""
    headers = _token(d.keys["main"])
    reads = [{"method": "GET", "path": f"/api/v1/programs?per_page=20&page={page}", "headers": headers}
             for page in range(1, 101)]
    reads += [{"method": "GET", "path": f"/api/v1/programs/{program}", "headers": headers} for program in d.program_writes[:100]]
    writes = [
        {"method": "PUT", "path": f"/api/v1/programs/{program}", "headers": headers,
         "body": json.dumps({"program": {"description": f"edited {n}"}})}
        for n, program in enumerate(d.program_writes)
    ]
    return _mixed(reads, writes)


def _webadmit_mixed(d: Dataset) -> list[dict[str, Any]]:
    """Both identities' program lists; renames of their programs through Catalog between them."""
    reads = [{"method": "GET", "path": f"/api/v1/user_identities/{identity}/programs", "headers": {"x-api-key": d.keys["record"]}}
             for identity in (d.identity_all, d.identity_limited)] * 45
    writes = [
        {"method": "PUT", "path": f"/api/v1/programs/{program}", "headers": _token(d.keys["record"]),
         "body": json.dumps({"program": {"title": f"Renamed {n}"}})}
        for n, program in enumerate(d.record_program_writes)
    ]
    return _mixed(reads, writes)


def _issue_batch(d: Dataset) -> list[dict[str, Any]]:
    recipients = [{"name": f"Recipient {n}", "email": f"recipient{n}@example.edu"} for n in range(1000)]
    body = json.dumps({"programId": d.record_program, "batchName": "Bench batch", "recipients": recipients})
    return [{"method": "POST", "path": "/api/external/issuance/credentials", "headers": _bearer(d.keys["record"]), "body": body}]


SCENARIOS: list[Scenario] = [
    Scenario("catalog list per_page=20", "GET", "/api/v1/programs", _catalog_list(20), growth=True),
    Scenario("catalog list per_page=100", "GET", "/api/v1/programs", _catalog_list(100)),
    Scenario(
        "catalog program tree depth 5", "GET", "/api/v1/programs/{program_id}",
        lambda d: [{"method": "GET", "path": f"/api/v1/programs/{d.depth5_root}", "headers": _token(d.keys["main"])}],
    ),
    Scenario(
        "record programs (1,000)", "GET", "/api/external/issuance/programs",
        lambda d: [{"method": "GET", "path": "/api/external/issuance/programs", "headers": _bearer(d.keys["record"])}],
    ),
    Scenario("record issue 1,000 recipients", "POST", "/api/external/issuance/credentials", _issue_batch,
             concurrency=4, read=False),
    Scenario("sunbird list form A", "POST", "/program/v1/list",
             _sunbird({"nomination": {"organisation_id": {"ne": "HOT_ORG"}}, "nomination_enddate": "open"}), growth=True),
    Scenario("sunbird list form C", "POST", "/program/v1/list",
             _sunbird({"nomination": {"user_id": {"eq": "HOT_USER"}, "organisation_id": {"eq": "HOT_ORG"},
                                      "status": ["Approved"], "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}}), growth=True),
    Scenario("sunbird list form E", "POST", "/program/v1/list",
             _sunbird({"nomination": {"user_id": {"eq": "HOT_USER"}}}), growth=True),
    Scenario("sunbird mixed: 200 users, 10% writes", "POST", "/program/v1/list", _sunbird_mixed, mixed=True),
    Scenario("catalog mixed: many pages, 10% writes", "GET", "/api/v1/programs", _catalog_mixed, mixed=True),
    Scenario("webadmit mixed: 10% writes", "GET", "/api/v1/user_identities/{identity_id}/programs", _webadmit_mixed,
             mixed=True),
    Scenario(
        "webadmit identity programs (1,000)", "GET", "/api/v1/user_identities/{identity_id}/programs",
        lambda d: [{"method": "GET", "path": f"/api/v1/user_identities/{d.identity_all}/programs",
                    "headers": {"x-api-key": d.keys["record"]}}],
    ),
]

# Query counts that must not depend on depth.
TREE_DEPTHS: list[Scenario] = [
    Scenario("catalog program tree depth 1", "GET", "/api/v1/programs/{program_id}",
             lambda d: [{"method": "GET", "path": f"/api/v1/programs/{d.depth1_root}", "headers": _token(d.keys["main"])}]),
    SCENARIOS[2],
]
