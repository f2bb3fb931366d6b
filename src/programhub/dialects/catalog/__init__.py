"""Canvas Catalog: programs and courses with nested requirements, in catalogs."""

from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.responses import PREFIX
from programhub.dialects.catalog.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(name="catalog", prefixes=(PREFIX,), router=router, errors=ERRORS)
