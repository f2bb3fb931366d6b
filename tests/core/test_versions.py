"""The per-tenant data version changes with every change to a tenant's data, and only
that tenant's; no tenant data table escapes the triggers. The shared version changes with
every change but to nominations, and a user's nomination version with every change to a
nomination the user made or holds a role in."""

from __future__ import annotations

import sqlalchemy as sa

from programhub.core import versions
from programhub.core.listings import service as listings
from programhub.core.nominations.models import nomination_roles, nominations
from programhub.core.tables import metadata
from programhub.core.versions import tenant_versions
from programhub.store import Store
from tests.support import Tenants, signing

# Tenant tables that are bookkeeping, not data an answer is made of.
NOT_DATA = {
    "api_keys", "export_file_parts", "idempotency_keys", "jobs", "listing_counts", "listing_versions", "renderings", "user_nomination_versions",
    "tenant_versions",
}


def version(store: Store, tenant, column: str = "version") -> int:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return conn.execute(
            sa.select(tenant_versions.c[column]).where(
                tenant_versions.c.org_id == tenant.org_id, tenant_versions.c.mode == tenant.mode.value
            )
        ).scalar_one()


def shared_version(store: Store, tenant) -> int:  # type: ignore[no-untyped-def]
    return version(store, tenant, "shared_version")


def user_version(store: Store, tenant, user_id: str) -> int:  # type: ignore[no-untyped-def]
    known = versions.user_nomination_versions.c
    with store.read() as conn:
        found = conn.execute(sa.select(known.version).where(
            known.org_id == tenant.org_id, known.mode == tenant.mode.value, known.user_id == user_id)).scalar_one_or_none()
    return found or 0


def test_every_tenant_data_table_is_tracked() -> None:
    tenant_tables = {t.name for t in metadata.sorted_tables if {"org_id", "mode"} <= set(t.c.keys())}
    assert tenant_tables - NOT_DATA == set(versions.TRACKED)


def test_each_tracked_table_bumps_on_insert_update_and_delete(store: Store, tenants: Tenants) -> None:
    mine, other = tenants.a_test.tenant, tenants.a_live.tenant
    with store.write() as conn:
        program = listings.create(conn, mine, "program", {"name": "P", "content_types": ["x"]})
        course = listings.create(conn, mine, "course", {"name": "C"})
    _seed(store, mine, program, course)
    # Leaves first, so each delete removes a row nothing refers to any more.
    tracked = [t for t in reversed(metadata.sorted_tables) if t.name in versions.TRACKED]
    for table in tracked:
        with store.read() as conn:
            # newest first: a row that refers to another of its table (a program's enrollment
            # tree to its root) goes before it
            newest_first = [c.desc() for c in table.primary_key.columns]
            rows = conn.execute(sa.select(table).where(
                table.c.org_id == mine.org_id, table.c.mode == "test").order_by(*newest_first)).all()
        assert rows, table.name
        for row in rows:
            key = [table.c[c.name] == row._mapping[c.name] for c in table.primary_key.columns]
            for statement in (sa.update(table).where(*key).values(mode="test"), sa.delete(table).where(*key)):
                before, before_other = version(store, mine), version(store, other)
                before_shared, before_user = shared_version(store, mine), user_version(store, mine, "u1")
                with store.write() as conn:
                    conn.execute(statement)
                assert version(store, mine) > before, (table.name, str(statement))
                assert version(store, other) == before_other, (table.name, "touched another tenant")
                # a nomination table bumps its user's (u1 made the nomination and holds its role)
                # instead of the shared version
                nomination = table.name in versions.NOMINATION_TABLES
                assert (shared_version(store, mine) > before_shared) is not nomination, (table.name, str(statement))
                assert (user_version(store, mine, "u1") > before_user) is nomination, (table.name, str(statement))


def _seed(store: Store, tenant, program: int, course: int) -> None:  # type: ignore[no-untyped-def]
    """A row of this tenant in every tracked table (listings and facets exist already)."""
    from datetime import UTC, datetime

    from programhub.core.catalogs import service as catalogs_service
    from programhub.core.certificates import service as certificates
    from programhub.core.credentials import service as credentials
    from programhub.core.credentials.models import credential_batches, credential_recipients
    from programhub.core.identities.models import identities, identity_programs
    from programhub.core.nominations.models import nomination_roles, nominations, program_preferences

    mine = {"org_id": tenant.org_id, "mode": tenant.mode.value}
    now = datetime.now(UTC)
    with store.write() as conn:
        catalogs_service.create(conn, tenant, {"name": "Extra"})
        listings.set_requirements(conn, tenant, program, [course])
        nomination = conn.execute(sa.insert(nominations).values(
            program_id=program, user_id="u1", status="Pending", createdon=now, **mine).returning(nominations.c.id)).scalar_one()
        conn.execute(sa.insert(nomination_roles).values(nomination_id=nomination, role="REVIEWER", user_id="u1", **mine))
        conn.execute(sa.insert(program_preferences).values(program_id=program, user_id="u1", contributor_preference={},
                                                           sourcing_preference={}, createdon=now, updatedon=now, **mine))
        identity = conn.execute(sa.insert(identities).values(
            type="Admissions User", cycle="2025 - 2026", limited=True, created_at=now, **mine).returning(identities.c.id)).scalar_one()
        conn.execute(sa.insert(identity_programs).values(identity_id=identity, listing_id=program, **mine))
        batch = conn.execute(sa.insert(credential_batches).values(
            public_id="batch_1_aaaaaa", listing_id=program, name="B", recipient_count=1, issued_at=now, **mine
        ).returning(credential_batches.c.id)).scalar_one()
        conn.execute(sa.insert(credential_recipients).values(
            public_id="rec_1_aaaaaa", batch_id=batch, position=0, name="R", email="r@example.edu", **mine))
        # admissions: a decision, a local status, an applicant designated to the program
        # with both, a custom field answered, and a saved export
        from programhub.core.admissions import exports as admission_exports
        from programhub.core.admissions import service as admissions

        decision = admissions.create_decision(conn, tenant, "2025 - 2026", name="Admitted", outcome="admit")
        status = admissions.create_local_status(conn, tenant, "2025 - 2026", title="Deposit Made")
        admissions.import_applicants(conn, tenant, "2025 - 2026", [admissions.new_applicant(
            cas_id="1", email="a@example.edu", first_name="A", last_name="B", program_ids=[program])])
        applicant = admissions.designations_by_cas_id(conn, tenant, "2025 - 2026", program, ["1"])["1"]
        admissions.decide(conn, tenant, [(applicant, decision)])
        admissions.set_local_status(conn, tenant, "2025 - 2026", applicant, status.id)
        field = admissions.create_custom_field(conn, tenant, program, label="L", field_type="string")
        admissions.store_answers(conn, tenant, [(applicant.id, field.id, "x")])
        admission_exports.create(conn, tenant, identity, name="E", list_type="all", format="Comma-Separated Values")
        # a signed credential, with the tenant's signing key and status list
        credentials.issue(
            conn, tenant, listings.get(conn, tenant, program).public_id, "Signed",
            [credentials.NewRecipient("S", "s@example.edu")], signing_with=signing(),
        )
        certificates.create(conn, tenant, course, {"name": "Certificate of Training"})
        # a learner enrolled in the program (its tree too) and waiting for the course
        from programhub.core.learners import service as learners
        from programhub.core.learners.models import waitlist_applicants

        user = learners.create_user(conn, tenant, {"email": "l@example.edu"})
        enrolled = learners.enroll(conn, tenant, user_id=user, listing_id=program)
        conn.execute(sa.insert(waitlist_applicants).values(
            user_id=user, listing_id=course, status="waitlist", created_at=now, updated_at=now, **mine))
        # an award of the program's certificate, as a completion makes one
        from programhub.core.certificates.models import certificate_awards

        recipient = conn.execute(sa.select(credential_recipients.c.id).where(
            credential_recipients.c.public_id == "rec_1_aaaaaa")).scalar_one()
        conn.execute(sa.insert(certificate_awards).values(
            enrollment_id=enrolled.enrollment_id, listing_id=program, user_id=user, recipient_id=recipient,
            completed_at=now, awarded_at=now, **mine))


def test_inserts_bump_and_writing_bumps_first(store: Store, tenants: Tenants) -> None:
    mine = tenants.b_test.tenant
    start = version(store, mine)
    with store.write() as conn:
        listings.create(conn, mine, "program", {"name": "New"})
    after_insert = version(store, mine)
    assert after_insert > start
    with versions.writing(store, mine):
        pass
    assert version(store, mine) == after_insert + 1


def test_a_transaction_bumps_a_tenant_once_on_postgresql(store: Store, tenants: Tenants) -> None:
    """However many statements a transaction runs (psycopg may send one INSERT per row),
    PostgreSQL's statement trigger updates the version row once: repeated updates of one
    row in one transaction cost more each time (its chain of row versions grows)."""
    mine = tenants.a_test.tenant
    before = version(store, mine)
    with store.write() as conn:
        for n in range(20):
            listings.create(conn, mine, "course", {"name": f"C{n}"})
    bumps = version(store, mine) - before
    if store.is_sqlite:
        assert bumps >= 20  # row triggers; cheap there (no row-version chains)
    else:
        assert bumps == 1


def test_a_users_nomination_version_moves_with_every_nomination_they_made_or_hold_a_role_in(
    store: Store, tenants: Tenants
) -> None:
    mine, other = tenants.a_test.tenant, tenants.a_live.tenant
    with store.write() as conn:
        program = listings.create(conn, mine, "program", {"name": "P"})
    users = ("maker", "holder", "mover", "bystander")

    def bumped(write) -> set[str]:  # type: ignore[no-untyped-def]
        before = {user: user_version(store, mine, user) for user in users}
        theirs, shared = user_version(store, other, "holder"), shared_version(store, mine)
        with store.write() as conn:
            write(conn)
        assert user_version(store, other, "holder") == theirs  # another tenant's user of that id
        assert shared_version(store, mine) == shared
        return {user for user in users if user_version(store, mine, user) > before[user]}

    from datetime import UTC, datetime

    tenant = {"org_id": mine.org_id, "mode": mine.mode.value}
    made: list[int] = []

    def nominate(conn, user_id: str | None, organisation_id: str | None) -> None:  # type: ignore[no-untyped-def]
        made.append(conn.execute(sa.insert(nominations).values(
            program_id=program, user_id=user_id, organisation_id=organisation_id, status="Pending",
            createdon=datetime.now(UTC), **tenant).returning(nominations.c.id)).scalar_one())

    def by_id(table: sa.Table, nomination_id: int) -> sa.ColumnElement[bool]:
        return (table.c.id if table is nominations else table.c.nomination_id) == nomination_id

    assert bumped(lambda conn: nominate(conn, "maker", None)) == {"maker"}
    first = made[0]
    assert bumped(lambda conn: conn.execute(sa.insert(nomination_roles).values(
        nomination_id=first, role="REVIEWER", user_id="holder", **tenant))) == {"maker", "holder"}
    assert bumped(lambda conn: conn.execute(
        sa.update(nominations).where(by_id(nominations, first)).values(status="Approved"))) == {"maker", "holder"}
    assert bumped(lambda conn: conn.execute(
        sa.update(nominations).where(by_id(nominations, first)).values(user_id="mover"))) == {"maker", "mover", "holder"}
    assert bumped(lambda conn: conn.execute(
        sa.update(nomination_roles).where(by_id(nomination_roles, first)).values(user_id="bystander"))) == {
        "mover", "holder", "bystander"}
    assert bumped(lambda conn: nominate(conn, None, "organisation")) == set()  # no user: nobody's
    assert bumped(lambda conn: conn.execute(sa.insert(nomination_roles).values(
        nomination_id=made[1], role="CONTRIBUTOR", user_id="holder", **tenant))) == {"holder"}
    assert bumped(lambda conn: conn.execute(
        sa.update(nominations).where(by_id(nominations, made[1])).values(status="Rejected"))) == {"holder"}
    assert bumped(lambda conn: conn.execute(sa.delete(nomination_roles).where(by_id(nomination_roles, first)))) == {
        "mover", "bystander"}
    assert bumped(lambda conn: conn.execute(sa.delete(nominations).where(by_id(nominations, first)))) == {"mover"}
