"""Typed dependencies for route handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from programhub.settings import Settings
from programhub.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
