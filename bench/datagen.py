"""Generate benchmark data at a chosen scale, straight into the core tables.

Rows are built the way the services build them (folded search text, facets, public ids)
but inserted in bulk, so 100,000 programs and 1,000,000 nominations load in minutes.

Tenants: "bench main" (test mode) holds the scale under test; its live mode and two other
organisations hold look-alike noise (10% each), so every measured query also proves it
ignores other tenants' rows cheaply. "bench record" (test mode) holds exactly 1,000
programs, an identity that sees them all, and issued credential batches.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.clock import utcnow
from programhub.core.credentials.models import credential_batches, credential_recipients
from programhub.core.db import insert_rows
from programhub.core.identities.models import identities, identity_programs
from programhub.core.ids import new_uuid, public_id
from programhub.core.keys import service as keys
from programhub.core.listings.models import listings, program_facets, requirements
from programhub.core.listings.service import facet_values
from programhub.core.nominations.models import nomination_roles, nominations
from programhub.core.renderings import service as renderings
from programhub.core.orgs import service as orgs
from programhub.core.catalogs import service as catalogs
from programhub.core.tenancy import Mode, Tenant
from programhub.core.text import fold, search_text
from programhub.store import Store

CHUNK = 5_000
MEDIUMS = ["English", "Hindi", "Tamil", "Kannada", "Marathi", "Telugu"]
GRADES = [f"Class {n}" for n in range(1, 13)]
SUBJECTS = ["Mathematics", "Science", "English", "Hindi", "Social Science", "Physics", "Chemistry", "Biology"]
BOARDS = ["CBSE", "State (Karnataka)", "State (Tamil Nadu)", "ICSE"]
CONTENT_TYPES = ["PracticeQuestionSet", "ExplanationResource", "ExperientialResource", "TeachingMethod"]
COLLECTIONS = ["Digital Textbook", "Course", "Question paper"]
NOMINATION_STATUSES = ["Pending", "Approved", "Rejected", "Initiated"]
CONTRIBUTOR_ORGS = 200
USERS_PER_CONTRIBUTOR = 10

# The contributor organisation and user the Sunbird scenarios ask about.
HOT_ORG = "corg-0"
HOT_USER = "cuser-0-1"


@dataclass
class Dataset:
    """What the scenarios need to address the generated data."""

    programs: int
    nominations: int = 0
    keys: dict[str, str] = field(default_factory=dict)
    depth5_root: int = 0
    depth1_root: int = 0
    record_program: str = ""
    identity_all: int = 0
    identity_limited: int = 0
    hot_org: str = HOT_ORG
    hot_user: str = HOT_USER
    # For the mixed scenarios' writes: (program uuid, organisation) of some nominations of
    # the measured organisation, and some of its program ids.
    nomination_writes: list[list[str]] = field(default_factory=list)
    program_writes: list[int] = field(default_factory=list)
    record_program_writes: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], returning: sa.Column[Any] | None = None) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if returning is None:
            insert_rows(conn, table, chunk)
        else:
            result = conn.execute(sa.insert(table).returning(returning, sort_by_parameter_order=True), chunk)
            out.extend(result.scalars())
    return out


def _program_row(rng: random.Random, tenant: Tenant, catalog_id: int, number: int, kind: str, now: Any) -> dict[str, Any]:
    name = f"{'Program' if kind == 'program' else 'Course'} {number}"
    description = f"description of {name.lower()} about {rng.choice(SUBJECTS)}"
    tags = rng.sample(["Tag", "Another Tag", "STEM", "Evening", "Online", "Certificate"], rng.randint(0, 3))
    config = {
        "framework": "ekstep_ncert_k-12",
        "board": rng.choice(BOARDS),
        "medium": rng.sample(MEDIUMS, rng.randint(1, 2)),
        "gradeLevel": rng.sample(GRADES, rng.randint(1, 3)),
        "subject": rng.sample(SUBJECTS, rng.randint(1, 2)),
    }
    created = now - timedelta(days=rng.randint(1, 700), seconds=rng.randint(0, 86_400))
    status = rng.choices(["live", "unlisted", "draft", "retired"], [80, 10, 5, 5])[0]
    return {
        "org_id": tenant.org_id,
        "mode": tenant.mode.value,
        "kind": kind,
        "public_id": public_id("prog" if kind == "program" else "course", created),
        "uuid": new_uuid(),
        "name": name,
        "description": description,
        "status": status,
        "start_date": created + timedelta(days=10),
        "end_date": created + timedelta(days=200),
        "image": None,
        "created_at": created,
        "updated_at": created + timedelta(days=rng.randint(0, 30)),
        "name_folded": fold(name),
        "search_text": search_text(name, description, *tags),
        "catalog_id": catalog_id,
        "short_description": f"teaser {number}",
        "listing_path": f"{kind}-{number}",
        "enrollment_cap": rng.choice([None, None, 50, 150]),
        "enrollment_fee_cents": rng.choice([0, 0, 4999, 12000]),
        "credits": 3 if kind == "course" else None,
        "allowed_payment_types": ["standard"],
        "tag_names": tags,
        "associated_account_ids": [],
        "canvas_course_id": number if kind == "course" else None,
        "sku": f"sku_{number}" if kind == "course" else None,
        "program_type": rng.choices(["public", "private", "restricted"], [80, 15, 5])[0],
        "nomination_enddate": now + timedelta(days=rng.randint(-300, 300)),
        "shortlisting_enddate": now + timedelta(days=rng.randint(-300, 300)),
        "content_submission_enddate": now + timedelta(days=rng.randint(-300, 300)),
        "content_types": rng.sample(CONTENT_TYPES, rng.randint(1, 2)),
        "collection_ids": [],
        "target_collection_category": [rng.choice(COLLECTIONS)],
        "rolemapping": {"REVIEWER": [], "CREATOR": []},
        "config": config,
        "slug": "sunbird",
        "channel": "bench",
        "createdby": f"creator-{rng.randint(1, 50)}",
    }


@dataclass
class _Listings:
    program_ids: list[int]
    course_ids: list[int]
    program_rows: list[dict[str, Any]]


def _insert_listings(conn: Connection, rng: random.Random, tenant: Tenant, programs: int) -> _Listings:
    """`programs` programs and as many courses (rows only; see `_link`)."""
    now = utcnow()
    catalog_id = catalogs.default_id(conn, tenant)
    program_rows = [_program_row(rng, tenant, catalog_id, 1 + i, "program", now) for i in range(programs)]
    course_rows = [_program_row(rng, tenant, catalog_id, 1 + i, "course", now) for i in range(programs)]
    return _Listings(_insert(conn, listings, program_rows, listings.c.id),
                     _insert(conn, listings, course_rows, listings.c.id), program_rows)


def _link(conn: Connection, tenant: Tenant, made: _Listings) -> dict[int, int]:
    """Facets, and requirement chains 1-5 deep (each level also requires a course).
    Returns a root program per chain depth."""
    program_ids, course_ids = made.program_ids, made.course_ids
    facets = [
        {"listing_id": listing_id, "facet": facet, "value": value, "org_id": tenant.org_id, "mode": tenant.mode.value}
        for listing_id, row in zip(program_ids, made.program_rows, strict=True)
        for facet, value in sorted(facet_values(row))
    ]
    _insert(conn, program_facets, facets)
    edges: list[dict[str, Any]] = []
    roots: dict[int, int] = {}
    position = 0
    while position < len(program_ids):
        depth = 1 + (position // 7) % 5  # chains of depth 1..5, evenly spread
        chain = program_ids[position : position + depth]
        roots.setdefault(len(chain), chain[0])
        for level, program_id in enumerate(chain):
            children = ([chain[level + 1]] if level + 1 < len(chain) else []) + [course_ids[position + level]]
            edges.extend(
                {"program_id": program_id, "position": i, "requirement_id": child, "org_id": tenant.org_id, "mode": tenant.mode.value}
                for i, child in enumerate(children)
            )
        position += depth
    _insert(conn, requirements, edges)
    return roots


def _nominations(conn: Connection, rng: random.Random, tenant: Tenant, program_ids: list[int], per_program: int) -> list[dict[str, Any]]:
    """Insert nominations; returns their role rows, to insert once nominations are analysed."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for index, program_id in enumerate(program_ids):
        contributors = rng.sample(range(1, CONTRIBUTOR_ORGS), per_program - 2)
        if index % 2 == 0:
            contributors.append(0)  # the hot organisation nominates half the programs
        for org_number in contributors:
            users = [f"cuser-{org_number}-{u}" for u in range(USERS_PER_CONTRIBUTOR)]
            hot = org_number == 0
            rows.append({
                "org_id": tenant.org_id, "mode": tenant.mode.value, "program_id": program_id,
                "user_id": HOT_USER if hot else users[0], "organisation_id": f"corg-{org_number}",
                "status": "Approved" if hot and index % 10 else rng.choice(NOMINATION_STATUSES),
                "content_types": rng.sample(CONTENT_TYPES, 1), "collection_ids": [], "feedback": None,
                "rolemapping": {"REVIEWER": [HOT_USER if hot else users[1]], "CONTRIBUTOR": rng.sample(users[2:], 2)},
                "createdby": users[0], "createdon": now - timedelta(minutes=rng.randint(0, 500_000)), "updatedon": None,
            })
        rows.append({
            "org_id": tenant.org_id, "mode": tenant.mode.value, "program_id": program_id,
            "user_id": f"iuser-{rng.randint(1, 5000)}", "organisation_id": None, "status": rng.choice(NOMINATION_STATUSES),
            "content_types": [], "collection_ids": [], "feedback": None, "rolemapping": None,
            "createdby": None, "createdon": now - timedelta(minutes=rng.randint(0, 500_000)), "updatedon": None,
        })
    ids = _insert(conn, nominations, rows, nominations.c.id)
    return [
        {"nomination_id": nomination_id, "role": role, "user_id": user, "org_id": tenant.org_id, "mode": tenant.mode.value}
        for nomination_id, row in zip(ids, rows, strict=True)
        for role, users in (row["rolemapping"] or {}).items()
        for user in sorted(set(users))
    ]


def _identity(conn: Connection, tenant: Tenant, programs: list[int] | None) -> int:
    identity_id = conn.execute(
        sa.insert(identities).values(
            org_id=tenant.org_id, mode=tenant.mode.value, type="Institution User", association="Bench Association",
            institution=tenant.org_name, organization=tenant.org_name, cycle="2025 - 2026",
            limited=programs is not None, created_at=utcnow(),
        ).returning(identities.c.id)
    ).scalar_one()
    if programs:
        _insert(conn, identity_programs, [
            {"identity_id": identity_id, "listing_id": p, "org_id": tenant.org_id, "mode": tenant.mode.value} for p in programs
        ])
    return identity_id


def _credentials(conn: Connection, tenant: Tenant, program_ids: list[int], batches: int, per_batch: int) -> None:
    now = utcnow()
    batch_rows = [
        {"public_id": public_id("batch", now), "org_id": tenant.org_id, "mode": tenant.mode.value,
         "listing_id": program_ids[i % len(program_ids)], "name": f"Batch {i}", "status": "issued",
         "recipient_count": per_batch, "issued_at": now - timedelta(hours=i)}
        for i in range(batches)
    ]
    batch_ids = _insert(conn, credential_batches, batch_rows, credential_batches.c.id)
    _insert(conn, credential_recipients, [
        {"public_id": public_id("rec", now), "batch_id": batch_id, "org_id": tenant.org_id, "mode": tenant.mode.value,
         "position": p, "name": f"Recipient {p}", "email": f"r{p}.b{batch_id}@example.edu"}
        for batch_id in batch_ids for p in range(per_batch)
    ])


def _analyze(store: Store, *, vacuum: bool = False) -> None:
    """Fresh statistics on PostgreSQL, so foreign-key checks and queries plan for the real
    sizes (the benchmark must not depend on autovacuum, which may be off). A SQLite
    database is left as programhub leaves it, never analyzed (store/migrate.py); the
    ANALYZE this ran there was never committed, so no earlier run measured one analyzed
    (one that is: tests/core/test_tree_plan.py, bench/RESULTS.md run 17)."""
    if store.engine.dialect.name != "postgresql":
        return
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE" if vacuum else "ANALYZE")


def generate(store: Store, programs: int, *, nominations_per_program: int = 10, seed: int = 7) -> Dataset:
    """Fill an empty, migrated database. Returns the handles scenarios use."""
    rng = random.Random(seed)
    dataset = Dataset(programs=programs)
    noise_size = max(programs // 10, 10)
    with store.write() as conn:
        main = orgs.create(conn, "bench main")
        record = orgs.create(conn, "bench record")
        noise = [orgs.create(conn, f"bench noise {n}") for n in (1, 2)]
        dataset.keys = {
            "main": keys.create(conn, main.public_id, Mode.TEST, "bench").secret,
            "record": keys.create(conn, record.public_id, Mode.TEST, "bench").secret,
        }
    tenants = {
        "main": (Tenant(main.id, Mode.TEST, main.public_id, main.name), programs),
        "main live": (Tenant(main.id, Mode.LIVE, main.public_id, main.name), noise_size),
        "noise 1": (Tenant(noise[0].id, Mode.TEST, noise[0].public_id, noise[0].name), noise_size),
        "noise 2": (Tenant(noise[1].id, Mode.LIVE, noise[1].public_id, noise[1].name), noise_size),
        "record": (Tenant(record.id, Mode.TEST, record.public_id, record.name), 1000),
    }
    with store.write() as conn:
        made = {name: _insert_listings(conn, rng, tenant, size) for name, (tenant, size) in tenants.items()}
    _analyze(store)
    with store.write() as conn:
        for name, (tenant, _size) in tenants.items():
            roots = _link(conn, tenant, made[name])
            if name == "main":
                dataset.depth5_root, dataset.depth1_root = roots[5], roots[1]
    _analyze(store)
    roles: list[dict[str, Any]] = []
    with store.write() as conn:
        for name in ("main", "main live", "noise 1", "noise 2"):
            tenant = tenants[name][0]
            roles += _nominations(conn, rng, tenant, made[name].program_ids, nominations_per_program)
        dataset.nominations = conn.execute(
            sa.select(sa.func.count()).select_from(nominations).where(
                nominations.c.org_id == main.id, nominations.c.mode == Mode.TEST.value)
        ).scalar_one()
    _analyze(store)
    with store.write() as conn:
        _insert(conn, nomination_roles, roles)
        _identity(conn, tenants["main"][0], None)
        record_test, record_ids = tenants["record"][0], made["record"].program_ids
        conn.execute(sa.update(listings).where(listings.c.id.in_(record_ids)).values(status="live"))
        dataset.record_program = conn.execute(sa.select(listings.c.public_id).where(listings.c.id == record_ids[0])).scalar_one()
        dataset.identity_all = _identity(conn, record_test, None)
        dataset.identity_limited = _identity(conn, record_test, record_ids[:100])
        _credentials(conn, record_test, record_ids, batches=100, per_batch=20)
        main_test = tenants["main"][0]
        sample = conn.execute(
            sa.select(listings.c.uuid, nominations.c.organisation_id)
            .join(listings, listings.c.id == nominations.c.program_id)
            .where(nominations.c.org_id == main_test.org_id, nominations.c.mode == main_test.mode.value,
                   nominations.c.organisation_id.is_not(None), listings.c.status.in_(("live", "unlisted", "draft")))
            .order_by(nominations.c.id).limit(200)
        ).all()
        dataset.nomination_writes = [[uuid, organisation] for uuid, organisation in sample]
        dataset.program_writes = made["main"].program_ids[:200]
        dataset.record_program_writes = record_ids[:100]
    # The data went in through the tables, not the services: render it as writes would have.
    import programhub.dialects  # noqa: F401 - the dialects register their renderers

    renderings.backfill(store)
    _analyze(store, vacuum=True)
    return dataset
