"""What Record's requests may send, as pydantic models: they check the request and
describe it in the OpenAPI document. Other fields are ignored, as Record ignores them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, RootModel
from pydantic_core import PydanticCustomError

from programhub.core import validation as check
from programhub.core.credentials import service as credentials
from programhub.core.credentials.service import NewRecipient
from programhub.core.errors import Invalid
from programhub.web.requests import Rule, required, rule, text

# An issue request's required fields, and the documented code and message when one is
# missing (absent, null, blank, or an empty list of recipients).
MISSING: dict[str, tuple[str, str]] = {
    "programId": ("MISSING_PROGRAM_ID", "programId is required."),
    "batchName": ("MISSING_BATCH_NAME", "batchName is required."),
    "recipients": ("MISSING_RECIPIENTS", "recipients is required and must list at least one recipient."),
}


def _string(field: str, value: Any) -> str:
    """Any string (an id that cannot exist, NUL and all, is looked up as not found)."""
    if not isinstance(value, str):
        raise Invalid(field, f"{field} must be a string")
    return value


def _required_text(parse: Any = _string, **schema: Any) -> Rule:
    """A required string: null or blank is missing, as absent is; another type is invalid."""
    return required(parse, blank_is_missing=True, minLength=1, pattern=check.NOT_BLANK_PATTERN, **schema)


def _recipient_list(field: str, value: Any) -> Any:
    """The list itself; its items are checked as `RecipientIn`s."""
    if value == []:
        raise PydanticCustomError("missing", "{field} is required")
    if not isinstance(value, list):
        raise Invalid(field, f"{field} must be an array of {{name, email}} objects")
    if len(value) > credentials.MAX_RECIPIENTS:
        raise Invalid(field, f"{field} must hold at most {credentials.MAX_RECIPIENTS} recipients, not {len(value)}")
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            raise Invalid(f"{field}[{position}]", f"{field}[{position}] must be an object with name and email")
    return value


def _distinct_emails(recipients: list[RecipientIn]) -> list[RecipientIn]:
    credentials.check_distinct_emails([recipient.email for recipient in recipients])
    return recipients


def _moment(field: str, value: Any) -> datetime:
    """An ISO 8601 date and time (a date is its midnight; no offset is UTC)."""
    return check.moment_text(field, value, wanted="must be an ISO 8601 date and time, e.g. 2026-06-30T23:59:59Z")


_EXPIRES_AT = rule(_moment, type="string", format="date-time", examples=["2026-06-30T23:59:59Z"])


class RecipientIn(BaseModel):
    name: Annotated[str, text(blank=False)]
    email: Annotated[str, required(credentials.checked_email, format="email", maxLength=credentials.MAX_EMAIL_LENGTH)]


class IssueRequest(BaseModel):
    """`POST /credentials`. Fields are checked in the order of the documented codes."""

    model_config = ConfigDict(title="RecordIssueRequest")

    programId: Annotated[str, _required_text(examples=["prog_1779175802952_zlymqs"])]
    batchName: Annotated[str, _required_text(check.text, maxLength=check.SHORT_TEXT)]
    recipients: Annotated[
        list[RecipientIn],
        required(_recipient_list, minItems=1, maxItems=credentials.MAX_RECIPIENTS),
        AfterValidator(_distinct_emails),
    ]
    # Extension: when every credential of the batch expires (absent or null: never).
    expiresAt: Annotated[datetime | None, _EXPIRES_AT] = None

    def new_recipients(self) -> list[NewRecipient]:
        return [NewRecipient(recipient.name, recipient.email) for recipient in self.recipients]

    def meaning(self) -> dict[str, Any]:
        """What the request asks for, ignored fields left out (the idempotency fingerprint)."""
        meaning: dict[str, Any] = {
            "programId": self.programId,
            "batchName": self.batchName,
            "recipients": [[r.name, r.email] for r in self.recipients],
        }
        if self.expiresAt is not None:
            meaning["expiresAt"] = self.expiresAt.isoformat()
        return meaning


_REASON = text(nullable=True)


class RevokeRequest(BaseModel):
    """`POST /credentials/recipients/{recipientId}/revoke` (an extension): an optional
    `{revocationReason}`."""

    model_config = ConfigDict(title="RecordRevokeRequest")

    revocationReason: Annotated[str | None, _REASON] = None


class RevocationIn(BaseModel):
    id: Annotated[str, _required_text(examples=["rec_1779175802952_zlymqs"])]
    revocationReason: Annotated[str | None, _REASON] = None


def _revocation_list(field: str, value: Any) -> Any:
    """The list itself; its items are checked as `RevocationIn`s."""
    if not isinstance(value, list) or not value:
        raise Invalid(field, f"{field} must be a non-empty array of {{id, revocationReason}} objects")
    if len(value) > credentials.MAX_RECIPIENTS:
        raise Invalid(field, f"{field} must hold at most {credentials.MAX_RECIPIENTS} items, not {len(value)}")
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            raise Invalid(f"{field}[{position}]", f"{field}[{position}] must be an object with id and revocationReason")
    return value


def _distinct_ids(revocations: list[RevocationIn]) -> list[RevocationIn]:
    first_seen: dict[str, int] = {}
    for position, revocation in enumerate(revocations):
        if revocation.id in first_seen:
            field = f"[{position}].id"
            raise Invalid(field, f"{field} repeats [{first_seen[revocation.id]}].id; name each credential once")
        first_seen[revocation.id] = position
    return revocations


class BulkRevokeRequest(
    RootModel[
        Annotated[
            list[RevocationIn],
            required(_revocation_list, minItems=1, maxItems=credentials.MAX_RECIPIENTS),
            AfterValidator(_distinct_ids),
        ]
    ]
):
    """`POST /credentials/revoke` (an extension), shaped like Canvas Credentials' bulk
    revoke: `[{id, revocationReason}]`."""

    model_config = ConfigDict(title="RecordBulkRevokeRequest")

    def revocations(self) -> list[tuple[str, str | None]]:
        return [(item.id, item.revocationReason) for item in self.root]


class ProgramRequest(BaseModel):
    """`POST /programs` (an extension): `{name, description}`."""

    model_config = ConfigDict(title="RecordProgramRequest")

    name: Annotated[str, text(blank=False)]
    description: Annotated[str | None, text(max_length=check.LONG_TEXT, nullable=True)] = None

    def fields(self) -> dict[str, Any]:
        """The core listing fields it sets."""
        return {"name": self.name, **({"description": self.description} if self.description is not None else {})}
