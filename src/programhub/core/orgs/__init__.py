"""Organisations: the tenants."""

from programhub.core.orgs import service

__all__ = ["service"]
