"""Sunbird program service: program lifecycle, nominations and the /list query language."""

from programhub.dialects.sunbird.errors import ERRORS
from programhub.dialects.sunbird.responses import PREFIX
from programhub.dialects.sunbird.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(name="sunbird", prefixes=(PREFIX,), router=router, errors=ERRORS)
