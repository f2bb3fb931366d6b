"""The four faces. Each package owns its routes, wire schemas, error envelope and the
translation to and from the core; a dialect imports the core, never another dialect."""

from programhub.dialects import catalog, record, sunbird, webadmit
from programhub.web.dialect import Dialect

ALL: tuple[Dialect, ...] = (record.dialect, catalog.dialect, sunbird.dialect, webadmit.dialect)
