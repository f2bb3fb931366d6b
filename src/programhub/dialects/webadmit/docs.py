"""How WebAdMIT's routes describe their answers in the OpenAPI document (the path ids are
in requests.py). Handlers build dicts and JSON; these models only document the shapes,
and are never used to validate at run time."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IdentityType = Literal["Admissions User", "Association User", "Institution User"]


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


def answers(success: type[BaseModel], *, names_identity: bool) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a WebAdMIT route, `success` its 200's model; a route whose
    path `names_identity` also answers 404 and 422 (fresh dicts: FastAPI edits them)."""
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
    if names_identity:
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
