"""Record's routes: the issuance API under PREFIX, the credential pages, and the issuers'
DID documents and status lists."""

from fastapi import APIRouter

from programhub.dialects.record.routes import credentials, downloads, issuers, pages, programs, revocations

router = APIRouter()
router.include_router(programs.router)
router.include_router(revocations.router)
router.include_router(credentials.router)
router.include_router(pages.router)
router.include_router(downloads.router)
router.include_router(issuers.router)
