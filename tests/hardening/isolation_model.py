"""What the isolation property test knows: who owns every marker and id it created, what
each tenant should see, and the check that a response shows its viewer nothing else.

Every object the test creates carries a marker token, `Qt<tenant>n<serial>Z`, in its
name, description or labels; organisations are named `Organisation Qo<org>Z`. Public ids
(`prog_…`, `batch_…`, `rec_…`, `org_…`), uuids and tokens are found in a response body by
one regular expression and looked up here: each must belong to the viewer's tenant (or,
for organisation-level names and ids, to the viewer's organisation). Integer ids cannot be
found by substring, so each dialect's answer is walked where its ids sit.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from programhub.core.catalogs.models import catalogs
from programhub.core.listings.models import listings
from programhub.core.tenancy import Mode, Tenant
from programhub.store import Store
from tests.support import TenantKey, make_org, make_tenant_key

Owner = tuple[int, str]  # (organisation id, mode): one tenant

# Tokens, public ids and uuids: everything a response can show that names an owner.
# Tokens are upper-case at both ends; generated ids are lower-case, except a credential
# link's random base62 part, which is matched whole first so a token's shape inside it is
# never mistaken for a token.
FINDABLE = re.compile(
    r"\brec_\d{13}_[0-9A-Za-z]{22}\b"  # first: its random part may hold a token's shape
    r"|Q[ot]\d+(?:n\d+)?Z"
    r"|\b(?:prog|course|batch|rec|org)_\d{13}_[0-9a-z]{6}\b"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
)
TOKEN_START = "Q"

# Look-alike values every tenant uses: filters on them must still see only the caller's rows.
SHARED_WORD = "Shared Name"
NOMINEE_ORGS = ("O-1", "O-2")
NOMINEE_USERS = ("u-1", "u-2")
IDEMPOTENCY_KEYS = ("retry-1", "retry-2")
MAX_REQUIREMENT_DEPTH = 4  # well inside the core's limit, so no create is refused for depth


def owner_of(tenant: Tenant) -> Owner:
    return (tenant.org_id, tenant.mode.value)


@dataclass
class Program:
    id: int
    public_id: str
    uuid: str
    name: str
    description: str | None
    token: str
    path: str
    face: str  # the dialect that created it: record, catalog or sunbird
    tags: list[str] = field(default_factory=list)
    requirements: list[int] = field(default_factory=list)


@dataclass
class Course:
    id: int
    public_id: str
    name: str
    description: str | None
    token: str
    path: str
    tags: list[str] = field(default_factory=list)


@dataclass
class Batch:
    public_id: str
    program_public_id: str
    recipients: list[str]


@dataclass
class Nomination:
    id: int
    program_uuid: str
    organisation_id: str
    user_id: str
    status: str


@dataclass
class Identity:
    id: int
    granted: list[int] | None  # None: sees every program of its tenant
    organization: str | None  # its own label, else its organisation's name is shown


@dataclass
class TenantModel:
    """What one tenant created, hence exactly what it should see."""

    key: TenantKey
    number: int
    catalogs: list[int] = field(default_factory=list)  # the default one first
    programs: list[Program] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    nominations: list[Nomination] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    # (scope, Idempotency-Key) -> (the request body, the answer body)
    idempotent: dict[tuple[str, str], tuple[Any, bytes]] = field(default_factory=dict)
    paths: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def owner(self) -> Owner:
        return owner_of(self.key.tenant)

    @property
    def org_id(self) -> int:
        return self.key.tenant.org_id

    def listing_depth(self, listing_id: int) -> int:
        program = next((p for p in self.programs if p.id == listing_id), None)
        if program is None or not program.requirements:
            return 1
        return 1 + max(self.listing_depth(child) for child in program.requirements)

    def program(self, listing_id: int) -> Program:
        return next(p for p in self.programs if p.id == listing_id)


class Registry:
    """Every token and id created during one test (all its examples), with its owner.
    Ownership is read back from the database after each create and checked against the
    tenant whose key created it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tenant_of: dict[str, Owner] = {}  # tokens, public ids, uuids
        self.org_of: dict[str, int] = {}  # organisation tokens and public ids
        self.ints: dict[str, dict[int, Owner]] = {"listing": {}, "catalog": {}, "nomination": {}, "identity": {}}
        self._tenants = itertools.count(1)
        self._orgs = itertools.count(1)
        self._serial = itertools.count(1)

    # --- tenants ---------------------------------------------------------------------

    def new_tenants(self) -> list[TenantModel]:
        """Two fresh organisations, each with a test and a live key: four tenants."""
        models = []
        for _ in range(2):
            org_token = f"Qo{next(self._orgs)}Z"
            org_public_id = make_org(self.store, f"Organisation {org_token}")
            for mode in (Mode.TEST, Mode.LIVE):
                key = make_tenant_key(self.store, org_public_id, mode)
                self.org_of[org_token] = key.tenant.org_id
                self.org_of[org_public_id] = key.tenant.org_id
                model = TenantModel(key, next(self._tenants))
                with self.store.read() as conn:
                    default = conn.execute(
                        sa.select(catalogs.c.id).where(
                            catalogs.c.org_id == key.tenant.org_id, catalogs.c.mode == mode.value, catalogs.c.is_default
                        )
                    ).scalar_one()
                self.ints["catalog"][default] = model.owner
                model.catalogs.append(default)
                models.append(model)
        return models

    def token(self, model: TenantModel) -> str:
        token = f"Qt{model.number}n{next(self._serial)}Z"
        self.tenant_of[token] = model.owner
        return token

    # --- created objects ---------------------------------------------------------------

    def listing(self, model: TenantModel, **where: Any) -> sa.Row[Any]:
        """A listing just created by `model`'s key, found by one of its ids; it must be
        stored in that very tenant. Registers all three of its ids."""
        condition = sa.and_(*(listings.c[name] == value for name, value in where.items()))
        with self.store.read() as conn:
            row = conn.execute(
                sa.select(listings.c.id, listings.c.public_id, listings.c.uuid, listings.c.org_id, listings.c.mode,
                          listings.c.listing_path).where(condition)
            ).one()
        assert (row.org_id, row.mode) == model.owner, f"{where} was stored in tenant {(row.org_id, row.mode)}, not {model.owner}"
        self.ints["listing"][row.id] = model.owner
        self.tenant_of[row.public_id] = model.owner
        self.tenant_of[row.uuid] = model.owner
        return row

    def stored_nowhere(self, token: str) -> bool:
        """True when no listing carries `token` (a refused create left nothing behind)."""
        with self.store.read() as conn:
            found = conn.execute(sa.select(listings.c.id).where(listings.c.name.contains(token, autoescape=True))).first()
        return found is None

    def strings(self, model: TenantModel, values: Iterable[str]) -> None:
        for value in values:
            self.tenant_of[value] = model.owner

    def number(self, kind: str, model: TenantModel, value: int) -> None:
        assert value not in self.ints[kind], f"{kind} {value} handed out twice"
        self.ints[kind][value] = model.owner

    # --- the check ---------------------------------------------------------------------

    def assert_shows_only(self, viewer: Owner, text: str, where: str, echoed: str = "") -> None:
        """No token, public id or uuid of another tenant (or organisation) in `text`, except
        those the request itself sent (`echoed`: a not-found answer may name the id asked for)."""
        org_id = viewer[0]
        sent = set(FINDABLE.findall(echoed))
        for match in FINDABLE.finditer(text):
            found = match.group()
            if found in sent:
                continue
            if found in self.tenant_of:
                assert self.tenant_of[found] == viewer, (
                    f"{where}: shows {found} of tenant {self.tenant_of[found]} to tenant {viewer}"
                )
            elif found in self.org_of:
                assert self.org_of[found] == org_id, (
                    f"{where}: shows {found} of organisation {self.org_of[found]} to organisation {org_id}"
                )
            else:
                # Generated ids nobody registered (Sunbird's resmsgid) are fine; a token is ours.
                assert not found.startswith(TOKEN_START), f"{where}: unknown marker {found}"

    def assert_int(self, kind: str, value: Any, viewer: Owner, where: str) -> None:
        assert isinstance(value, int), f"{where}: {kind} id {value!r} is not an integer"
        owner = self.ints[kind].get(value)
        assert owner == viewer, f"{where}: shows {kind} {value} of tenant {owner} to tenant {viewer}"
