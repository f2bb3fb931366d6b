"""WebAdMIT: user identities and the programs they see."""

from programhub.dialects.webadmit.errors import ERRORS
from programhub.dialects.webadmit.responses import PREFIX
from programhub.dialects.webadmit.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(name="webadmit", prefixes=(PREFIX,), router=router, errors=ERRORS)
