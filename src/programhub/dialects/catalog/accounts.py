"""Catalogs on Catalog's wire: the `account` object (a faithful subset of Catalog's) and
the body that creates one (an extension: Catalog itself has no create route)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from programhub.core import validation as check
from programhub.core.catalogs import service as catalogs_service
from programhub.core.db import AnyRow
from programhub.core.errors import Invalid
from programhub.dialects.catalog import values as v


def _currency(field: str, value: Any) -> str:
    value = v.text(field, value).strip()
    if len(value) != 3 or not value.isalpha():
        raise Invalid(field, f"{field} must be a three-letter currency code")
    return value.upper()


def _short(field: str, value: Any) -> str:
    return check.text(field, value, allow_empty=False, max_length=255).strip()


# The settings a catalog shows, their defaults and parsers.
SETTINGS: dict[str, tuple[Any, v.Parser]] = {
    "privacy_policy_url": (None, v.nullable(_short)),
    "terms_url": (None, v.nullable(_short)),
    "currency": ("USD", _currency),
    "supported_payment_types": ("standard", _short),
    "time_zone": (None, v.nullable(_short)),
    "country": (None, v.nullable(_short)),
    "measurement": ("credit", _short),
    "allow_user_registration": (True, v.boolean),
    "private_catalog": (False, v.boolean),
    "show_listings_in_parent": (True, v.boolean),
}

ROOT_KEYS = ("account", "catalog")


def catalog_input(body: Mapping[str, Any]) -> dict[str, Any]:
    """Core fields from `{"account": {...}}` (or `{"catalog": {...}}`, or the fields alone);
    the core checks them again (canvas_id at least 1, ...) under the same names."""
    inner: Mapping[str, Any] = body
    for root in ROOT_KEYS:
        if root in body:
            if not isinstance(body[root], dict):
                raise Invalid(root, f"{root} must be an object")
            inner = body[root]
            break
    if "name" not in inner:
        raise Invalid("name", "name is required")
    fields: dict[str, Any] = {"name": _short("name", inner["name"])}
    if "url" in inner:
        fields["url"] = v.nullable(catalogs_service.site_url)("url", inner["url"])  # blank clears it
    if "canvas_domain" in inner:
        fields["canvas_domain"] = v.nullable(_short)("canvas_domain", inner["canvas_domain"])
    if "canvas_id" in inner:
        fields["canvas_id"] = v.nullable(v.integer)("canvas_id", inner["canvas_id"])
    if "settings" in inner and inner["settings"] is not None:
        fields["settings"] = _settings(inner["settings"])
    return fields


def _settings(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid("settings", "settings must be an object")
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in SETTINGS:
            raise Invalid(
                f"settings.{name}", f"settings.{name} is not a setting programhub keeps; known: {', '.join(SETTINGS)}"
            )
        parsed[name] = SETTINGS[name][1](f"settings.{name}", value)
    return parsed


def account_json(row: AnyRow, public_url: str) -> dict[str, Any]:
    settings = {name: default for name, (default, _parse) in SETTINGS.items()}
    settings.update(row.settings or {})
    return {
        "id": row.id,
        "name": row.name,
        "parent": None,
        "created_at": v.timestamp(row.created_at),
        "updated_at": v.timestamp(row.updated_at),
        "canvas_domain": row.canvas_domain,
        "canvas_id": row.canvas_id,
        "settings": settings,
        "url": row.url or public_url,
        "measurement": settings["measurement"],
    }
