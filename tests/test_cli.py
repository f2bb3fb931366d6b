"""The CLI end to end: what it prints, and that its keys work (and stop working) over HTTP."""

from __future__ import annotations

import re

import orjson
import pytest
from fastapi.testclient import TestClient

from programhub.cli import main

PROTECTED = "/api/external/issuance/programs"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    from tests.support import CREDENTIAL_KEY_SECRET

    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", database_url)
    monkeypatch.setenv("PROGRAMHUB_CREDENTIAL_KEY_SECRET", CREDENTIAL_KEY_SECRET)  # not a key file in ./var


def test_org_and_key_lifecycle(capsys: pytest.CaptureFixture[str], client: TestClient) -> None:
    code, out, _ = run(capsys, "orgs", "create", "Hogwarts", "--json")
    assert code == 0
    org = orgs_created = orjson.loads(out)
    assert set(org) == {"id", "name"} and org["name"] == "Hogwarts"
    assert re.fullmatch(r"org_\d{13}_[0-9a-z]{6}", orgs_created["id"])

    code, out, _ = run(capsys, "keys", "create", "--org", org["id"], "--mode", "test", "--label", "ci", "--json")
    key = orjson.loads(out)
    assert code == 0 and set(key) == {"id", "key", "mode", "org"}
    assert key["mode"] == "test" and key["org"] == org["id"] and key["key"].startswith("sk_test_")

    assert client.get(PROTECTED, headers={"Authorization": f"Bearer {key['key']}"}).status_code == 200

    code, out, _ = run(capsys, "keys", "list", "--org", org["id"], "--json")
    assert code == 0 and key["key"] not in out
    listed = orjson.loads(out)["keys"]
    assert [k["id"] for k in listed] == [key["id"]] and listed[0]["last_used_at"] is not None

    code, out, _ = run(capsys, "orgs", "suspend", org["id"])
    assert code == 0
    assert client.get(PROTECTED, headers={"X-Api-Key": key["key"]}).status_code == 403
    run(capsys, "orgs", "activate", org["id"])
    assert client.get(PROTECTED, headers={"X-Api-Key": key["key"]}).status_code == 200

    code, _, _ = run(capsys, "keys", "revoke", key["id"])
    assert code == 0
    assert client.get(PROTECTED, headers={"X-Api-Key": key["key"]}).status_code == 401

    code, out, _ = run(capsys, "orgs", "list", "--json")
    assert [o["id"] for o in orjson.loads(out)["organisations"]] == [org["id"]]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("keys", "create", "--org", "org_0_nobody", "--mode", "test"), "organisation org_0_nobody not found"),
        (("keys", "create", "--org", "x", "--mode", "prod"), "mode must be 'test' or 'live'"),
        (("keys", "create", "--mode", "test"), "--org"),
        (("keys", "revoke", "key_0_none"), "key key_0_none not found"),
        (("orgs", "suspend", "org_0_none"), "not found"),
        (("orgs", "create", "   "), "needs a name"),
        (("bogus",), "No such command"),
    ],
)
def test_errors_are_one_line_on_stderr(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], fragment: str) -> None:
    code, out, err = run(capsys, *args)
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("error: ") and fragment in err
    assert "Traceback" not in err + out


def test_database_errors_are_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _, err = run(capsys, "orgs", "list")
    assert code == 1 and err.startswith("error: database error:") and err.count("\n") == 1


def test_commands_refuse_an_unmigrated_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", f"sqlite:///{tmp_path}/fresh.db")
    code, _, err = run(capsys, "orgs", "list")
    assert code == 1 and "programhub db upgrade" in err
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "up to date" in out
    assert run(capsys, "orgs", "list", "--json")[0] == 0


def test_demo_is_created_once_and_prints_a_working_key(capsys: pytest.CaptureFixture[str], client: TestClient) -> None:
    code, out, _ = run(capsys, "demo", "--json")
    first = orjson.loads(out)
    assert code == 0 and first["created"] is True and first["key"].startswith("sk_test_")
    code, out, _ = run(capsys, "demo", "--json")
    second = orjson.loads(out)
    assert second["created"] is False and second["org"] == first["org"] and second["key"] != first["key"]
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {second['key']}"})
    names = {p["name"] for p in response.json()["data"]}
    assert {"Cyber Security", "MongoDB", "GG", "Potions", "Program 21", "Program 22", "Program 23"} <= names
    assert run(capsys, "orgs", "list", "--json")[1].count('"Demo University"') == 1


def test_help_shows_no_type_after_flags(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Flags take no value; typer's `<bool>` after them read as if they did."""
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _err = run(capsys, "identities", "create", "--help")
    assert code == 0
    assert "<bool>" not in out
    assert re.search(r"--json\s+Print one JSON object", out)
    assert "<str>" in out  # options that take a value still say so


def test_tables_keep_timestamps_whole_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a terminal rich wraps at 80 columns; ids and times must stay copyable."""
    _code, out, _err = run(capsys, "orgs", "create", "A School With A Rather Long Name Indeed", "--json")
    org = orjson.loads(out)["id"]
    run(capsys, "keys", "create", "--org", org, "--mode", "test", "--label", "a label that is long enough to matter")
    code, out, _err = run(capsys, "keys", "list", "--org", org)
    assert code == 0
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", out), out


def test_signing_keys_rotate_and_old_ones_stay_in_the_did_document(
    capsys: pytest.CaptureFixture[str], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROGRAMHUB_PUBLIC_URL", "http://programhub.test")
    org = orjson.loads(run(capsys, "orgs", "create", "Hogwarts", "--json")[1])["id"]
    did = f"did:web:programhub.test:orgs:{org}"
    code, out, _ = run(capsys, "keys", "signing", "--org", org, "--mode", "live", "--json")
    assert (code, orjson.loads(out)) == (0, {"did": did, "keys": []})
    rotations = []
    for _ in range(2):
        code, out, err = run(capsys, "keys", "rotate-signing", "--org", org, "--mode", "live", "--json")
        assert code == 0, err
        rotations.append(orjson.loads(out))
    keys_now = rotations[-1]["keys"]
    assert [k["retired_at"] is None for k in keys_now] == [True, False]
    assert keys_now[1]["verification_method"] == rotations[0]["keys"][0]["verification_method"]
    document = client.get(f"/orgs/{org}/did.json").json()
    assert document["assertionMethod"] == [k["verification_method"] for k in keys_now]
    assert set(keys_now[0]) == {"verification_method", "fingerprint", "created_at", "retired_at"}  # never a private key
    code, out, _ = run(capsys, "keys", "rotate-signing", "--org", org, "--mode", "live")
    assert code == 0 and "2 retired key(s) kept" in out
    code, _, err = run(capsys, "keys", "rotate-signing", "--org", "org_nope", "--mode", "live")
    assert code == 1 and err.startswith("error: ") and len(err.splitlines()) == 1
