"""Record credential issuance: programmes and credential batches under
/api/external/issuance, the public page behind every credentialUrl, and (for verifiers)
each issuer's DID document and status lists under /orgs."""

from programhub.dialects.record.errors import ERRORS, PAGE_ERRORS
from programhub.dialects.record.responses import ISSUERS_PREFIX, PAGES_PREFIX, PREFIX
from programhub.dialects.record.routes import router
from programhub.web.dialect import Dialect

dialect = Dialect(
    name="record",
    prefixes=(PREFIX,),
    router=router,
    errors=ERRORS,
    other_prefixes=((PAGES_PREFIX, PAGE_ERRORS), (ISSUERS_PREFIX, ERRORS)),
)
