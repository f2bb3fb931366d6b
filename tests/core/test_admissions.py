"""Admissions core: applicants and designations, decisions and their outcomes, custom field
answers in WebAdMIT's words, batches and exports run as jobs."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from programhub.core import versions
from programhub.core.admissions import answers, batches, exports, service
from programhub.core.admissions.service import CustomField, OutcomeChange
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.identities import service as identities
from programhub.core.jobs import service as jobs
from programhub.core.jobs.runner import JobRunner
from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant
from programhub.store import Store
from tests.support import Tenants

CYCLE = "2025 - 2026"


def _program(store: Store, tenant: Tenant, name: str = "Potions") -> int:
    with store.write() as conn:
        return listings.create(conn, tenant, "program", {"name": name})


def _identity(store: Store, tenant: Tenant, cycle: str = CYCLE) -> int:
    with store.write() as conn:
        return identities.create(conn, tenant, type="Admissions User", cycle=cycle)


def _applicant(cas_id: str, *program_ids: int, email: str = "harry@example.edu") -> service.NewApplicant:
    return service.new_applicant(
        cas_id=cas_id, email=email, first_name="Harry", last_name="Potter", program_ids=list(program_ids)
    )


def _import(store: Store, tenant: Tenant, *new: service.NewApplicant, replace: bool = True) -> tuple[int, int]:
    with store.write() as conn:
        return service.import_applicants(conn, tenant, CYCLE, list(new), replace=replace)


def _designation(store: Store, tenant: Tenant, identity_id: int, program_id: int, cas_id: str) -> service.Designation:
    with store.read() as conn:
        identity = identities.get(conn, tenant, identity_id)
        return service.designation(conn, tenant, identity, program_id, cas_id)


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[OutcomeChange]:
    """Every change `outcome_changed` is told of."""
    seen: list[OutcomeChange] = []
    monkeypatch.setattr(service, "outcome_changed", lambda conn, tenant, changes, now: seen.extend(changes))
    return seen


def test_import_creates_applicants_and_designations_and_a_reimport_adds_what_is_missing(
    store: Store, tenants: Tenants
) -> None:
    me = tenants.a_test.tenant
    potions, charms = _program(store, me), _program(store, me, "Charms")
    identity = _identity(store, me)
    assert _import(store, me, _applicant("11", potions), _applicant("11", charms), _applicant("12", potions)) == (2, 3)
    assert _import(store, me, _applicant("11", potions, charms, email="new@example.edu")) == (0, 0)
    found = _designation(store, me, identity, charms, "11")
    assert (found.cas_id, found.email, found.listing_id, found.decision, found.local_status) == (
        "11",
        "new@example.edu",
        charms,
        None,
        None,
    )
    with pytest.raises(Conflict) as refused:
        _import(store, me, _applicant("12", charms), replace=False)
    assert refused.value.field == "cas_id"
    with pytest.raises(NotFound):  # nothing of the refused import was written
        _designation(store, me, identity, charms, "12")


def test_import_refuses_programs_of_other_tenants_and_bad_fields(store: Store, tenants: Tenants) -> None:
    me, other = tenants.a_test.tenant, tenants.a_live.tenant
    theirs = _program(store, other)
    with pytest.raises(NotFound) as unknown:
        _import(store, me, _applicant("11", theirs))
    assert (unknown.value.kind, unknown.value.identifier) == ("Program", str(theirs))
    for fields, field in (
        ({"cas_id": "12a"}, "cas_id"),
        ({"cas_id": 12}, "cas_id"),
        ({"email": "nobody"}, "email"),
        ({"first_name": " "}, "first_name"),
        ({"program_ids": "1"}, "program_ids"),
        ({"program_ids": [0]}, "program_ids"),
    ):
        values: dict[str, Any] = {
            "cas_id": "12",
            "email": "a@example.edu",
            "first_name": "A",
            "last_name": "B",
            "program_ids": [],
            **fields,
        }
        with pytest.raises(Invalid) as invalid:
            service.new_applicant(**values)
        assert invalid.value.field == field


def test_applicants_are_found_only_in_their_tenant_cycle_and_program(store: Store, tenants: Tenants) -> None:
    me, other = tenants.a_test.tenant, tenants.b_test.tenant
    potions, charms = _program(store, me), _program(store, me, "Charms")
    _import(store, me, _applicant("11", potions))
    theirs = _program(store, other)
    with store.write() as conn:
        service.import_applicants(conn, other, CYCLE, [_applicant("21", theirs)])
    identity, next_cycle = _identity(store, me), _identity(store, me, "2026 - 2027")
    assert _designation(store, me, identity, potions, "11").cas_id == "11"
    for identity_id, program_id, cas_id in (
        (identity, charms, "11"),  # no designation to that program
        (next_cycle, potions, "11"),  # another cycle
        (identity, potions, "21"),  # another organisation's applicant
        (identity, potions, "x1"),
    ):
        with pytest.raises(NotFound) as missing:
            _designation(store, me, identity_id, program_id, cas_id)
        assert (missing.value.kind, missing.value.identifier) == ("Applicant", cas_id)


def test_decisions_change_outcomes_once_and_never_over_a_local_status(
    store: Store, tenants: Tenants, outcomes: list[OutcomeChange]
) -> None:
    me = tenants.a_test.tenant
    potions = _program(store, me)
    _import(store, me, _applicant("11", potions))
    identity = _identity(store, me)
    with store.write() as conn:
        admit = service.create_decision(conn, me, CYCLE, name="Offer Accepted", outcome="admit")
        also_admit = service.create_decision(conn, me, CYCLE, name="Matriculated", outcome="admit")
        deny = service.create_decision(conn, me, CYCLE, name="Denied", outcome="deny")
        later = service.create_decision(conn, me, "2026 - 2027", name="Denied", outcome="deny")
        status = service.create_local_status(conn, me, CYCLE, title="Deposit Made")
        with pytest.raises(Conflict):
            service.create_decision(conn, me, CYCLE, name="Denied", outcome="none")
    for decision in (admit, also_admit, deny, None):
        with versions.writing(store, me) as conn:
            current = _designation(store, me, identity, potions, "11")
            assert service.set_decision(conn, me, CYCLE, current, None if decision is None else decision.id).decision == decision
    assert [(c.before, c.after, c.email, c.listing_id) for c in outcomes] == [
        ("none", "admit", "harry@example.edu", potions),
        ("admit", "deny", "harry@example.edu", potions),
        ("deny", "none", "harry@example.edu", potions),
    ]
    with versions.writing(store, me) as conn, pytest.raises(NotFound) as unknown:
        service.set_decision(conn, me, CYCLE, _designation(store, me, identity, potions, "11"), later.id)
    assert (unknown.value.kind, unknown.value.identifier) == ("Decision", str(later.id))
    with versions.writing(store, me) as conn:
        service.set_local_status(conn, me, CYCLE, _designation(store, me, identity, potions, "11"), status.id)
    with versions.writing(store, me) as conn, pytest.raises(Invalid) as refused:
        service.set_decision(conn, me, CYCLE, _designation(store, me, identity, potions, "11"), admit.id)
    assert (refused.value.field, refused.value.message) == (
        "decision_id",
        "Can't set the decision_id when the local_status is not null",
    )
    with store.read() as conn:
        assert [d.name for d in service.list_decisions(conn, me, CYCLE)] == ["Offer Accepted", "Matriculated", "Denied"]


def test_concurrent_admissions_of_one_designation_act_once(
    store: Store, tenants: Tenants, outcomes: list[OutcomeChange]
) -> None:
    me = tenants.a_test.tenant
    potions = _program(store, me)
    _import(store, me, _applicant("11", potions))
    identity = _identity(store, me)
    with store.write() as conn:
        admit = service.create_decision(conn, me, CYCLE, name="Admitted", outcome="admit")
    barrier = threading.Barrier(6)

    def admit_once() -> None:
        barrier.wait()
        with versions.writing(store, me) as conn:  # the tenant's write lock, then the read
            found = identities.get(conn, me, identity)
            current = service.designation(conn, me, found, potions, "11")
            service.set_decision(conn, me, CYCLE, current, admit.id)

    threads = [threading.Thread(target=admit_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(c.before, c.after) for c in outcomes] == [("none", "admit")]


SELECT = CustomField(4, 1, "Preferred house", "select", ("Gryffindor", "Hufflepuff", "Ravenclaw", "Slytherin"))
AT = "#/custom_field_answer"


@pytest.mark.parametrize(
    ("field_type", "sent_type", "value", "key", "message"),
    [
        ("number", "number", "11", "schema", f"The property '{AT}/value' of type String did not match the following type: number"),
        ("number", "number", True, "schema", f"The property '{AT}/value' of type TrueClass did not match the following type: number"),
        ("boolean", "boolean", 1, "schema", f"The property '{AT}/value' of type Fixnum did not match the following type: boolean"),
        ("string", "string", 1.5, "schema", f"The property '{AT}/value' of type Float did not match the following type: string"),
        ("string", "string", ["a"], "schema", f"The property '{AT}/value' of type Array did not match the following type: string"),
        ("date", "date", {"y": 1}, "schema", f"The property '{AT}/value' of type Hash did not match the following type: string"),
        ("date", "date", "2016-1-31", "schema", f"The property '{AT}/value' value \"2016-1-31\" did not match the regex '^\\d{{4}}-\\d{{2}}-\\d{{2}}$'"),
        ("date", "date", "2016-02-30", "value", '"2016-02-30" is not a valid date'),
        ("number", "string", 1, "schema", f"The property '{AT}/field_type' value \"string\" did not match one of the following values: number"),
        ("number", 7, 1, "schema", f"The property '{AT}/field_type' of type Fixnum did not match the following type: string"),
        ("string", "string", "x" * 4001, "schema", f"The property '{AT}/value' was not of a maximum string length of 4000"),
    ],
)
def test_answers_are_refused_in_webadmits_words(field_type: str, sent_type: Any, value: Any, key: str, message: str) -> None:
    field = CustomField(1, 1, "Label", field_type, None)
    with pytest.raises(answers.AnswerInvalid) as refused:
        answers.check(field, sent_type, value, at=AT)
    assert (refused.value.key, refused.value.message) == (key, message)


def test_answers_store_their_typed_values() -> None:
    assert answers.check(CustomField(1, 1, "Age", "number", None), "number", 11, at=AT) == 11.0
    assert answers.check(CustomField(1, 1, "Citizen", "boolean", None), "boolean", False, at=AT) is False
    assert answers.check(CustomField(1, 1, "On", "date", None), "date", "2016-01-31", at=AT) == "2016-01-31"
    assert answers.check(SELECT, "select", "Gryffindor", at=AT) == "Gryffindor"
    assert answers.check(SELECT, "select", None, at=AT) is None
    with pytest.raises(answers.AnswerInvalid) as refused:
        answers.check(SELECT, "select", "XYZ", at=AT)
    assert refused.value.message == (
        '"XYZ" is not a valid option (expected "Gryffindor", "Hufflepuff", "Ravenclaw", or "Slytherin")'
    )
    two = CustomField(1, 1, "L", "select", ("A", "B"))
    with pytest.raises(answers.AnswerInvalid) as refused:
        answers.check(two, "select", "C", at=AT)
    assert refused.value.message == '"C" is not a valid option (expected "A" or "B")'


def _run_batch(store: Store, tenant: Tenant, kind: str, identity: int, program: int, rows: list[Any]) -> jobs.Job:
    with store.write() as conn:
        batch_id = batches.queue(conn, tenant, kind, identity, program, rows)
    assert JobRunner(store).run_pending() == 1
    with store.read() as conn:
        return batches.get(conn, tenant, kind, identity, program, batch_id)


def test_a_batch_of_decisions_applies_each_row_once_and_reports_each_error(
    store: Store, tenants: Tenants, outcomes: list[OutcomeChange]
) -> None:
    me = tenants.a_test.tenant
    potions, charms = _program(store, me), _program(store, me, "Charms")
    _import(store, me, _applicant("11", potions), _applicant("12", potions), _applicant("13", charms))
    identity = _identity(store, me)
    with store.write() as conn:
        admit = service.create_decision(conn, me, CYCLE, name="Matriculated", outcome="admit")
        deny = service.create_decision(conn, me, CYCLE, name="Redirected", outcome="deny")
        status = service.create_local_status(conn, me, CYCLE, title="Deposit Made")
    with versions.writing(store, me) as conn:
        service.set_local_status(conn, me, CYCLE, _designation(store, me, identity, potions, "12"), status.id)
    rows = [
        {"applicant_cas_id": "11", "decision_id": admit.id},
        {"applicant_cas_id": "99", "decision_id": 420},
        {"applicant_cas_id": "11", "decision_id": deny.id},
        {"applicant_cas_id": "12", "decision_id": admit.id},
        {"applicant_cas_id": "13", "decision_id": admit.id},
    ]
    job = _run_batch(store, me, batches.DESIGNATIONS, identity, potions, rows)
    assert job.state == "succeeded"
    assert job.result == {
        "failed": 4,
        "results": [
            {"applicant_cas_id": "11", "decision_id": admit.id, "decision_name": "Matriculated",
             "errors": {"creation_error": f"A newer update (setting decision_id to {deny.id}) is overriding this update"}},
            {"applicant_cas_id": "99", "decision_id": 420, "decision_name": None,
             "errors": {"decision": batches.NO_DECISION, "applicant": batches.NO_APPLICANT}},
            {"applicant_cas_id": "11", "decision_id": deny.id, "decision_name": "Redirected", "errors": None},
            {"applicant_cas_id": "12", "decision_id": admit.id, "decision_name": "Matriculated",
             "errors": {"update_error": service.LOCAL_STATUS_SET}},
            {"applicant_cas_id": "13", "decision_id": admit.id, "decision_name": "Matriculated",
             "errors": {"designation": batches.NO_DESIGNATION}},
        ],
    }
    assert _designation(store, me, identity, potions, "11").decision == deny
    assert [(c.before, c.after) for c in outcomes] == [("none", "deny")]
    with store.read() as conn, pytest.raises(NotFound):  # another program's batch id is not this one's
        batches.get(conn, me, batches.DESIGNATIONS, identity, charms, job.id)


def test_a_batch_of_answers_checks_each_value(store: Store, tenants: Tenants) -> None:
    me = tenants.a_test.tenant
    potions = _program(store, me)
    _import(store, me, _applicant("11", potions))
    identity = _identity(store, me)
    with store.write() as conn:
        age = service.create_custom_field(conn, me, potions, label="Age", field_type="number")
    rows = [
        {"applicant_cas_id": "11", "custom_field_id": age.id, "field_type": "number", "value": "eleven"},
        {"applicant_cas_id": "11", "custom_field_id": age.id + 1, "field_type": "number", "value": 1},
        {"applicant_cas_id": "11", "custom_field_id": age.id, "field_type": "number", "value": 11},
    ]
    job = _run_batch(store, me, batches.ANSWERS, identity, potions, rows)
    assert job.result is not None
    assert [r["errors"] for r in job.result["results"]] == [
        {"update_error": "The property '#/custom_field_answers/0/value' of type String did not match the following type: number"},
        {"custom_field": batches.NO_CUSTOM_FIELD},
        None,
    ]
    designation = _designation(store, me, identity, potions, "11")
    with store.read() as conn:
        assert service.answer(conn, me, designation.id, age.id) == 11.0


def _export(store: Store, tenant: Tenant, identity: int) -> exports.Export:
    with store.write() as conn:
        return exports.create(conn, tenant, identity, name="Nightly", list_type="all", format="Comma-Separated Values")


def _download(store: Store, tenant: Tenant, export_id: int, file_id: int) -> tuple[exports.ExportFile, bytes]:
    with store.read() as conn:
        found = exports.file(conn, tenant, export_id, file_id)
    return found, b"".join(exports.parts(store, tenant, found))


def test_an_export_writes_the_identitys_designations_as_csv(store: Store, tenants: Tenants) -> None:
    me = tenants.a_test.tenant
    potions, charms = _program(store, me), _program(store, me, "Charms")
    _import(store, me, _applicant("11", potions, charms), _applicant("12", charms, email="hé@example.edu"))
    identity = _identity(store, me)
    with store.write() as conn:
        house = service.create_custom_field(conn, me, potions, label="House", field_type="select", options=["Gryffindor"])
        admit = service.create_decision(conn, me, CYCLE, name="Offer Accepted", outcome="admit")
    designation = _designation(store, me, identity, potions, "11")
    with versions.writing(store, me) as conn:
        service.store_answers(conn, me, [(designation.id, house.id, "Gryffindor")])
        service.set_decision(conn, me, CYCLE, designation, admit.id)
    export = _export(store, me, identity)
    with store.write() as conn:
        file_id = exports.run(conn, me, export)
        assert exports.run(conn, me, export) == file_id  # still queued: the same file
    assert JobRunner(store).run_pending() == 1
    found, data = _download(store, me, export.id, file_id)
    assert (found.state, found.rows, exports.status_of(found.state, found.rows)) == ("succeeded", 3, "Available")
    assert data.decode("iso-8859-1") == (
        "CAS ID,First Name,Last Name,Email,Program ID,Program,Decision,Local Status,House\r\n"
        f"11,Harry,Potter,harry@example.edu,{potions},Potions,Offer Accepted,,Gryffindor\r\n"
        f"11,Harry,Potter,harry@example.edu,{charms},Charms,,,\r\n"
        f"12,Harry,Potter,hé@example.edu,{charms},Charms,,,\r\n"
    )
    with store.write() as conn:
        assert exports.run(conn, me, export) > file_id  # finished: a new run
    with store.read() as conn, pytest.raises(NotFound):
        exports.file(conn, tenants.a_live.tenant, export.id, file_id)


def test_an_export_of_no_applicants_is_an_empty_list(store: Store, tenants: Tenants) -> None:
    me = tenants.a_test.tenant
    export = _export(store, me, _identity(store, me))
    with store.write() as conn:
        file_id = exports.run(conn, me, export)
    JobRunner(store).run_pending()
    found, data = _download(store, me, export.id, file_id)
    assert (exports.status_of(found.state, found.rows), data) == (
        "Empty List",
        b"CAS ID,First Name,Last Name,Email,Program ID,Program,Decision,Local Status\r\n",
    )


def test_racing_runs_of_one_export_share_one_file(store: Store, tenants: Tenants) -> None:
    me = tenants.a_test.tenant
    export = _export(store, me, _identity(store, me))
    barrier = threading.Barrier(8)
    ids: list[int] = []

    def run() -> None:
        barrier.wait()
        with store.write() as conn:
            ids.append(exports.run(conn, me, export))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.example.edu/x.cgi", True),
        ("http://HOOKS.example.edu:8080/x", True),
        ("ftp://hooks.example.edu/x", False),
        ("https://evil.example.edu/x", False),
        ("https://user:pw@hooks.example.edu/x", False),
        ("https://hooks.example.edu:99999/x", False),
        ("not a url", False),
    ],
)
def test_callbacks_go_only_to_allowed_hosts(url: str, allowed: bool) -> None:
    assert exports.allowed_callback(url, ["hooks.example.edu"]) is allowed


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, list[str]]]]]]:
    """A local HTTP server recording the form POSTs it gets; `/moved` redirects."""
    received: list[tuple[str, dict[str, list[str]]]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append((self.path, parse_qs(self.rfile.read(length).decode())))
            if self.path == "/moved":
                self.send_response(307)
                self.send_header("Location", "/elsewhere")
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


def test_the_callback_is_a_form_post_and_redirects_are_not_followed(
    receiver: tuple[str, list[tuple[str, dict[str, list[str]]]]],
) -> None:
    base, received = receiver
    exports.notify(f"{base}/done.cgi", 99752, 123316, "Available")
    exports.notify(f"{base}/moved", 1, 2, "Failed")
    assert received == [
        (
            "/done.cgi",
            {"export_file[id]": ["99752"], "export_file[export_id]": ["123316"], "export_file[status]": ["Available"]},
        ),
        ("/moved", {"export_file[id]": ["1"], "export_file[export_id]": ["2"], "export_file[status]": ["Failed"]}),
    ]


def test_a_finished_run_calls_its_callback_back_once(
    store: Store, tenants: Tenants, receiver: tuple[str, list[tuple[str, dict[str, list[str]]]]]
) -> None:
    base, received = receiver
    me = tenants.a_test.tenant
    export = _export(store, me, _identity(store, me))
    with store.write() as conn:
        file_id = exports.run(conn, me, export, callback=f"{base}/ready.cgi")
    JobRunner(store).run_pending()
    assert received == [("/ready.cgi", {"export_file[id]": [str(file_id)], "export_file[export_id]": [str(export.id)],
                                        "export_file[status]": ["Empty List"]})]


def test_a_run_whose_identity_is_gone_fails_and_says_so(
    store: Store, tenants: Tenants, receiver: tuple[str, list[tuple[str, dict[str, list[str]]]]]
) -> None:
    base, received = receiver
    me = tenants.a_test.tenant
    identity = _identity(store, me)
    export = _export(store, me, identity)
    with store.write() as conn:
        file_id = exports.run(conn, me, export, callback=f"{base}/ready.cgi")
        identities.delete(conn, identity)  # its exports go with it; the queued file stays
    JobRunner(store).run_pending()
    with store.read() as conn:
        job = jobs.get(conn, me, file_id)
    assert (job.state, exports.status_of(job.state, None)) == ("failed", "Failed")
    assert received[0][1]["export_file[status]"] == ["Failed"]
