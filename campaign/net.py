"""Who is asking: the client address as the deployment's declared proxies report it."""

from __future__ import annotations

from flask import request


def client_address() -> str:
    """The client's IP address.

    ``request.remote_addr`` is only rewritten from ``X-Forwarded-For`` when the
    deployment declares its proxies (``PROXY_HOPS``, applied with ProxyFix), so a
    client cannot choose its own address by sending the header.
    """
    return request.remote_addr or "unknown"
