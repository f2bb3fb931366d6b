"""Sunbird's routes: programs, the /list query language, nominations, the reference's
reference data and reports; under PREFIX and, identical but left out of the OpenAPI
document, under the gateway prefixes real deployments use."""

from fastapi import APIRouter

from programhub.dialects.sunbird.responses import GATEWAY_PREFIXES, PREFIX
from programhub.dialects.sunbird.routes import catalogues, lists, nominations, preferences, programs, reports
from programhub.web.dialect import joined

MODULES = (programs, lists, nominations, preferences, reports, catalogues)

# Flat (`joined`), with the gateways' copies after the service's own routes.
_service = joined(*(module.router for module in MODULES))
router = APIRouter(routes=list(_service.routes))
for gateway in GATEWAY_PREFIXES:
    router.include_router(_service, prefix=gateway.removesuffix(PREFIX), include_in_schema=False)
