"""Record's routes: the issuance API under PREFIX, the credential pages, and the issuers'
DID documents and status lists."""

from programhub.dialects.record.routes import credentials, downloads, issuers, pages, programs, revocations
from programhub.web.dialect import joined

router = joined(programs.router, revocations.router, credentials.router, pages.router, downloads.router, issuers.router)
