"""The site: HTML pages for people, beside the four APIs. The public catalog behind every
`listing_url` of a catalog without a site of its own, and the operator console. It reads
and writes through the core services the APIs use, renders with the shared templates
(`web/templates`, `web/pages.py`) and, like a dialect, imports the core and `web`, never
a dialect (docs/pages.md)."""

from programhub.site import assets, catalog, console, enroll, session
from programhub.site.errors import SITE_ERRORS
from programhub.web.dialect import Dialect, joined

router = joined(catalog.router, enroll.router, assets.router, console.router)

site = Dialect(name="site", prefixes=(catalog.PREFIX, assets.PREFIX, session.PREFIX), router=router, errors=SITE_ERRORS)
