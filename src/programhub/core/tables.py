"""Every table, imported once so `metadata` is complete (for migrations and tests)."""

from programhub.core.admissions.models import (
    admissions_enrollments,
    applicants,
    custom_field_answers,
    custom_fields,
    decisions,
    designations,
    export_file_parts,
    exports,
    local_statuses,
)
from programhub.core.catalogs.models import catalogs
from programhub.core.certificates.models import certificate_awards, certificates
from programhub.core.credentials.models import (
    credential_batches,
    credential_recipients,
    signed_credentials,
    signing_keys,
    status_lists,
)
from programhub.core.db import metadata
from programhub.core.idempotency.models import idempotency_keys
from programhub.core.identities.models import identities, identity_programs
from programhub.core.jobs.models import jobs
from programhub.core.keys.models import api_keys
from programhub.core.learners.models import enrollments, learners, waitlist_applicants
from programhub.core.listings.models import listing_versions, listings, program_facets, requirements
from programhub.core.nominations.models import nomination_roles, nominations
from programhub.core.orgs.models import organisations
from programhub.core.ratelimit.models import address_rate_limit_windows, rate_limit_windows
from programhub.core.renderings.models import renderings
from programhub.core.versions import tenant_versions, user_nomination_versions

__all__ = [
    "address_rate_limit_windows",
    "admissions_enrollments",
    "api_keys",
    "applicants",
    "catalogs",
    "certificate_awards",
    "certificates",
    "credential_batches",
    "credential_recipients",
    "custom_field_answers",
    "custom_fields",
    "decisions",
    "designations",
    "enrollments",
    "export_file_parts",
    "exports",
    "idempotency_keys",
    "identities",
    "identity_programs",
    "jobs",
    "learners",
    "listing_versions",
    "listings",
    "local_statuses",
    "metadata",
    "nomination_roles",
    "nominations",
    "organisations",
    "program_facets",
    "rate_limit_windows",
    "renderings",
    "requirements",
    "signed_credentials",
    "signing_keys",
    "status_lists",
    "tenant_versions",
    "user_nomination_versions",
    "waitlist_applicants",
]
