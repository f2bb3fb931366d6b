"""The demo organisation: the programs shown in the four seed documents, in test mode.

Created once; running it again finds the organisation by name and leaves its data alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from programhub.core.credentials.issuers import Signing
from programhub.core.orgs import service as orgs
from programhub.core.orgs.service import Organisation
from programhub.core.tenancy import Mode, Tenant
from programhub.demo import catalog, record, sunbird, webadmit

DEMO_ORG_NAME = "Demo University"


@dataclass(frozen=True, slots=True)
class DemoResult:
    org: Organisation
    created: bool


def ensure_demo(conn: Connection, signing: Signing) -> DemoResult:
    """The demo organisation, made now if absent (its credentials signed with `signing`)."""
    existing = orgs.find_by_name(conn, DEMO_ORG_NAME)
    if existing is not None:
        return DemoResult(existing, created=False)
    org = orgs.create(conn, DEMO_ORG_NAME)
    tenant = Tenant(org.id, Mode.TEST, org.public_id, org.name)
    catalog.seed(conn, tenant)
    record.seed(conn, tenant, signing)
    sunbird.seed(conn, tenant)
    webadmit.seed(conn, tenant)
    return DemoResult(org, created=True)
