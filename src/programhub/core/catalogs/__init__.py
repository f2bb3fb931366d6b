"""Catalogs: where listings are published (Canvas Catalog's "accounts"). Each tenant has a default one."""

from programhub.core.catalogs import service

__all__ = ["service"]
