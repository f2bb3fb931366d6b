from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from programhub.core.catalogs.models import catalogs
from programhub.core.errors import Invalid, NotFound
from programhub.core.keys import service as keys
from programhub.core.keys.models import api_keys
from programhub.core.orgs import service as orgs
from programhub.core.tenancy import Mode
from programhub.store import Store


def test_organisation_ids_and_default_catalogs(store: Store) -> None:
    with store.write() as conn:
        org = orgs.create(conn, "  Hogwarts  ")
    assert re.fullmatch(r"org_\d{13}_[0-9a-z]{6}", org.public_id)
    assert org.name == "Hogwarts" and org.state == "active"
    with store.read() as conn:
        rows = conn.execute(select(catalogs.c.mode, catalogs.c.is_default).where(catalogs.c.org_id == org.id)).all()
    assert sorted(rows) == [("live", True), ("test", True)]


def test_blank_name_is_refused(store: Store) -> None:
    with pytest.raises(Invalid), store.write() as conn:
        orgs.create(conn, "   ")


def test_suspend_and_activate(store: Store) -> None:
    with store.write() as conn:
        org = orgs.create(conn, "A")
        assert orgs.set_state(conn, org.public_id, "suspended").state == "suspended"
        assert orgs.set_state(conn, org.public_id, "active").state == "active"
        with pytest.raises(NotFound):
            orgs.set_state(conn, "org_0_000000", "active")


def test_key_format_and_only_a_hash_is_stored(store: Store) -> None:
    with store.write() as conn:
        org = orgs.create(conn, "A")
        issued = keys.create(conn, org.public_id, Mode.LIVE, "ci")
    assert re.fullmatch(r"sk_live_[0-9A-Za-z]{40}", issued.secret)
    assert issued.key.mode is Mode.LIVE and issued.key.org == org.public_id
    with store.read() as conn:
        row = conn.execute(select(api_keys)).one()
    stored = " ".join(str(value) for value in row)
    assert issued.secret not in stored
    assert row.secret_hash == keys.hash_secret(issued.secret)
    assert row.prefix == issued.secret[:12]


def test_list_never_shows_secrets_and_revoke_keeps_first_time(store: Store) -> None:
    with store.write() as conn:
        org = orgs.create(conn, "A")
        first = keys.create(conn, org.public_id, Mode.TEST)
        keys.create(conn, org.public_id, Mode.LIVE)
        revoked = keys.revoke(conn, first.key.id)
        again = keys.revoke(conn, first.key.id)
        listed = keys.list_for_org(conn, org.public_id)
    assert revoked.revoked_at is not None and again.revoked_at == revoked.revoked_at
    assert [k.mode for k in listed] == [Mode.TEST, Mode.LIVE]
    assert all(first.secret not in repr(k) for k in listed)
    with pytest.raises(NotFound), store.write() as conn:
        keys.revoke(conn, "key_0_nothere")
