"""Who a request comes from, for limits kept per client: its address, with an IPv6 address
cut to its /64 network (one host commonly holds a whole /64, so counting its addresses one by
one would count nothing). Behind a reverse proxy this is what the proxy says in
`X-Forwarded-For` when the server trusts it (uvicorn's `FORWARDED_ALLOW_IPS`, 127.0.0.1 by
default), else the proxy's own address."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

# Longer than any address (an IPv6 network is 22 characters); room for what test clients say.
MAX_ADDRESS_LENGTH = 64


def client_address(request: Request) -> str:
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:MAX_ADDRESS_LENGTH] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
