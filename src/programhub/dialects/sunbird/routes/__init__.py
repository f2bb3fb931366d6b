"""Sunbird's routes: programs, the /list query language, nominations, the reference's
reference data and reports; under PREFIX and, identical but left out of the OpenAPI
document, under the gateway prefixes real deployments use."""

from fastapi import APIRouter

from programhub.dialects.sunbird.responses import GATEWAY_PREFIXES, PREFIX
from programhub.dialects.sunbird.routes import catalogues, lists, nominations, preferences, programs, reports

MODULES = (programs, lists, nominations, preferences, reports, catalogues)

router = APIRouter()
for module in MODULES:
    router.include_router(module.router)
for gateway in GATEWAY_PREFIXES:
    for module in MODULES:
        router.include_router(module.router, prefix=gateway.removesuffix(PREFIX), include_in_schema=False)
