"""Helpers for the site's tests: the text a person reads on a page, its links and forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from tests.support import TenantKey

API = "/api/v1"


@dataclass
class Page:
    lines: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # link text -> href (the first of each)
    inputs: dict[str, str] = field(default_factory=dict)  # hidden and text inputs: name -> value
    meta: dict[str, str] = field(default_factory=dict)  # property or name -> content


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self._skip = 0
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.append(tag)
        found = dict(attrs)
        if tag in ("style", "title") or found.get("class") == "skip":
            self._skip += 1
        if tag == "a":
            self._href, self._text = found.get("href"), []
        if tag == "input" and found.get("name"):
            self.page.inputs.setdefault(str(found["name"]), found.get("value") or "")
        if tag == "meta" and (found.get("property") or found.get("name")):
            self.page.meta[str(found.get("property") or found.get("name"))] = found.get("content") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title") or (tag == "a" and self._skip and self._href == "#main"):
            self._skip = max(0, self._skip - 1)
        if tag == "a" and self._href is not None:
            self.page.links.setdefault(" ".join(self._text).strip(), self._href)
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        lines = [line.strip() for line in data.splitlines() if line.strip()]
        self.page.lines.extend(lines)
        if self._href is not None:
            self._text.extend(lines)


def read_page(markup: str) -> Page:
    reader = _Reader()
    reader.feed(markup)
    return reader.page


def create(client: TestClient, key: TenantKey, kind: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/{kind}s", json={kind: fields}, headers=key.token)
    assert response.status_code == 201, response.text
    return response.json()[kind]  # type: ignore[no-any-return]


def default_catalog_id(client: TestClient, key: TenantKey) -> int:
    return int(client.get(f"{API}/catalogs", headers=key.token).json()["catalogs"][0]["id"])
