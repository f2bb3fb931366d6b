"""Record credential issuance: programmes and credential batches under
/api/external/issuance, and the public page behind every credentialUrl."""

from programhub.dialects.record.errors import ERRORS, PAGE_ERRORS
from programhub.dialects.record.responses import PAGES_PREFIX, PREFIX
from programhub.dialects.record.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(
    name="record",
    prefixes=(PREFIX,),
    router=router,
    errors=ERRORS,
    other_prefixes=((PAGES_PREFIX, PAGE_ERRORS),),
)
