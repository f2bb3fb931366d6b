"""WebAdMIT's routes: user identities, and the programs and organizations each one sees,
one module per resource. Every call is counted against the key's hourly rate limit."""

from programhub.dialects.webadmit.routes import (
    applicants,
    batches,
    custom_fields,
    decisions,
    exports,
    identities,
    organizations,
    programs,
)
from programhub.web.dialect import joined

router = joined(
    identities.router,
    programs.router,
    organizations.router,
    applicants.router,
    decisions.router,
    custom_fields.router,
    exports.router,
    exports.files_router,
    batches.router,
)
