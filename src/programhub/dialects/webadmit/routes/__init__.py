"""WebAdMIT's routes: user identities, and the programs and organizations each one sees,
one module per resource. Every call is counted against the key's hourly rate limit."""

from fastapi import APIRouter

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

router = APIRouter()
router.include_router(identities.router)
router.include_router(programs.router)
router.include_router(organizations.router)
router.include_router(applicants.router)
router.include_router(decisions.router)
router.include_router(custom_fields.router)
router.include_router(exports.router)
router.include_router(exports.files_router)
router.include_router(batches.router)
