"""Sunbird program service: program lifecycle, nominations and the /list query language."""

from programhub.dialects.sunbird.errors import ERRORS
from programhub.dialects.sunbird.responses import GATEWAY_PREFIXES, PREFIX
from programhub.dialects.sunbird.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(name="sunbird", prefixes=(PREFIX, *GATEWAY_PREFIXES), router=router, errors=ERRORS)
