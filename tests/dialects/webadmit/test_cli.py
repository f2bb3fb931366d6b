"""`programhub identities`: create, list and delete user identities, in tables or JSON,
with every refusal in one line."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.store import Store
from tests.dialects.webadmit.support import BASE, CYCLE, make_program, not_found, programs_body
from tests.support import Tenants
from tests.test_cli import run


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", database_url)


def create(capsys: pytest.CaptureFixture[str], *args: str) -> int:
    code, out, err = run(capsys, "identities", "create", *args, "--json")
    assert (code, err) == (0, "")
    created = orjson.loads(out)
    assert list(created) == ["id"] and isinstance(created["id"], int)
    return int(created["id"])


def test_identity_lifecycle(capsys: pytest.CaptureFixture[str], client: TestClient, store: Store, tenants: Tenants) -> None:
    a = tenants.a_test
    potions = make_program(store, a.tenant, "Potions")
    herbology = make_program(store, a.tenant, "Herbology")
    everything = create(capsys, "--org", a.org, "--mode", "test", "--type", "Association User", "--cycle", CYCLE,
                        "--association", "SOPHAS", "--institution", "Demo University")
    limited = create(capsys, "--org", a.org, "--mode", "test", "--type", "Admissions User", "--cycle", "2024 - 2025",
                     "--organization", "Hogwarts School of Witchcraft and Wizardry",
                     "--programs", f"{herbology}, {potions},{herbology}")
    live = create(capsys, "--org", a.org, "--mode", "live", "--type", "Institution User", "--cycle", CYCLE)

    code, out, _ = run(capsys, "identities", "list", "--org", a.org, "--json")
    assert code == 0
    assert orjson.loads(out) == {"identities": [
        {"id": everything, "mode": "test", "type": "Association User", "association": "SOPHAS",
         "institution": "Demo University", "organization": None, "cycle": CYCLE, "limited": False, "programs": []},
        {"id": limited, "mode": "test", "type": "Admissions User", "association": None, "institution": None,
         "organization": "Hogwarts School of Witchcraft and Wizardry", "cycle": "2024 - 2025", "limited": True,
         "programs": [potions, herbology]},
        {"id": live, "mode": "live", "type": "Institution User", "association": None, "institution": None,
         "organization": None, "cycle": CYCLE, "limited": False, "programs": []},
    ]}
    code, out, _ = run(capsys, "identities", "list", "--org", a.org, "--mode", "live", "--json")
    assert [i["id"] for i in orjson.loads(out)["identities"]] == [live]
    code, out, _ = run(capsys, "identities", "list", "--org", a.org)
    assert code == 0 and "Hogwarts" in out and "all" in out

    headers = a.x_api_key
    assert client.get(f"{BASE}/{everything}/programs", headers=headers).json() == programs_body(
        everything, [(potions, "Potions"), (herbology, "Herbology")], "Organisation A")
    assert client.get(f"{BASE}/{limited}/programs", headers=headers).json() == programs_body(
        limited, [(potions, "Potions"), (herbology, "Herbology")], "Hogwarts School of Witchcraft and Wizardry")
    assert [i["id"] for i in client.get(BASE, headers=tenants.a_live.x_api_key).json()["user_identities"]] == [live]

    code, out, _ = run(capsys, "identities", "delete", str(limited), "--json")
    assert (code, orjson.loads(out)) == (0, {"id": limited, "deleted": True})
    assert client.get(f"{BASE}/{limited}/programs", headers=headers).json() == not_found(limited)
    with store.read() as conn:  # the programs stay
        assert listings.get(conn, a.tenant, potions).name == "Potions"
    code, out, _ = run(capsys, "identities", "delete", str(everything))
    assert code == 0 and f"user identity {everything} deleted" in out


def test_an_empty_programs_list_limits_to_nothing(capsys: pytest.CaptureFixture[str], client: TestClient,
                                                  store: Store, tenants: Tenants) -> None:
    a = tenants.a_test
    make_program(store, a.tenant, "Potions")
    identity = create(capsys, "--org", a.org, "--mode", "test", "--type", "Admissions User", "--cycle", CYCLE,
                      "--programs", "")
    assert client.get(f"{BASE}/{identity}/programs", headers=a.x_api_key).json() == programs_body(identity, [], "Organisation A")


def test_programs_that_cannot_be_granted_are_refused(capsys: pytest.CaptureFixture[str], store: Store, tenants: Tenants) -> None:
    a = tenants.a_test
    course = make_program(store, a.tenant, "A course", kind="course")
    gone = make_program(store, a.tenant, "Gone")
    with store.write() as conn:
        listings.delete_listing(conn, a.tenant, gone)
    live_twin = make_program(store, tenants.a_live.tenant, "Live twin")
    for program in (course, gone, live_twin, 999_999):
        code, out, err = run(capsys, "identities", "create", "--org", a.org, "--mode", "test", "--type",
                             "Admissions User", "--cycle", CYCLE, "--programs", str(program))
        assert (code, out, err) == (1, "", f"error: program {program} is not a program of {a.org} in test mode\n")
    code, out, _ = run(capsys, "identities", "list", "--org", a.org, "--json")
    assert orjson.loads(out) == {"identities": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--type", "Applicant"), "type must be one of: Admissions User, Association User, Institution User"),
        (("--cycle", "2025"), "cycle must look like '2025 - 2026'"),
        (("--cycle", "2025-2026"), "cycle must look like '2025 - 2026'"),
        (("--mode", "prod"), "mode must be 'test' or 'live'"),
        (("--org", "org_0_nobody"), "organisation org_0_nobody not found"),
        (("--programs", "1,x"), "--programs must be program ids separated by commas, not '1,x'"),
        (("--programs", "-3"), "--programs must be program ids separated by commas, not '-3'"),
        (("--programs", "0"), "programs must be between 1 and 2147483647"),
        (("--programs", "99999999999"), "programs must be between 1 and 2147483647"),
        (("--association", "  "), "association must not be blank"),
        (("--institution", "a\x00b"), "institution must not contain NUL characters"),
    ],
)
def test_create_refusals_are_one_line(capsys: pytest.CaptureFixture[str], tenants: Tenants,
                                      args: tuple[str, ...], message: str) -> None:
    defaults = {"--org": tenants.a_test.org, "--mode": "test", "--type": "Admissions User", "--cycle": CYCLE}
    options = dict(defaults, **dict(zip(args[::2], args[1::2], strict=True)))
    code, out, err = run(capsys, "identities", "create", *[part for pair in options.items() for part in pair])
    assert (code, out, err) == (1, "", f"error: {message}\n")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("identities", "delete", "999"), "error: identity 999 not found"),
        (("identities", "delete", "99999999999999"), "error: identity 99999999999999 not found"),
        (("identities", "delete", "abc"), "error: Invalid value for 'identity_id'"),
        (("identities", "list", "--org", "org_0_nobody"), "error: organisation org_0_nobody not found"),
        (("identities", "create", "--org", "x", "--mode", "test", "--cycle", CYCLE), "--type"),
    ],
)
def test_other_refusals_are_one_line(capsys: pytest.CaptureFixture[str], tenants: Tenants,
                                     args: tuple[str, ...], fragment: str) -> None:
    code, out, err = run(capsys, *args)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and fragment in err


def test_the_demo_identities_answer_the_readme_tour(capsys: pytest.CaptureFixture[str], client: TestClient) -> None:
    """On a fresh database the demo's identities are 1 and 2, as the README's tour assumes."""
    code, out, _ = run(capsys, "demo", "--json")
    headers = {"x-api-key": orjson.loads(out)["key"]}
    listed = client.get(BASE, headers=headers).json()["user_identities"]
    assert listed == [
        {"id": 1, "type": "Admissions User", "association": "SOPHAS", "institution": "Demo University",
         "organization": "Demo University", "cycle": "2025 - 2026"},
        {"id": 2, "type": "Admissions User", "association": None, "institution": "Hogwarts",
         "organization": "Hogwarts School of Witchcraft and Wizardry", "cycle": "2025 - 2026"},
    ]
    everything = client.get(f"{BASE}/1/programs", headers=headers).json()
    names = [p["name"] for p in everything["programs"]]
    assert {"Potions", "Cyber Security", "Program 21"} <= set(names)
    potions = next(p["id"] for p in everything["programs"] if p["name"] == "Potions")
    assert client.get(f"{BASE}/2/programs", headers=headers).json() == programs_body(
        2, [(potions, "Potions")], "Hogwarts School of Witchcraft and Wizardry")
