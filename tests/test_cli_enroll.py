"""`programhub enroll import FILE`: a CSV or JSON file enrolled as a bulk enrollment, with
what was enrolled, waitlisted and refused printed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from programhub.cli import main
from tests.dialects.catalog.support import API, create
from tests.support import Tenants


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    from tests.support import CREDENTIAL_KEY_SECRET

    monkeypatch.setenv("PROGRAMHUB_DATABASE_URL", database_url)
    monkeypatch.setenv("PROGRAMHUB_CREDENTIAL_KEY_SECRET", CREDENTIAL_KEY_SECRET)


def test_a_csv_file_is_enrolled(
    capsys: pytest.CaptureFixture[str], client: TestClient, tenants: Tenants, tmp_path: Path
) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="From the CLI", enrollment_cap=2, waitlist=True)
    lines = ["email,first_name,last_name,listing_id"]
    lines += [f"cli{n}@example.com,Cli,{n},{course['id']}" for n in range(3)]
    lines.append(f"broken,,,{course['id']}")
    file = tmp_path / "learners.csv"
    file.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "enroll", "import", str(file), "--org", key.org, "--mode", "test", "--json")
    assert code == 0, out
    result = orjson.loads(out)
    assert (result["enrolled"], result["waitlisted"], result["failed"]) == (2, 1, 1)
    assert result["errors"][0]["row"] == 4
    enrolled = client.get(f"{API}/enrollments?listing_id={course['id']}", headers=key.token).json()["enrollments"]
    assert [e["user"]["email"] for e in enrolled] == ["cli0@example.com", "cli1@example.com"]
    code, out, _ = run(capsys, "enroll", "import", str(file), "--org", key.org, "--mode", "test")
    assert code == 0 and "0 enrolled, 0 waitlisted, 4 refused" in out and "row 1: user" in out


def test_a_json_file_and_errors(
    capsys: pytest.CaptureFixture[str], client: TestClient, tenants: Tenants, tmp_path: Path
) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="JSON")
    file = tmp_path / "rows.json"
    file.write_bytes(orjson.dumps({"rows": [{"email_address": "j@example.com", "listing_id": course["id"]}]}))
    code, out, _ = run(capsys, "enroll", "import", str(file), "--org", key.org, "--mode", "test", "--json")
    assert code == 0 and orjson.loads(out)["enrolled"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nx@example.com\n")
    code, _, err = run(capsys, "enroll", "import", str(bad), "--org", key.org, "--mode", "test")
    assert code == 1 and err == "error: the CSV file's header must name listing_id (and user_id or email_address)\n"
