"""`programhub applicants import FILE.csv`: applicants and their designations from a CSV,
checked whole before anything is written, idempotent when run again."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from programhub.store import Store
from tests.dialects.webadmit.support import BASE, CYCLE, make_identity, make_program
from tests.support import Tenants
from tests.test_cli import run


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", database_url)


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "applicants.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_an_import_creates_applicants_once(
    capsys: pytest.CaptureFixture[str], client: TestClient, store: Store, tenants: Tenants, tmp_path: Path
) -> None:
    a = tenants.a_test
    potions, charms = make_program(store, a.tenant, "Potions"), make_program(store, a.tenant, "Charms")
    identity = make_identity(store, a.tenant)
    path = _csv(tmp_path, "cas_id,email,first_name,last_name,program_id\n"
                          f"3,harry@example.edu,Harry,Potter,{potions}\n"
                          f"3,harry@example.edu,Harry,Potter,{charms}\n"
                          f"4,ron@example.edu,Ron,Weasley,{charms}\n")
    args = ("applicants", "import", path, "--org", a.org, "--mode", "test", "--cycle", CYCLE, "--json")
    code, out, err = run(capsys, *args)
    assert (code, err, orjson.loads(out)) == (0, "", {"rows": 3, "applicants": 2, "designations": 3})
    assert client.get(f"{BASE}/{identity}/programs/{charms}/applicants_by_cas_id/4", headers=a.x_api_key).json() == {
        "applicant": {"href": f"{BASE}/{identity}/programs/{charms}/applicants_by_cas_id/4", "cas_id": "4",
                      "decision": None, "local_status": None}}
    code, out, err = run(capsys, *args)
    assert (code, err, orjson.loads(out)) == (0, "", {"rows": 3, "applicants": 0, "designations": 0})
    code, out, _ = run(capsys, *args[:-1])
    assert code == 0 and out.startswith("imported 3 row(s): 0 new applicant(s), 0 new designation(s)")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("cas_id,email,first_name,last_name\n3,a@b.edu,A,B\n", "the header must name"),
        ("cas_id,email,first_name,last_name,program_id\n3,a@b.edu,A,B,{program}\n3x,a@b.edu,A,B,{program}\n",
         "error: line 3: cas_id must be 1 to 20 digits"),
        ("cas_id,email,first_name,last_name,program_id\n3,a@b.edu,A,B,abc\n", "error: line 2: program_id must be"),
        ("cas_id,email,first_name,last_name,program_id\n3,nobody,A,B,{program}\n", "error: line 2: email must be"),
        ("cas_id,email,first_name,last_name,program_id\n3,a@b.edu,A,B,{other}\n", "error: Program {other} not found"),
    ],
)
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], client: TestClient, store: Store, tenants: Tenants, tmp_path: Path,
    text: str, error: str,
) -> None:
    a = tenants.a_test
    program = make_program(store, a.tenant, "Potions")
    other = make_program(store, tenants.b_test.tenant, "Theirs")
    identity = make_identity(store, a.tenant)
    path = _csv(tmp_path, text.format(program=program, other=other))
    code, out, err = run(capsys, "applicants", "import", path, "--org", a.org, "--mode", "test", "--cycle", CYCLE)
    assert code == 1 and out == "" and error.format(other=other) in err and err.startswith("error: ") and err.count("\n") == 1
    response = client.get(f"{BASE}/{identity}/programs/{program}/applicants_by_cas_id/3", headers=a.x_api_key)
    assert response.status_code == 404
