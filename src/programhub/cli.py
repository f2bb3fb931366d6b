"""The `programhub` command: serve, migrate, and manage organisations, keys and the demo.

Every failure is one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import rich.progress
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperOption

from programhub.core import versions
from programhub.core.catalogs import service as catalogs
from programhub.core.errors import DomainError
from programhub.core.identities import service as identities
from programhub.core.keys import service as keys
from programhub.core.orgs import service as orgs
from programhub.core.renderings import service as renderings
from programhub.core.tenancy import Mode, Tenant
from programhub.settings import Settings
from programhub.store import Store, open_settings_store
from programhub.store.migrate import is_current, upgrade

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="programhub: education programs behind the Record, Canvas Catalog, Sunbird and WebAdMIT APIs.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
orgs_app = typer.Typer(no_args_is_help=True, help="Organisations (tenants).")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
identities_app = typer.Typer(no_args_is_help=True, help="WebAdMIT user identities and the programs they see.")
applicants_app = typer.Typer(no_args_is_help=True, help="WebAdMIT applicants and their designations to programs.")
app.add_typer(db_app, name="db")
app.add_typer(orgs_app, name="orgs")
app.add_typer(keys_app, name="keys")
app.add_typer(identities_app, name="identities")
enroll_app = typer.Typer(no_args_is_help=True, help="Learners: enrollments in bulk.")
app.add_typer(enroll_app, name="enroll")
app.add_typer(applicants_app, name="applicants")

# Piped into a file or another program, a table keeps ids and timestamps on one line (rich
# would wrap them at 80 columns).
console = Console(width=None if sys.stdout.isatty() else 200)


def _flags_take_no_value(self: TyperOption, ctx: Any) -> str | None:
    """typer shows `<bool>` after a flag in help, as if it took a value; flags take none."""
    return None if self.is_flag else _type_in_help(self, ctx)


_type_in_help = TyperOption.display_type_rich
TyperOption.display_type_rich = _flags_take_no_value  # type: ignore[method-assign]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]


class CliError(Exception):
    """A failure to report in one line."""


def emit_json(value: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(value, default=str).decode() + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    view = Table(title=title)
    for column in columns:
        # Ids stay whole on one line, so they can be copied into the next command.
        view.add_column(column, overflow="fold", no_wrap=column.lower() in ("id", "org", "key", "prefix"))
    for row in rows:
        view.add_row(*(_cell(value) for value in row))
    console.print(view)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"
    return str(value)


def open_configured_store() -> Store:
    return open_settings_store(Settings.from_env())


@contextmanager
def transaction(*, write: bool) -> Iterator[Connection]:
    """A transaction on the configured database, whose schema must be current."""
    store = open_configured_store()
    try:
        if not is_current(store):
            raise CliError("the database schema is not up to date; run `programhub db upgrade` first")
        with store.write() if write else store.read() as conn:
            yield conn
    finally:
        store.dispose()


# --- serve and db -----------------------------------------------------------------------


def bring_up_to_date(store: Store) -> int:
    """Migrate, then render every row the current renderers have not (render on write keeps
    them current from then on); returns how many were rendered."""
    import programhub.dialects  # noqa: F401 - the dialects register their renderers

    upgrade(store)
    with rich.progress.Progress(
        rich.progress.TextColumn("rendering"),
        rich.progress.BarColumn(),
        rich.progress.MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("rendering", total=None)
        return renderings.backfill(store, lambda count: bar.advance(task, count))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes (they share the database).")] = 1,
) -> None:
    """Apply migrations, then serve the four APIs, with every connection bounded
    (web/server.py: head size, header and keep-alive timeouts, connection cap)."""
    import uvicorn

    from programhub.logs import logging_config
    from programhub.web.server import BoundedHttpProtocol, process_bounds

    os.environ.setdefault("PROGRAMHUB_FREEZE_GC", "1")  # one long-lived app per process (app.py)
    os.environ.setdefault("PROGRAMHUB_MALLOC_ARENAS", "1")  # memory.py
    settings = Settings.from_env()
    process_bounds()  # raises the descriptor limit to fit the connection cap, before any worker starts
    store = open_configured_store()
    try:
        bring_up_to_date(store)
    finally:
        store.dispose()
    uvicorn.run(
        "programhub.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=BoundedHttpProtocol,
        timeout_keep_alive=settings.keep_alive_timeout,
        access_log=False,
        log_config=logging_config(),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration, and render what the renderers have not yet."""
    store = open_configured_store()
    try:
        rendered = bring_up_to_date(store)
    finally:
        store.dispose()
    console.print("database schema is up to date" + (f"; {rendered:,} renderings written" if rendered else ""))


# --- organisations ----------------------------------------------------------------------


def _org_json(org: orgs.Organisation) -> dict[str, Any]:
    return {"id": org.public_id, "name": org.name, "state": org.state, "created_at": org.created_at.isoformat()}


@orgs_app.command("create")
def orgs_create(name: str, as_json: JsonFlag = False) -> None:
    """Create an organisation (with a default catalog in each mode)."""
    with transaction(write=True) as conn:
        org = orgs.create(conn, name)
    if as_json:
        emit_json({"id": org.public_id, "name": org.name})
    else:
        console.print(f"created organisation [bold]{org.public_id}[/bold] ({org.name})")


@orgs_app.command("list")
def orgs_list(as_json: JsonFlag = False) -> None:
    """List organisations."""
    with transaction(write=False) as conn:
        found = orgs.list_all(conn)
    if as_json:
        emit_json({"organisations": [_org_json(org) for org in found]})
    else:
        table(
            "Organisations",
            ("id", "name", "state", "created"),
            [(o.public_id, o.name, o.state, o.created_at) for o in found],
        )


def _set_org_state(org_id: str, state: str, as_json: bool) -> None:
    with transaction(write=True) as conn:
        org = orgs.set_state(conn, org_id, state)
    if as_json:
        emit_json(_org_json(org))
    else:
        console.print(f"organisation {org.public_id} is {org.state}")


@orgs_app.command("suspend")
def orgs_suspend(org_id: str, as_json: JsonFlag = False) -> None:
    """Suspend an organisation: its keys get 403 until it is activated again."""
    _set_org_state(org_id, "suspended", as_json)


@orgs_app.command("activate")
def orgs_activate(org_id: str, as_json: JsonFlag = False) -> None:
    """Activate a suspended organisation."""
    _set_org_state(org_id, "active", as_json)


# --- keys -------------------------------------------------------------------------------


def _key_json(key: keys.ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "org": key.org,
        "mode": key.mode.value,
        "prefix": key.prefix,
        "label": key.label,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
    }


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str, typer.Option("--mode", help="test or live.")],
    label: Annotated[str | None, typer.Option("--label", help="A note to recognise the key by.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a key. The secret is printed once and never stored."""
    with transaction(write=True) as conn:
        issued = keys.create(conn, org, keys.parse_mode(mode), label)
    if as_json:
        emit_json({"id": issued.key.id, "key": issued.secret, "mode": issued.key.mode.value, "org": issued.key.org})
    else:
        console.print(f"created key [bold]{issued.key.id}[/bold] ({issued.key.mode.value}) for {issued.key.org}")
        console.print("secret (shown once, store it now):")
        sys.stdout.write(issued.secret + "\n")


@keys_app.command("list")
def keys_list(
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    as_json: JsonFlag = False,
) -> None:
    """List an organisation's keys (never their secrets)."""
    with transaction(write=False) as conn:
        found = keys.list_for_org(conn, org)
    if as_json:
        emit_json({"keys": [_key_json(key) for key in found]})
    else:
        table(
            f"Keys of {org}",
            ("id", "mode", "prefix", "label", "created", "revoked", "last used"),
            [(k.id, k.mode.value, k.prefix + "…", k.label, k.created_at, k.revoked_at, k.last_used_at) for k in found],
        )


@keys_app.command("revoke")
def keys_revoke(key_id: str, as_json: JsonFlag = False) -> None:
    """Revoke a key: it gets 401 from then on."""
    with transaction(write=True) as conn:
        key = keys.revoke(conn, key_id)
    if as_json:
        emit_json(_key_json(key))
    else:
        console.print(f"key {key.id} revoked")


def _signing_key_json(did: str, key: Any) -> dict[str, Any]:
    from programhub.core.credentials.issuers import verification_method

    return {
        "verification_method": verification_method(did, key.multibase),
        "fingerprint": key.fingerprint,
        "created_at": key.created_at.isoformat(),
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
    }


def _signing_keys(org: str, mode: str, *, rotate: bool) -> tuple[str, list[Any]]:
    """The tenant's DID and its credential signing keys (public halves only), current
    first, after making a new current key when `rotate`."""
    from programhub.core.credentials import issuers
    from programhub.core.credentials import keys as signing_keys
    from programhub.web.deps import signing_of

    settings = Settings.from_env()
    with transaction(write=rotate) as conn:
        tenant = identities.tenant_of(conn, org, keys.parse_mode(mode))
        if rotate:
            signing_keys.rotate(conn, tenant, signing_of(settings).vault)
        found = signing_keys.public_keys(conn, tenant)
    return issuers.did_web(settings.public_url, tenant.org_public_id, tenant.mode), found


@keys_app.command("rotate-signing")
def keys_rotate_signing(
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str, typer.Option("--mode", help="test or live.")],
    as_json: JsonFlag = False,
) -> None:
    """Make a new credential signing key; the old one stops signing but stays in the DID
    document, so credentials it signed keep verifying. Private keys are never shown."""
    did, found = _signing_keys(org, mode, rotate=True)
    if as_json:
        emit_json({"did": did, "keys": [_signing_key_json(did, key) for key in found]})
    else:
        console.print(f"new signing key {found[0].fingerprint} for {did}; {len(found) - 1} retired key(s) kept")


@keys_app.command("signing")
def keys_signing(
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str, typer.Option("--mode", help="test or live.")],
    as_json: JsonFlag = False,
) -> None:
    """List an organisation's credential signing keys in one mode (public halves only)."""
    did, found = _signing_keys(org, mode, rotate=False)
    if as_json:
        emit_json({"did": did, "keys": [_signing_key_json(did, key) for key in found]})
    else:
        table(
            f"Signing keys of {did}",
            ("fingerprint", "created", "retired"),
            [(key.fingerprint, key.created_at, key.retired_at) for key in found],
        )


# --- identities -------------------------------------------------------------------------


def _program_ids(raw: str | None) -> list[int] | None:
    """`--programs 12,15` -> [12, 15]; an empty value limits the identity to no program."""
    if raw is None:
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise CliError(f"--programs must be program ids separated by commas, not {raw!r}")
    return [int(part) for part in parts]


def _identity_json(identity: identities.Identity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "mode": identity.mode.value,
        "type": identity.type,
        "association": identity.association,
        "institution": identity.institution,
        "organization": identity.organization,
        "cycle": identity.cycle,
        "limited": identity.limited,
        "programs": list(identity.program_ids),
    }


@identities_app.command("create")
def identities_create(
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str, typer.Option("--mode", help="test or live.")],
    identity_type: Annotated[
        str, typer.Option("--type", help="Admissions User, Association User or Institution User.")
    ],
    cycle: Annotated[str, typer.Option("--cycle", help="Admissions cycle, e.g. '2025 - 2026'.")],
    association: Annotated[str | None, typer.Option("--association", help="Association name, e.g. SOPHAS.")] = None,
    institution: Annotated[
        str | None,
        typer.Option(
            "--institution",
            help="Institution name shown by WebAdMIT (default: the organisation's name, but none for an Association User).",
        ),
    ] = None,
    organization: Annotated[
        str | None,
        typer.Option("--organization", help="Organization name shown by WebAdMIT (default: the organisation's name)."),
    ] = None,
    programs: Annotated[
        str | None,
        typer.Option(
            "--programs", help="Limit the identity to these program ids (comma-separated); default: all programs."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a user identity of an organisation in one mode."""
    program_ids = _program_ids(programs)
    with transaction(write=True) as conn:
        tenant = identities.tenant_of(conn, org, keys.parse_mode(mode))
        identity_id = identities.create(
            conn,
            tenant,
            type=identity_type,
            cycle=cycle,
            association=association,
            institution=institution,
            organization=organization,
            program_ids=program_ids,
        )
    if as_json:
        emit_json({"id": identity_id})
    else:
        scope = "all programs" if program_ids is None else f"{len(set(program_ids))} program(s)"
        console.print(f"created user identity [bold]{identity_id}[/bold] ({mode}, {scope}) for {org}")


@identities_app.command("list")
def identities_list(
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str | None, typer.Option("--mode", help="Only this mode (test or live).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List an organisation's user identities and the programs of the limited ones."""
    with transaction(write=False) as conn:
        found = identities.list_for_org(conn, org, None if mode is None else keys.parse_mode(mode))
    if as_json:
        emit_json({"identities": [_identity_json(identity) for identity in found]})
    else:
        table(
            f"User identities of {org}",
            ("id", "mode", "type", "association", "institution", "organization", "cycle", "programs"),
            [
                (
                    i.id,
                    i.mode.value,
                    i.type,
                    i.association,
                    i.institution,
                    i.organization,
                    i.cycle,
                    ", ".join(map(str, i.program_ids)) if i.limited else "all",
                )
                for i in found
            ],
        )


@identities_app.command("delete")
def identities_delete(identity_id: int, as_json: JsonFlag = False) -> None:
    """Delete a user identity (its programs stay)."""
    with transaction(write=True) as conn:
        identity = identities.delete(conn, identity_id)
    if as_json:
        emit_json({"id": identity.id, "deleted": True})
    else:
        console.print(f"user identity {identity.id} deleted")


# --- applicants -------------------------------------------------------------------------

IMPORT_COLUMNS = ("cas_id", "email", "first_name", "last_name", "program_id")
IMPORT_CHUNK = 1000


def _read_applicants(path: str) -> list[Any]:
    """Every row of the CSV as an applicant to import, checked before anything is written;
    the first bad row stops the import naming its line."""
    import csv

    from programhub.core.admissions import service as admissions

    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in IMPORT_COLUMNS if column not in (reader.fieldnames or ())]
        if missing:
            raise CliError(f"{path}: the header must name {', '.join(IMPORT_COLUMNS)}; missing {', '.join(missing)}")
        rows = []
        for row in reader:
            line = reader.line_num
            program = (row.get("program_id") or "").strip()
            if not (program.isascii() and program.isdigit()):
                raise CliError(f"line {line}: program_id must be a program id, not {program!r}")
            try:
                rows.append(
                    admissions.new_applicant(
                        cas_id=(row.get("cas_id") or "").strip(),
                        email=row.get("email"),
                        first_name=row.get("first_name"),
                        last_name=row.get("last_name"),
                        program_ids=[int(program)],
                    )
                )
            except DomainError as exc:
                raise CliError(f"line {line}: {exc}") from None
    return rows


@applicants_app.command("import")
def applicants_import(
    file: Annotated[str, typer.Argument(help="CSV with the columns cas_id,email,first_name,last_name,program_id.")],
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str, typer.Option("--mode", help="test or live.")],
    cycle: Annotated[str, typer.Option("--cycle", help="Admissions cycle, e.g. '2025 - 2026'.")],
    as_json: JsonFlag = False,
) -> None:
    """Import applicants of a cycle, one row per designation (a CAS ID on several rows
    applies to several programs). An applicant already there is updated and gains the
    designations it lacks, so importing a file again changes nothing."""
    from programhub.core.admissions import service as admissions

    if not identities.CYCLE_PATTERN.fullmatch(cycle):
        raise CliError("--cycle must look like '2025 - 2026'")
    rows = _read_applicants(file)
    created = designated = 0
    store = open_configured_store()
    try:
        if not is_current(store):
            raise CliError("the database schema is not up to date; run `programhub db upgrade` first")
        with store.read() as conn:
            tenant = identities.tenant_of(conn, org, keys.parse_mode(mode))
        with rich.progress.Progress(
            rich.progress.TextColumn("importing"),
            rich.progress.BarColumn(),
            rich.progress.MofNCompleteColumn(),
            rich.progress.TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("importing", total=len(rows))
            for start in range(0, len(rows), IMPORT_CHUNK):
                chunk = rows[start : start + IMPORT_CHUNK]
                with versions.writing(store, tenant) as conn:
                    made = admissions.import_applicants(conn, tenant, cycle, chunk)
                created, designated = created + made[0], designated + made[1]
                bar.advance(task, len(chunk))
    finally:
        store.dispose()
    if as_json:
        emit_json({"rows": len(rows), "applicants": created, "designations": designated})
    else:
        console.print(f"imported {len(rows)} row(s): {created} new applicant(s), {designated} new designation(s)")


# --- demo -------------------------------------------------------------------------------


@app.command()
def demo(as_json: JsonFlag = False) -> None:
    """Create the demo organisation (once) with the seeds' programs, and print a test key."""
    from programhub.demo import ensure_demo
    from programhub.web.deps import signing_of

    settings = Settings.from_env()
    store = open_settings_store(settings)
    try:
        bring_up_to_date(store)
        with store.write() as conn:
            result = ensure_demo(conn, signing_of(settings))
            issued = keys.create(conn, result.org.public_id, Mode.TEST, "demo")
            catalog_id = catalogs.default_id(conn, Tenant(result.org.id, Mode.TEST, result.org.public_id, ""))
    finally:
        store.dispose()
    catalog_url, console_url = f"{settings.public_url}/catalogs/{catalog_id}", f"{settings.public_url}/console"
    if as_json:
        emit_json(
            {
                "org": result.org.public_id,
                "created": result.created,
                "key": issued.secret,
                "mode": "test",
                "catalog": catalog_url,
                "console": console_url,
            }
        )
        return
    verb = "created" if result.created else "reusing"
    console.print(f"{verb} demo organisation [bold]{result.org.public_id}[/bold] ({result.org.name})")
    # Written whole (rich wraps long lines when piped): URLs must stay copyable.
    sys.stdout.write(f"public catalog (test mode: serve with PROGRAMHUB_CATALOG_PREVIEW_TEST=1): {catalog_url}\n")
    sys.stdout.write(f"operator console (sign in with the key): {console_url}\n")
    console.print("test key (shown once):")
    sys.stdout.write(issued.secret + "\n")


# --- enroll ------------------------------------------------------------------------------


@enroll_app.command("import")
def enroll_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV file (header: listing_id, user_id or email_address, first_name, last_name) or a JSON list of such rows.",
            exists=True,
            dir_okay=False,
        ),
    ],
    org: Annotated[str, typer.Option("--org", help="Organisation id (org_...).")],
    mode: Annotated[str, typer.Option("--mode", help="test or live.")],
    catalog: Annotated[
        int | None, typer.Option("--catalog", help="Catalog id (default: the organisation's default catalog).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Enroll the rows of a file, as POST /bulk_enrollments does, with a progress bar;
    prints what was enrolled, waitlisted and refused (each refusal with its row)."""
    from programhub.core import versions
    from programhub.core.jobs import service as jobs
    from programhub.core.jobs.runner import JobRunner
    from programhub.core.learners import bulk

    raw = file.read_bytes()
    rows = bulk.csv_rows(raw) if file.suffix.lower() != ".json" else _json_rows(raw)
    store = open_configured_store()
    try:
        if not is_current(store):
            raise CliError("the database schema is not up to date; run `programhub db upgrade` first")
        with store.read() as conn:
            tenant = identities.tenant_of(conn, org, keys.parse_mode(mode))
        with versions.writing(store, tenant) as conn:
            job_id = bulk.start(conn, tenant, rows, catalog_id=catalog)
        runner = JobRunner(store)
        worker = threading.Thread(target=runner.run_pending, daemon=True)
        worker.start()
        with rich.progress.Progress(
            rich.progress.TextColumn("enrolling"),
            rich.progress.BarColumn(),
            rich.progress.MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("enrolling", total=len(rows))
            while True:
                with store.read() as conn:
                    job = jobs.get(conn, tenant, job_id)
                bar.update(task, completed=job.done)
                if job.finished or not worker.is_alive():
                    break
                worker.join(0.2)
        with store.read() as conn:
            job = jobs.get(conn, tenant, job_id)
    finally:
        store.dispose()
    result = dict(job.result or {})
    if job.state != jobs.SUCCEEDED:
        raise CliError(f"bulk enrollment {job_id} {job.state}: {result.get('error', 'it did not finish')}")
    if as_json:
        emit_json({"id": job_id, **result})
        return
    console.print(
        f"bulk enrollment [bold]{job_id}[/bold]: {result['enrolled']} enrolled, {result['waitlisted']} waitlisted, "
        f"{result['failed']} refused"
    )
    for error in result["errors"][:20]:
        console.print(f"  row {error['row']}: {error['message']}")


def _json_rows(raw: bytes) -> Any:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CliError(f"the file is not valid JSON: {exc}") from None
    return parsed.get("rows") if isinstance(parsed, dict) else parsed


# --- entry point ------------------------------------------------------------------------


def fail(message: str, status: int = 1) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(status)


def _is_usage_error(exc: Exception) -> bool:
    """Click's usage errors (typer may vendor its own click, so match the public shape)."""
    return callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        result = typer.main.get_command(app).main(args=argv, prog_name="programhub", standalone_mode=False)
    except typer.Abort:
        fail("aborted")
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (CliError, DomainError) as exc:
        fail(str(exc))
    except ValueError as exc:  # settings from the environment
        fail(str(exc))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(f"database error: {reason}")
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}")
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        if _is_usage_error(exc):
            message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
            if not message:  # e.g. no arguments: the help was printed already
                raise SystemExit(exc.exit_code) from None  # type: ignore[attr-defined]
            fail(message, exc.exit_code or 2)  # type: ignore[attr-defined]
        fail(f"unexpected {type(exc).__name__}: {exc}")
    raise SystemExit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
