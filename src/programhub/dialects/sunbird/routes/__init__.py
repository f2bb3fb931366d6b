"""Sunbird's routes: programs, the /list query language, nominations."""

from fastapi import APIRouter

from programhub.dialects.sunbird.routes import lists, nominations, programs

router = APIRouter()
router.include_router(programs.router)
router.include_router(lists.router)
router.include_router(nominations.router)
