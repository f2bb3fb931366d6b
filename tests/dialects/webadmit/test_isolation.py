"""WebAdMIT isolation: two organisations, both modes, look-alike identities and programs.
Every key sees its own tenant's only; the others' identities are 404 in WebAdMIT's words;
a limited identity sees only its programs; no grant can cross organisations or modes."""

from __future__ import annotations

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from programhub.core.errors import Invalid
from programhub.core.identities import service as identities
from programhub.core.identities.models import identity_programs
from programhub.store import Store
from tests.dialects.webadmit.support import BASE, CYCLE, make_identity, make_program, not_found, programs_body
from tests.support import TenantKey, Tenants
from tests.test_cli import run


def _seed(store: Store, tenants: Tenants) -> dict[str, dict[str, int]]:
    """In every tenant: programs "Shared Name" and "Second", an identity that sees all,
    and one limited to "Second" with the same labels everywhere."""
    seeded = {}
    for me in tenants.all():
        shared = make_program(store, me.tenant, "Shared Name", description=me.key_id)
        second = make_program(store, me.tenant, "Second")
        seeded[me.key_id] = {
            "shared": shared,
            "second": second,
            "all": make_identity(store, me.tenant, association="SOPHAS"),
            "limited": make_identity(store, me.tenant, association="SOPHAS", program_ids=[second]),
        }
    return seeded


def test_every_read_shows_each_key_its_own_tenant_only(client: TestClient, store: Store, tenants: Tenants) -> None:
    seeded = _seed(store, tenants)
    for me in tenants.all():
        mine = seeded[me.key_id]
        org_name = me.tenant.org_name
        listed = client.get(BASE, headers=me.x_api_key).json()
        assert listed == {"href": BASE, "user_identities": [
            {"id": mine[kind], "type": "Admissions User", "association": "SOPHAS", "institution": org_name,
             "organization": org_name, "cycle": CYCLE} for kind in ("all", "limited")]}
        assert client.get(f"{BASE}/{mine['all']}/programs", headers=me.x_api_key).json() == programs_body(
            mine["all"], [(mine["shared"], "Shared Name"), (mine["second"], "Second")], org_name)
        assert client.get(f"{BASE}/{mine['limited']}/programs", headers=me.x_api_key).json() == programs_body(
            mine["limited"], [(mine["second"], "Second")], org_name)
        organizations = client.get(f"{BASE}/{mine['all']}/organizations", headers=me.x_api_key).json()
        assert [o["id"] for o in organizations["organizations"]] == [me.tenant.org_id]

        for other in tenants.all():
            if other is me:
                continue
            for kind in ("all", "limited"):
                theirs = seeded[other.key_id][kind]
                for route in ("programs", "organizations"):
                    response = client.get(f"{BASE}/{theirs}/{route}", headers=me.x_api_key)
                    assert (response.status_code, response.json()) == (404, not_found(theirs))


def test_grants_never_cross_organisations_or_modes(store: Store, tenants: Tenants) -> None:
    a, a_live, b = tenants.a_test, tenants.a_live, tenants.b_test
    mine = make_program(store, a.tenant, "Mine")
    for foreign in (make_program(store, b.tenant, "Theirs"), make_program(store, a_live.tenant, "Live twin")):
        with pytest.raises(Invalid) as refused, store.write() as conn:
            identities.create(conn, a.tenant, type="Admissions User", cycle=CYCLE, program_ids=[mine, foreign])
        assert refused.value.message == f"program {foreign} is not a program of {a.org} in test mode"
    with store.read() as conn:
        assert identities.list_for_tenant(conn, a.tenant) == []  # nothing half written

    # And should a bug ever skip that check, the database itself refuses the row.
    identity = make_identity(store, a.tenant, program_ids=[mine])
    theirs = make_program(store, b.tenant, "Theirs too")
    for org_id, mode in ((a.tenant.org_id, "test"), (b.tenant.org_id, "test")):
        with pytest.raises(IntegrityError), store.write() as conn:
            conn.execute(sa.insert(identity_programs).values(identity_id=identity, listing_id=theirs,
                                                             org_id=org_id, mode=mode))


def test_the_cli_refuses_foreign_programs_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str,
    client: TestClient, store: Store, tenants: Tenants,
) -> None:
    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", database_url)
    a: TenantKey = tenants.a_test
    mine = make_program(store, a.tenant, "Mine")
    theirs = make_program(store, tenants.b_test.tenant, "Theirs")
    code, out, err = run(capsys, "identities", "create", "--org", a.org, "--mode", "test",
                          "--type", "Admissions User", "--cycle", CYCLE, "--programs", f"{mine},{theirs}")
    assert (code, out) == (1, "")
    assert err == f"error: program {theirs} is not a program of {a.org} in test mode\n"

    code, out, _ = run(capsys, "identities", "create", "--org", a.org, "--mode", "test",
                        "--type", "Admissions User", "--cycle", CYCLE, "--programs", str(mine), "--json")
    created = orjson.loads(out)["id"]
    assert client.get(f"{BASE}/{created}/programs", headers=a.x_api_key).json() == programs_body(
        created, [(mine, "Mine")], "Organisation A")
    assert client.get(f"{BASE}/{created}/programs", headers=tenants.b_test.x_api_key).json() == not_found(created)
