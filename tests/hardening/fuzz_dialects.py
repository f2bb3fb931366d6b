"""What the hardening tests need to know about each dialect, independently of its OpenAPI
document: which dialect owns a path, how its key is sent, and what its error envelope
looks like (checked strictly here, so a loose document cannot hide a stray body)."""

from __future__ import annotations

from typing import Any

import orjson

from programhub import dialects
from programhub.dialects.record.errors import ALL_CODES as RECORD_CODES
from programhub.web.errors import errors_for_path
from tests.support import TenantKey

RECORD, CATALOG, SUNBIRD, WEBADMIT = "record", "catalog", "sunbird", "webadmit"
NAMES = (RECORD, CATALOG, SUNBIRD, WEBADMIT)
CREDENTIAL_PAGE = "/credentials/"  # Record's public page: no key, HTML or Record JSON

AUTH_HEADERS = ("authorization", "x-api-key")

# A path in each dialect that exists for some method, and one that exists for none.
SAMPLE_PATHS = {
    RECORD: "/api/external/issuance/programs",
    CATALOG: "/api/v1/programs",
    SUNBIRD: "/program/v1/list",
    WEBADMIT: "/api/v1/user_identities",
}


def dialect_of(path: str) -> str:
    """The dialect that answers for `path` (the app's own prefix routing decides)."""
    if path.startswith(CREDENTIAL_PAGE):
        return RECORD
    errors = errors_for_path(dialects.ALL, path)
    for dialect in dialects.ALL:
        if dialect.errors is errors:
            return dialect.name
    raise AssertionError(f"no dialect owns {path}")


def auth_headers(dialect: str, key: TenantKey) -> dict[str, str]:
    """The key in the header form the dialect's own clients use."""
    if dialect == CATALOG:
        return key.token
    if dialect == WEBADMIT:
        return {"x-api-key": key.key}
    return key.bearer


def _json(content: bytes) -> tuple[Any, str | None]:
    try:
        return orjson.loads(content), None
    except orjson.JSONDecodeError:
        return None, f"not JSON: {content[:120]!r}"


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, str) and item for item in value)


def _record(status: int, body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"success", "code", "message"}:
        return f"Record error is not {{success, code, message}}: {body!r}"
    if body["success"] is not False or body["code"] not in RECORD_CODES:
        return f"Record error has success={body['success']!r}, code={body['code']!r}"
    if not isinstance(body["message"], str) or not body["message"].endswith("."):
        return f"Record error message is not a sentence: {body['message']!r}"
    return None


def _catalog(status: int, body: Any) -> str | None:
    if not isinstance(body, dict) or not {"errors"} <= set(body) <= {"errors", "failed_product_ids"}:
        return f"Catalog error is not {{errors: [...]}}: {body!r}"
    items = body["errors"]
    if not isinstance(items, list) or not items:
        return f"Catalog errors is not a non-empty list: {items!r}"
    for item in items:
        if not isinstance(item, dict) or "message" not in item or not set(item) <= {"message", "field"}:
            return f"Catalog error item is not {{message[, field]}}: {item!r}"
        if not all(isinstance(value, str) and value for value in item.values()):
            return f"Catalog error item has a non-text value: {item!r}"
    failed = body.get("failed_product_ids", [])
    if not isinstance(failed, list) or not all(isinstance(i, int) for i in failed):
        return f"Catalog failed_product_ids is not a list of ids: {failed!r}"
    return None


_SUNBIRD_CODES = {"CLIENT_ERROR", "SERVER_ERROR", "UNAUTHORIZED", "RESOURCE_NOT_FOUND"}


def _sunbird(status: int, body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"id", "ts", "params", "responseCode", "result"}:
        return f"Sunbird error is not the envelope: {body!r}"
    params = body["params"]
    if not isinstance(params, dict) or set(params) != {"resmsgid", "msgid", "status", "err", "errmsg"}:
        return f"Sunbird params malformed: {params!r}"
    if params["status"] != "failed" or not isinstance(params["err"], str) or not params["err"].startswith("ERR_"):
        return f"Sunbird error params: status={params['status']!r}, err={params['err']!r}"
    if not isinstance(params["errmsg"], str) or not params["errmsg"]:
        return f"Sunbird errmsg is not a sentence: {params['errmsg']!r}"
    if body["responseCode"] not in _SUNBIRD_CODES or body["result"] != {}:
        return f"Sunbird responseCode={body['responseCode']!r}, result={body['result']!r}"
    if (body["responseCode"] == "SERVER_ERROR") != (status >= 500):
        return f"Sunbird responseCode {body['responseCode']} with HTTP {status}"
    sunbird_apis = ("api.program.", "api.nomination.", "api.preference.", "api.configuration.", "api.contenttypes.")
    if not isinstance(body["id"], str) or not body["id"].startswith(sunbird_apis):
        return f"Sunbird id {body['id']!r}"
    return None


def _webadmit(status: int, body: Any) -> str | None:
    if isinstance(body, dict) and set(body) == {"message"} and isinstance(body["message"], str):
        return None  # the legacy generic form ({"message": "Not Found"})
    if isinstance(body, dict) and set(body) == {"errors"} and isinstance(body["errors"], dict) and body["errors"]:
        if all(isinstance(name, str) and _is_str_list(messages) for name, messages in body["errors"].items()):
            return None
    return f"WebAdMIT error is neither {{errors: {{name: [..]}}}} nor {{message}}: {body!r}"


_CHECKERS = {RECORD: _record, CATALOG: _catalog, SUNBIRD: _sunbird, WEBADMIT: _webadmit}


def envelope_problem(dialect: str, status: int, content_type: str | None, content: bytes) -> str | None:
    """Why an error answer (status >= 400) is not in `dialect`'s envelope, or None if it is."""
    content_type = (content_type or "").split(";")[0].strip()
    if dialect == WEBADMIT and status in (401, 403):
        if content or content_type:
            return f"WebAdMIT {status} must have an empty body, got {content_type!r} {content[:120]!r}"
        return None
    if content_type == "text/html" and dialect == RECORD:
        return None if content.lstrip().lower().startswith(b"<!doctype html") else "HTML error is not a page"
    if content_type != "application/json":
        return f"{dialect} error with Content-Type {content_type!r}: {content[:120]!r}"
    body, problem = _json(content)
    return problem or _CHECKERS[dialect](status, body)
