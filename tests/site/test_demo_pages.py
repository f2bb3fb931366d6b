"""Every listing_url of the demo that names this service opens a real page (its catalog is
in test mode: the preview flag the README's set-up command serves with). The seed's own
catalog has a site of its own (`http://www.my-catalog.edu`, as Catalog's seed shows it), and
its `url` wins."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.core.keys import service as keys
from programhub.core.tenancy import Mode
from programhub.demo import ensure_demo
from programhub.settings import Settings
from programhub.store import Store
from tests.support import signing


def _urls(listing: dict[str, Any]) -> list[str]:
    return [listing["listing_url"], *(url for child in listing.get("requirements", []) for url in _urls(child))]


def test_every_listing_url_of_the_demo_opens(settings: Settings, store: Store) -> None:
    with store.write() as conn:
        demo = ensure_demo(conn, signing())
        key = keys.create(conn, demo.org.public_id, Mode.TEST, "demo").secret
    preview: FastAPI = create_app(settings.model_copy(update={"catalog_preview_test": True}), store=store)
    plain: FastAPI = create_app(settings, store=store)
    headers = {"Authorization": f'Token token="{key}"'}
    with TestClient(preview) as client, TestClient(plain) as unflagged:
        urls: list[str] = []
        for kind in ("programs", "courses"):
            answer = client.get(f"/api/v1/{kind}?per_page=100", headers=headers)
            assert answer.status_code == 200
            urls += [url for listing in answer.json()[kind] for url in _urls(listing)]
        ours = sorted({url for url in urls if not url.startswith("http://www.my-catalog.edu/")})
        assert len(ours) >= 4 and all(url.startswith("http://programhub.test/catalogs/") for url in ours)
        assert any(url.endswith("/programs/mongodb") for url in ours)
        for url in ours:
            path = url.removeprefix("http://programhub.test")
            page = client.get(path)
            assert page.status_code == 200, (url, page.text[:300])
            assert "Preview of a test-mode catalog" in page.text
            assert unflagged.get(path).status_code == 404  # without the flag test mode stays private
