"""What WebAdMIT's requests may send, checked and documented by pydantic from one place.

Today that is the ids in paths: each is a type a route's parameter is annotated with
(`user_identity_id: UserIdentityId`). A path id is declared an integer for clients but
read as text, so that a malformed one gets WebAdMIT's own wording (422) and an integer no
row can have is a plain 404, never a database error. A resource that takes query
parameters or a body adds its pydantic model here, its fields checked by the `rule`s of
`web/requests.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path

from programhub.core.errors import Invalid, NotFound
from programhub.core.validation import INT32
from programhub.web.requests import FIELD, required

# Ruby's json-schema message, as WebAdMIT's documentation shows it; `{field}` becomes the
# path parameter's documented name.
NOT_AN_INTEGER = "The property '#/{field}' of type String did not match the following type: integer"
_INTEGER = re.compile(r"-?[0-9]+")


def path_id(kind: str) -> Callable[[str, Any], int]:
    """The parser of a path id of a `kind` ("User identity"): 422 when the text is not an
    integer, 404 naming the id as written when it is one no row can have."""

    def parse(field: str, value: Any) -> int:
        if not isinstance(value, str) or not _INTEGER.fullmatch(value):
            raise Invalid(field, NOT_AN_INTEGER.replace(FIELD, field))
        if len(value.lstrip("-")) > 10 or not 1 <= int(value) <= INT32[1]:
            raise NotFound(kind, value)
        return int(value)

    return parse


UserIdentityId = Annotated[
    int, required(path_id("User identity")), Path(description="Id of one of the key's user identities.")
]
