"""The few bytes of HTTP verify speaks: a proxy CONNECT, one GET, and the answer's status."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

from clustertrust.core.cancel import Deadline
from clustertrust.core.source.netproxy import Proxy

MAX_HEAD = 64 << 10
MAX_BODY = 64 << 10
_READ_BODY_FOR = {400, 495, 496}  # the body tells a missing client cert from a rejected one


class TunnelRefused(OSError):
    """The proxy answered CONNECT with something other than 2xx."""

    def __init__(self, status: int, status_line: str) -> None:
        super().__init__(status_line)
        self.status = status
        self.status_line = status_line


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # only read for the statuses that need it, at most 64 KiB


def open_tunnel(sock: socket.socket, proxy: Proxy, authority: str, deadline: Deadline) -> None:
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}", "User-Agent: ClusterTrust"]
    if proxy.authorization:
        lines.append(f"Proxy-Authorization: {proxy.authorization}")
    deadline.bound(sock).sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head = read_head(sock, deadline)
    status = status_of(head)
    if status // 100 != 2:
        raise TunnelRefused(status, head.split(b"\r\n", 1)[0].decode("latin-1", "replace"))


def get(
    sock: socket.socket,
    path: str,
    authority: str,
    deadline: Deadline,
    on_first_byte: Callable[[], object],
) -> Answer:
    """Send one GET and read the status (and, for client-cert refusals, the body)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {authority}\r\n"
        "User-Agent: ClusterTrust\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    try:
        deadline.bound(sock).sendall(request.encode("latin-1"))
        send_error: OSError | None = None
    except OSError as exc:  # a TLS 1.3 server may have refused us already: read its alert
        send_error = exc
    try:
        head = read_head(sock, deadline, on_first_byte)
    except OSError as exc:
        raise _telling(exc, send_error) from exc
    status = status_of(head)
    return Answer(status, read_body(sock, head, deadline) if status in _READ_BODY_FOR else b"")


def _telling(read_error: OSError, send_error: OSError | None) -> OSError:
    """Of two errors, the one that names a TLS alert says more about why we were refused."""
    if send_error is not None and not getattr(read_error, "reason", None):
        return send_error if getattr(send_error, "reason", None) else read_error
    return read_error


def read_head(
    sock: socket.socket, deadline: Deadline, on_first_byte: Callable[[], object] | None = None
) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = deadline.bound(sock).recv(4096)
        if not chunk:
            raise ConnectionResetError("the server closed the connection without an answer")
        if not data and on_first_byte:
            on_first_byte()
        data += chunk
        if len(data) > MAX_HEAD:
            raise ValueError("the response headers are larger than 64 KiB")
    return data


def read_body(sock: socket.socket, head: bytes, deadline: Deadline) -> bytes:
    headers, body = head.split(b"\r\n\r\n", 1)
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", headers)
    wanted = min(int(length.group(1)), MAX_BODY) if length else MAX_BODY
    try:
        while len(body) < wanted and (chunk := deadline.bound(sock).recv(4096)):
            body += chunk
    except (OSError, ValueError):
        pass  # the status is what counts; the body only sharpens the message
    return body[:MAX_BODY]


def status_of(head: bytes) -> int:
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {head[:40]!r}")
    return int(parts[1])
