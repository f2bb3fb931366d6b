"""API keys: one organisation, one mode; only a hash is stored."""

from programhub.core.keys import service

__all__ = ["service"]
