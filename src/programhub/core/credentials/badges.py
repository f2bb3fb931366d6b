"""Open Badges 3.0 credentials: each recipient's `OpenBadgeCredential` (W3C Verifiable
Credentials 2.0), whose achievement is the program, signed by the tenant's issuer.

The recipient is named by two OB 3.0 identity objects: the name in the clear (what a
wallet shows) and the email as a salted SHA-256 hash (lower-cased address + salt), which
lets whoever knows the address check it without the credential disclosing it.

`BatchSigner` signs the credentials of one batch: one RDF template per document shape
(with or without `validUntil`), one canonicalization of the proof options, then per
recipient only its values, pyld's canonicalization of the filled dataset, and Ed25519.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from programhub.core.credentials import proofs
from programhub.core.credentials.issuers import Issuer
from programhub.core.credentials.linked_data import OB_V3, VC_V2, DatasetTemplate, signable_text, xml_datetime
from programhub.core.credentials.status_lists import PURPOSE, Entry
from programhub.core.tenancy import Mode

CONTEXT = [VC_V2, OB_V3]
TEST_NOTE = "A test credential, issued in test mode while trying out the API: not a real award."


@dataclass(frozen=True, slots=True)
class Achievement:
    """The program as an OB 3.0 Achievement."""

    id: str
    name: str
    description: str
    criteria: str
    credits: float | None


@dataclass(frozen=True, slots=True)
class Award:
    """One recipient's values."""

    credential_id: str
    name: str
    email: str
    status: Entry
    expires_at: datetime | None


# Per-recipient values of a document, as placeholders in the batch's template: IRIs where
# the value is an IRI, plain strings where it is a literal.
_CREDENTIAL_ID = "urn:programhub:placeholder:credential"
_STATUS_ID = "urn:programhub:placeholder:status-entry"
_STATUS_LIST = "urn:programhub:placeholder:status-list"
_STATUS_INDEX = "programhub:placeholder:status-index"
_NAME = "programhub:placeholder:name"
_EMAIL_HASH = "programhub:placeholder:email-hash"
_SALT = "programhub:placeholder:salt"
_VALID_UNTIL = "programhub:placeholder:valid-until"


def _number(value: float) -> int | float:
    """JSON's number as every JSON-LD processor reads it: 9.0 is written 9, so that pyld
    and a JavaScript verifier (where 9.0 is 9) give it the same RDF literal."""
    return int(value) if float(value).is_integer() else value


def document(
    issuer: Issuer,
    achievement: Achievement,
    valid_from: str,
    *,
    credential_id: str,
    name: str,
    email_hash: str,
    salt: str,
    status_id: str,
    status_list: str,
    status_index: str,
    valid_until: str | None,
) -> dict[str, Any]:
    """The unsigned credential (text values already `signable_text`)."""
    program: dict[str, Any] = {
        "id": achievement.id,
        "type": ["Achievement"],
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria},
    }
    if achievement.credits is not None:
        program["creditsAvailable"] = _number(achievement.credits)
    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.name,
    }
    if issuer.mode is Mode.TEST:
        credential["description"] = TEST_NOTE
    credential |= {
        "issuer": {"id": issuer.did, "type": ["Profile"], "name": signable_text(issuer.name)},
        "validFrom": valid_from,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential |= {
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityHash": name, "identityType": "name", "hashed": False},
                {
                    "type": "IdentityObject",
                    "identityHash": email_hash,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                },
            ],
            "achievement": program,
        },
        "credentialStatus": {
            "id": status_id,
            "type": "BitstringStatusListEntry",
            "statusPurpose": PURPOSE,
            "statusListIndex": status_index,
            "statusListCredential": status_list,
        },
    }
    return credential


def email_hash(email: str, salt: str) -> str:
    """OB 3.0's IdentityHash of an email: `sha256$` + hex of SHA-256(address + salt)."""
    return "sha256$" + hashlib.sha256((email.lower() + salt).encode("utf-8")).hexdigest()


class BatchSigner:
    """Signs the credentials of one batch: one issuer, achievement, issue time and key."""

    def __init__(self, issuer: Issuer, achievement: Achievement, issued_at: datetime, signed_at: datetime) -> None:
        self.issuer = issuer
        self.achievement = achievement
        self.valid_from = xml_datetime(issued_at)
        self._prover = proofs.Prover.for_context(
            issuer.key, CONTEXT, proofs.options(issuer.verification_method, xml_datetime(signed_at))
        )
        self._templates: dict[bool, DatasetTemplate] = {}

    def _template(self, expires: bool) -> DatasetTemplate:
        template = self._templates.get(expires)
        if template is None:
            placeholders = [_CREDENTIAL_ID, _NAME, _EMAIL_HASH, _SALT, _STATUS_ID, _STATUS_LIST, _STATUS_INDEX]
            unsigned = self._document(
                credential_id=_CREDENTIAL_ID,
                name=_NAME,
                email_hash=_EMAIL_HASH,
                salt=_SALT,
                status_id=_STATUS_ID,
                status_list=_STATUS_LIST,
                status_index=_STATUS_INDEX,
                valid_until=_VALID_UNTIL if expires else None,
            )
            template = DatasetTemplate(unsigned, [*placeholders, *([_VALID_UNTIL] if expires else [])])
            self._templates[expires] = template
        return template

    def _document(self, **values: Any) -> dict[str, Any]:
        return document(self.issuer, self.achievement, self.valid_from, **values)

    def sign(self, award: Award) -> str:
        """The signed credential as JSON text (stored and served as it is)."""
        salt = os.urandom(16).hex()
        values = {
            _CREDENTIAL_ID: award.credential_id,
            _NAME: signable_text(award.name),
            _EMAIL_HASH: email_hash(award.email, salt),
            _SALT: salt,
            _STATUS_ID: f"{award.status.list_url}#{award.status.index}",
            _STATUS_LIST: award.status.list_url,
            _STATUS_INDEX: str(award.status.index),
        }
        if award.expires_at is not None:
            values[_VALID_UNTIL] = xml_datetime(award.expires_at)
        unsigned = self._document(
            credential_id=values[_CREDENTIAL_ID],
            name=values[_NAME],
            email_hash=values[_EMAIL_HASH],
            salt=salt,
            status_id=values[_STATUS_ID],
            status_list=values[_STATUS_LIST],
            status_index=values[_STATUS_INDEX],
            valid_until=values.get(_VALID_UNTIL),
        )
        proof = self._prover.proof(self._template(award.expires_at is not None).canonical(values))
        return orjson.dumps({**unsigned, "proof": proof}).decode("utf-8")

    def sign_all(self, awards: Sequence[Award]) -> list[str]:
        return [self.sign(award) for award in awards]
