"""Content negotiation for the credential page: does the client prefer JSON to HTML?"""

from __future__ import annotations

import math


def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = part.split(";")
        kind, _, subtype = media.strip().lower().partition("/")
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                quality = 0.0 if math.isnan(quality) else min(max(quality, 0.0), 1.0)
        ranges.append((kind, subtype.strip(), quality))
    return ranges


def _preference(ranges: list[tuple[str, str, float]], kind: str, subtype: str) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching kind/subtype (RFC 9110 12.5.1)."""
    best = (0.0, -1)
    for range_kind, range_subtype, quality in ranges:
        if (range_kind, range_subtype) == (kind, subtype):
            specificity = 2
        elif range_kind == kind and range_subtype == "*":
            specificity = 1
        elif (range_kind, range_subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def wants_json(accept: str | None) -> bool:
    """True when the client prefers application/json to text/html. At equal q the type it
    names more precisely wins (`application/json, */*` is JSON); a full tie is the page."""
    if not accept:
        return False
    ranges = _media_ranges(accept)
    json_quality, json_specificity = _preference(ranges, "application", "json")
    html_quality, html_specificity = _preference(ranges, "text", "html")
    if json_quality != html_quality:
        return json_quality > html_quality
    return json_quality > 0 and json_specificity > html_specificity


def preferred(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """Which of `offers` (media types, the default first) the client prefers: the highest
    q, then the range that names it most precisely; a full tie goes to the earlier offer.
    None when it accepts none of them (or sent no Accept, which accepts the default)."""
    if not accept:
        return offers[0] if offers else None
    ranges = _media_ranges(accept)
    best: tuple[float, int] = (0.0, -1)
    chosen = None
    for offer in offers:
        kind, _, subtype = offer.partition("/")
        quality, specificity = _preference(ranges, kind, subtype)
        if quality > 0 and (quality, specificity) > best:
            best, chosen = (quality, specificity), offer
    return chosen
