"""Record's routes: the issuance API under PREFIX, and the credential pages."""

from fastapi import APIRouter

from programhub.dialects.record.routes import credentials, pages, programs

router = APIRouter()
router.include_router(programs.router)
router.include_router(credentials.router)
router.include_router(pages.router)
