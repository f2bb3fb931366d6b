"""Record credential issuance: programmes and credential batches under
/api/external/issuance, and the public page behind every credentialUrl."""

from fastapi import APIRouter

from programhub.dialects.record import pages, routes
from programhub.dialects.record.errors import ERRORS
from programhub.dialects.record.wire import PREFIX
from programhub.web.dialect import Dialect

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)

dialect = Dialect(
    name="record",
    prefixes=(PREFIX,),
    router=router,
    errors=ERRORS,
    other_prefixes=((pages.PAGES_PREFIX, pages.PAGE_ERRORS),),
)
