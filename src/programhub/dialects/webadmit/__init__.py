"""WebAdMIT: user identities, the programs they see, and admissions (applicants,
designations, decisions, custom fields, batches, exports)."""

from programhub.dialects.webadmit.errors import ERRORS
from programhub.dialects.webadmit.responses import EXPORTS_PREFIX, PREFIX, V2_PREFIX
from programhub.dialects.webadmit.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(name="webadmit", prefixes=(PREFIX, EXPORTS_PREFIX, V2_PREFIX), router=router, errors=ERRORS)
