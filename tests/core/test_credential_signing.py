"""The pieces of credential signing: the per-batch RDF template gives exactly pyld's
canonical form, status list indices are a permutation, keys are sealed and never shown,
did:web follows the public URL, and a batch costs a constant number of queries."""

from __future__ import annotations

import base64
import gzip
import json
import logging
from datetime import UTC, datetime, timedelta

import base58
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from programhub.core.credentials import badges, issuers, keys, linked_data, proofs, status_lists
from programhub.core.credentials import service as credentials
from programhub.core.credentials.models import signing_keys
from programhub.core.listings import service as listings
from programhub.core.tenancy import Mode
from programhub.settings import Settings
from programhub.store import Store
from tests.support import CREDENTIAL_KEY_SECRET, Tenants, count_queries, signing

VAULT = keys.KeyVault(secret=CREDENTIAL_KEY_SECRET)


def _issuer(mode: Mode = Mode.LIVE) -> issuers.Issuer:
    private = keys.Ed25519PrivateKey.generate()
    public = keys._raw_public(private.public_key())
    key = keys.SigningKey(1, public, private)
    base = "http://programhub.test" + issuers.issuer_path("org_1_abcdef", mode)
    return issuers.Issuer(issuers.did_web("http://programhub.test", "org_1_abcdef", mode), "Org \"A\"", base, mode, key)


ACHIEVEMENT = badges.Achievement(
    "http://programhub.test/orgs/org_1_abcdef/achievements/prog_1", "Data Science", "Learn\ndata", "Complete:\n- A\n- B", 7.5
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).map(linked_data.signable_text)


@hypothesis_settings(max_examples=60, deadline=None)
@given(name=TEXT, email=st.emails(), index=st.integers(0, status_lists.SIZE - 1), expires=st.booleans(), test_mode=st.booleans())
def test_the_batch_template_gives_pyld_canonical_form_of_the_whole_document(
    name: str, email: str, index: int, expires: bool, test_mode: bool
) -> None:
    issuer = _issuer(Mode.TEST if test_mode else Mode.LIVE)
    signer = badges.BatchSigner(issuer, ACHIEVEMENT, datetime(2025, 5, 19, tzinfo=UTC), datetime(2025, 5, 19, tzinfo=UTC))
    entry = status_lists.Entry(1, f"{issuer.base_url}/status/1", index)
    award = badges.Award("http://programhub.test/credentials/rec_1", name, email, entry, datetime(2031, 1, 1, tzinfo=UTC) if expires else None)
    signed = json.loads(signer.sign(award))
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    # what the template produced was signed: the proof verifies over pyld's own canonical form
    assert proofs.verify(signed, lambda method: issuer.key.public_key if method == issuer.verification_method else None)
    values = {
        "urn:programhub:placeholder:credential": award.credential_id,
        "programhub:placeholder:name": name,
        "programhub:placeholder:email-hash": unsigned["credentialSubject"]["identifier"][1]["identityHash"],
        "programhub:placeholder:salt": unsigned["credentialSubject"]["identifier"][1]["salt"],
        "urn:programhub:placeholder:status-entry": f"{entry.list_url}#{index}",
        "urn:programhub:placeholder:status-list": entry.list_url,
        "programhub:placeholder:status-index": str(index),
    }
    if expires:
        values["programhub:placeholder:valid-until"] = unsigned["validUntil"]
    assert signer._template(expires).canonical(values) == linked_data.canonical(unsigned)


def test_text_the_canonical_forms_would_escape_differently_is_left_out() -> None:
    assert linked_data.signable_text("a\x00b\x07c\x1b\x7fd\te\nf\rg") == "abcd\te\nf\rg"


def test_the_email_hash_is_ob3s_identity_hash() -> None:
    assert badges.email_hash("A@Example.com", "Kosher") == "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"


def test_status_list_indices_are_a_permutation_and_bits_read_left_to_right() -> None:
    key = bytes(range(32))
    size = 4096
    seen = [status_lists.permuted(key, n, size) for n in range(size)]
    assert sorted(seen) == list(range(size)) and seen[:8] != list(range(8))
    assert [status_lists.permuted(key, n) for n in range(3)] == [status_lists.permuted(key, n) for n in range(3)]
    bits = status_lists.with_set(bytes(2), [0, 9])
    assert bits == bytes([0x80, 0x40]) and status_lists.is_set(bits, 9) and not status_lists.is_set(bits, 8)
    encoded = status_lists.encoded(bits)
    assert encoded[0] == "u" and "=" not in encoded
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==")) == bits


@pytest.mark.parametrize(
    ("public_url", "mode", "did", "document_url"),
    [
        ("http://programhub.test", Mode.LIVE, "did:web:programhub.test:orgs:org_1", "/orgs/org_1/did.json"),
        ("https://Hub.Example.edu:8443/a/b", Mode.TEST, "did:web:hub.example.edu%3A8443:a:b:orgs:org_1:test", "/a/b/orgs/org_1/test/did.json"),
    ],
)
def test_did_web_names_the_path_programhub_serves(public_url: str, mode: Mode, did: str, document_url: str) -> None:
    assert issuers.did_web(public_url, "org_1", mode) == did
    host, *path = did.removeprefix("did:web:").split(":")
    assert "/" + "/".join(path) + "/did.json" == document_url


def test_a_sealed_key_opens_only_with_its_secret_and_row(store: Store, tenants: Tenants) -> None:
    with store.write() as conn:
        key = keys.current(conn, tenants.a_test.tenant, VAULT)
        sealed = conn.execute(select(signing_keys.c.sealed_private_key)).scalar_one()
    raw = key.private_key.private_bytes(keys.serialization.Encoding.Raw, keys.serialization.PrivateFormat.Raw, keys.serialization.NoEncryption())
    assert raw not in sealed
    binding = keys._binding(tenants.a_test.tenant, key.public_key)
    with pytest.raises(keys.KeyVaultError, match="PROGRAMHUB_CREDENTIAL_KEY_SECRET") as wrong:
        keys.KeyVault(secret="another-secret-of-enough-length-0123456789").open(sealed, binding)
    assert raw.hex() not in str(wrong.value)
    with pytest.raises(keys.KeyVaultError):
        VAULT.open(sealed, keys._binding(tenants.b_test.tenant, key.public_key))  # moved to another tenant
    assert "SigningKey" in repr(key) and "private" not in repr(key) and "secret" not in repr(VAULT).replace("<secret hidden>", "")


def test_the_key_file_is_made_once_and_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "var" / "credential-key"
    private = keys.Ed25519PrivateKey.generate()
    sealed = keys.KeyVault(secret_file=str(path)).seal(private, b"x")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert keys.KeyVault(secret_file=str(path)).open(sealed, b"x").public_key() == private.public_key()


def test_private_keys_appear_in_no_answer_log_or_error(
    client, store: Store, tenants: Tenants, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    me = tenants.a_live
    with store.write() as conn:
        program = listings.create(conn, me.tenant, "program", {"name": "P"})
        program_id = listings.get(conn, me.tenant, program).public_id
    bodies = []
    issued = client.post("/api/external/issuance/credentials", json={"programId": program_id, "batchName": "B", "recipients": [{"name": "A", "email": "a@example.edu"}]}, headers=me.bearer)
    rid = issued.json()["data"]["recipients"][0]["recipientId"]
    bodies += [issued.content, client.post(f"/api/external/issuance/credentials/recipients/{rid}/revoke", headers=me.bearer).content]
    for accept in ("text/html", "application/json", "application/vc"):
        bodies.append(client.get(f"/credentials/{rid}", headers={"Accept": accept}).content)
    bodies += [client.get(f"/orgs/{me.org}/did.json").content, client.get(f"/orgs/{me.org}/status/1").content]
    bodies.append(client.get("/openapi.json").content)
    with store.read() as conn:
        sealed = conn.execute(select(signing_keys.c.sealed_private_key, signing_keys.c.public_key)).one()
    private = VAULT.open(bytes(sealed[0]), keys._binding(me.tenant, bytes(sealed[1])))
    raw = private.private_bytes(keys.serialization.Encoding.Raw, keys.serialization.PrivateFormat.Raw, keys.serialization.NoEncryption())
    forms = [raw, raw.hex().encode(), base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"="), base58.b58encode(raw), base58.b58encode(b"\x80\x26" + raw), bytes(sealed[0]).hex().encode()]
    seen = b"\n".join([*bodies, caplog.text.encode(), *(part.encode() for part in capsys.readouterr())])
    for form in forms:
        assert form not in seen


def test_an_invalid_secret_is_refused_without_being_echoed() -> None:
    with pytest.raises(ValueError, match="PROGRAMHUB_CREDENTIAL_KEY_SECRET") as refused:
        Settings.from_env({"PROGRAMHUB_CREDENTIAL_KEY_SECRET": "tooshort-secret"})
    assert "tooshort" not in str(refused.value)
    settings = Settings.from_env({"PROGRAMHUB_CREDENTIAL_KEY_SECRET": CREDENTIAL_KEY_SECRET})
    assert CREDENTIAL_KEY_SECRET not in repr(settings) and CREDENTIAL_KEY_SECRET not in str(settings)


def test_a_batch_is_signed_in_a_constant_number_of_queries_and_old_credentials_are_signed_when_needed(
    store: Store, tenants: Tenants
) -> None:
    me = tenants.a_test
    with store.write() as conn:
        program_id = listings.get(conn, me.tenant, listings.create(conn, me.tenant, "program", {"name": "P"})).public_id
        credentials.issue(conn, me.tenant, program_id, "warm", [credentials.NewRecipient("W", "w@example.edu")], signing_with=signing())
    counts = []
    for size in (1, 300):
        recipients = [credentials.NewRecipient(f"R{i}", f"r{i}@example.edu") for i in range(size)]
        with store.write() as conn, count_queries(store) as statements:
            credentials.issue(conn, me.tenant, program_id, "B", recipients, signing_with=signing(), expires_at=datetime.now(UTC) + timedelta(days=1))
        counts.append(len([s for s in statements if "FROM jobs" not in s]))
    assert counts[0] == counts[1]
