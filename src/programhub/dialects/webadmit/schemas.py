"""WebAdMIT's wire shapes: the dicts the routes answer with, and the models that describe
them (and the errors) in the OpenAPI document. Responses are built as plain dicts; the
models are never used to validate at run time."""

from __future__ import annotations

import functools
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects.postgresql import aggregate_order_by

from programhub.core.identities import service as identities
from programhub.core.identities.service import Identity
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant
from programhub.store import sqljson as sj

IdentityType = Literal["Admissions User", "Association User", "Institution User"]


def identity_json(identity: Identity, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": identity.id,
        "type": identity.type,
        "association": identity.association,
        "institution": identity.institution,
        "organization": identity.organization_name(tenant),
        "cycle": identity.cycle,
    }


@functools.cache
def programs_json(limited: bool, engine: str) -> sa.Select[tuple[str]]:
    """One row, one column: the JSON array of an identity's programs, by id, built by the
    database from a subquery of plain columns (a list of a thousand programs never becomes
    Python objects, and each object is built once, where it is aggregated). Built once per
    kind of identity and engine; bound with `identities.parameters(...)` and
    `organization_name`."""
    ordered = identities.visible_programs(limited, listings.c.id, listings.c.name)
    if engine != "postgresql":  # SQLite aggregates an ordered subquery in its order
        ordered = ordered.order_by(listings.c.id)
    rows = ordered.subquery("programs")
    organization_name = sa.cast(sa.bindparam("organization_name", type_=sa.Text()), sa.Text())
    program = sj.json_object(("id", rows.c.id), ("name", rows.c.name), ("organization_name", organization_name))
    if engine == "postgresql":
        array = sa.func.json_agg(aggregate_order_by(program, rows.c.id))
        return sa.select(sa.cast(sa.func.coalesce(array, sa.literal_column("'[]'::json")), sa.Text()))
    return sa.select(sa.func.coalesce(sa.func.json_group_array(program), "[]"))


def organization_json(identity: Identity, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.org_id,
        "name": identity.organization_name(tenant),
        "cycle_name": identity.cycle,
        "association_name": identity.association,
        "cas3": True,
        "config_portal_identifier": str(tenant.org_id),
    }


# --- OpenAPI descriptions -----------------------------------------------------------------


class WebAdmitUserIdentity(BaseModel):
    id: int = Field(description="Unique identifier for this user identity.", examples=[42])
    type: IdentityType = Field(description="Type of access granted by this user identity.")
    association: str | None = Field(description="The association this identity belongs to, or null.")
    institution: str | None = Field(description="The institution this identity belongs to, or null.")
    organization: str | None = Field(description="The organization this identity acts for.")
    cycle: str | None = Field(description="Academic cycle this identity can access.", examples=["2025 - 2026"])


class WebAdmitUserIdentityList(BaseModel):
    href: Literal["/api/v1/user_identities"]
    user_identities: list[WebAdmitUserIdentity]


class WebAdmitProgram(BaseModel):
    id: int = Field(description="Unique identifier of this program (the Canvas Catalog id too).")
    name: str = Field(description="Human-readable name of this program.", examples=["Potions"])
    organization_name: str | None = Field(description="Name of the organization whose program this is.")


class WebAdmitProgramList(BaseModel):
    href: str = Field(
        pattern=r"^/api/v1/user_identities/\d+/programs$", examples=["/api/v1/user_identities/1/programs"]
    )
    programs: list[WebAdmitProgram]


class WebAdmitOrganization(BaseModel):
    id: int = Field(description="Unique identifier of this organization.")
    name: str = Field(description="Human-readable name of this organization.")
    cycle_name: str | None = Field(description="Academic cycle of this organization.")
    association_name: str | None = Field(description="The association this organization belongs to, or null.")
    cas3: bool = Field(description="Always true: programhub speaks the CAS3 API.")
    config_portal_identifier: str = Field(description="The organization id, as text.")


class WebAdmitOrganizationList(BaseModel):
    href: str = Field(
        pattern=r"^/api/v1/user_identities/\d+/organizations$", examples=["/api/v1/user_identities/1/organizations"]
    )
    organizations: list[WebAdmitOrganization]


class WebAdmitSchemaMessages(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: list[str] = Field(alias="schema", min_length=1)


class WebAdmitSchemaErrors(BaseModel):
    """`{"errors": {"schema": ["User identity '999' not found."]}}`"""

    errors: WebAdmitSchemaMessages


class WebAdmitLegacyMessage(BaseModel):
    """`{"message": "Not Found"}`"""

    message: str


def _header(description: str) -> dict[str, Any]:
    return {"schema": {"type": "integer", "minimum": 0}, "description": description}


def _rate_limit_headers(*, refused: bool = False) -> dict[str, Any]:
    headers = {
        "X-RateLimit-Limit": _header("Calls allowed per key per hour."),
        "X-RateLimit-Remaining": _header("Calls left to this key in the current hour."),
    }
    if refused:
        headers["Retry-After"] = _header("Seconds until the hour turns and calls are allowed again.")
    return headers


def responses(success: type[BaseModel], *, with_id: bool) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a WebAdMIT route (fresh dicts: FastAPI edits them)."""
    documented: dict[int | str, dict[str, Any]] = {
        200: {"model": success, "description": "OK", "headers": _rate_limit_headers()},
        401: {"description": "Missing, unknown or revoked API key (empty body)."},
        403: {"description": "The key's organisation is suspended (empty body)."},
        429: {
            "model": WebAdmitSchemaErrors,
            "description": "Past the hourly rate limit of the key.",
            "headers": _rate_limit_headers(refused=True),
        },
        503: {"model": WebAdmitLegacyMessage, "description": "The database is unavailable."},
    }
    if with_id:
        documented[404] = {
            "model": WebAdmitSchemaErrors,
            "description": "No such user identity for this key.",
            "headers": _rate_limit_headers(),
        }
        documented[422] = {
            "model": WebAdmitSchemaErrors,
            "description": "The user identity id is not an integer.",
            "headers": _rate_limit_headers(),
        }
    return documented
