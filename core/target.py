"""The cluster UI address to verify, checked before any connection is made."""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass

from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr

_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if _is_ipv6(self.host) else self.host
        return host if self.port == 443 else f"{host}:{self.port}"

    @property
    def display(self) -> str:
        """The URL without credentials or query, safe for logs and support reports."""
        return f"https://{self.authority}{self.path.split('?', 1)[0]}"


def parse_target(url: str) -> Target:
    """Raise InputError (exit 2) for anything that is not an https:// address with a host."""
    text = url.strip()
    if "://" not in text and text:
        text = f"https://{text}"  # a bare host name is what people paste most often
    parsed = urllib.parse.urlsplit(text)
    if parsed.scheme.lower() != "https":
        raise InputError(
            tr("{url} is not an https:// address; verify checks a mutual-TLS connection.").format(
                url=repr(url)
            ),
            tr("Give the cluster UI's address, for example https://cluster.example.com:2113/."),
        )
    port = _port(parsed, url)
    if not parsed.hostname or any(c.isspace() for c in parsed.netloc):
        raise InputError(
            tr("{url} has no usable host name.").format(url=repr(url)),
            tr("Give the cluster UI's address, for example https://cluster.example.com:2113/."),
        )
    path = urllib.parse.quote(parsed.path or "/", safe=_PATH_SAFE)
    query = urllib.parse.quote(parsed.query, safe=_PATH_SAFE + "?")
    return Target(parsed.hostname, port, f"{path}?{query}" if query else path)


def _port(parsed: urllib.parse.SplitResult, url: str) -> int:
    try:
        port = 443 if parsed.port is None else parsed.port
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise InputError(
            tr("The port in {url} is not a number from 1 to 65535.").format(url=repr(url)),
            tr("Check the address; the port comes after the colon, as in https://host:2113/."),
        )
    return port


def _is_ipv6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False
