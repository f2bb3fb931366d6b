"""Typed dependencies for route handlers.

They are `async def` because they only read app state: FastAPI runs a plain `def`
dependency on the thread pool, and each such hop costs more than the whole lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from programhub.core.credentials import issuers
from programhub.core.credentials.issuers import Signing
from programhub.core.jobs.runner import JobRunner
from programhub.settings import Settings
from programhub.store import Store


def store_of(request: Request) -> Store:
    return request.app.state.store


async def get_store(request: Request) -> Store:
    return store_of(request)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs


StoreDep = Annotated[Store, Depends(get_store)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def signing_of(settings: Settings) -> Signing:
    """How credentials are signed under these settings (keys.KeyVault, issuers.Signing)."""
    secret = settings.credential_key_secret
    return issuers.configured(
        settings.public_url, None if secret is None else secret.get_secret_value(), settings.credential_key_file
    )


async def get_signing(request: Request) -> Signing:
    return signing_of(request.app.state.settings)


SigningDep = Annotated[Signing, Depends(get_signing)]
