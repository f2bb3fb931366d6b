"""Catalog's pagination: `?page=` and `?per_page=` (default 20, at most 100), told in an
RFC 8288 `Link` header. The first page has no first/prev links, the last page no
next/last; a page past the end is an empty list with first and prev links."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from starlette.responses import Response

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    size: int

    @classmethod
    def of(cls, page: int | None, per_page: int | None) -> Page:
        return cls(page or 1, min(per_page or DEFAULT_PER_PAGE, MAX_PER_PAGE))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def paged(response: Response, request: Request, page: Page, total: int) -> Response:
    """`response` with the Link header for `page` of `total` items (none when one page holds all)."""
    link = link_header(request, page, total)
    if link:
        response.headers["Link"] = link
    return response


def link_header(request: Request, page: Page, total: int) -> str | None:
    """The Link header value, or None when there is only one page (nothing to link)."""
    last = max(1, -(-total // page.size))
    links: list[tuple[str, int]] = []
    if page.number < last:
        links += [("next", page.number + 1), ("last", last)]
    if page.number > 1:
        links += [("first", 1), ("prev", page.number - 1)]
    if not links:
        return None
    url = _page_url(request)
    return ", ".join(f'<{url.format(page=number)}>; rel="{rel}"' for rel, number in links)


def _page_url(request: Request) -> str:
    """The request's own URL with `page` set, as a template of `{page}` (the links differ in
    it alone); every other parameter the route reads is kept in its place, once, with the
    value the route used (the last). Repeated or unknown parameters changed nothing about
    the list, and echoing them would let a 64 KB query make a header four times that size,
    more than common clients and proxies accept."""
    # None for a route that does not say what it reads: then every parameter is kept.
    read: frozenset[str] | None = getattr(request.scope.get("route"), "query_names", None)
    params = parse_qsl(request.url.query, keep_blank_values=True)
    used = dict(params)  # the last value of each, as the route read it
    kept: list[str] = []
    seen: set[str] = set()
    for key, _value in params:
        if key in seen or (read is not None and key not in read and key != "page"):
            continue
        seen.add(key)
        kept.append("page={page}" if key == "page" else _braces_escaped(urlencode({key: used[key]})))
    if "page" not in seen:
        kept.append("page={page}")
    base = request.url.components._replace(query="").geturl()  # `url.replace`'s, without a URL parsed again
    return _braces_escaped(base) + "?" + "&".join(kept)


def _braces_escaped(text: str) -> str:
    """`text` as literal text of a `str.format` template."""
    return text.replace("{", "{{").replace("}", "}}")
