"""The environment's proxy settings (https_proxy, no_proxy), read the way urllib reads them."""

from __future__ import annotations

import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    authorization: str | None = None  # value for Proxy-Authorization, from user:pass in the URL


def https_proxy_for(host: str) -> Proxy | None:
    """The HTTP proxy to tunnel (CONNECT) through for `host`, or None to connect directly."""
    url = urllib.request.getproxies().get("https")
    if not url or urllib.request.proxy_bypass(host):
        return None
    parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        return None
    auth = None
    if parsed.username:
        import base64

        raw = (
            f"{urllib.parse.unquote(parsed.username)}:{urllib.parse.unquote(parsed.password or '')}"
        )
        auth = "Basic " + base64.b64encode(raw.encode()).decode()
    return Proxy(parsed.hostname, parsed.port or 8080, auth)
