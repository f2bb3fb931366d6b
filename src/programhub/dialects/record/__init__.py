"""Record credential issuance: programmes and credential batches."""

from programhub.dialects.record.errors import ERRORS
from programhub.dialects.record.routes import PREFIX, router
from programhub.web.dialect import Dialect

dialect = Dialect(name="record", prefixes=(PREFIX,), router=router, errors=ERRORS)
