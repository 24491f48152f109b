"""One HTTPS GET, step by step (DNS, connect, proxy tunnel, handshake, first byte), timed.

Each step is bounded by the timeout, and a step that fails says which step it was, so the
diagnosis can name the cause instead of guessing from a generic error.
"""

from __future__ import annotations

import enum
import queue
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import Cancelled
from .netproxy import Proxy, https_proxy_for
from .verify_target import Target

T = TypeVar("T")
AddrInfo = list[tuple[Any, ...]]
MAX_HEAD = 64 << 10
_HANDSHAKE_RECORD = 22  # TLS ContentType handshake
_CERTIFICATE_REQUEST = 13  # TLS HandshakeType certificate_request (RFC 8446, 4)
MAX_BODY = 64 << 10
_SEND_BODY_FOR = {400, 495, 496}  # the body tells a missing client cert from a rejected one


class Stage(enum.Enum):
    DNS = "name lookup"
    CONNECT = "connection"
    TUNNEL = "proxy tunnel"
    HANDSHAKE = "TLS handshake"
    RESPONSE = "HTTP response"


@dataclass
class Exchange:
    """What one attempt saw, filled in as far as it got."""

    target: Target
    proxy: Proxy | None = None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    chain_der: list[bytes] = field(default_factory=list)
    tls_version: str | None = None
    cipher: str | None = None
    status: int | None = None
    body: bytes = b""
    cert_requested: bool | None = None  # did the server send a CertificateRequest? None: unknown

    def mark(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[step] = round((now - since) * 1000, 2)
        return now


class StepFailed(Exception):
    def __init__(self, stage: Stage, error: BaseException, exchange: Exchange) -> None:
        super().__init__(f"{stage.value}: {error}")
        self.stage = stage
        self.error = error
        self.exchange = exchange


class CancelToken:
    """Lets another thread stop a verification: blocked socket calls return at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            for sock in self._sockets:
                _shutdown(sock)

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled("The verification was cancelled.", "Run it again when you are ready.")

    @contextmanager
    def watching(self, sock: socket.socket) -> Iterator[socket.socket]:
        with self._lock:
            self._sockets.add(sock)
        try:
            self.check()
            yield sock
        finally:
            with self._lock:
                self._sockets.discard(sock)


def _shutdown(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def exchange(
    target: Target, context: ssl.SSLContext, timeout: float, cancel: CancelToken
) -> Exchange:
    """Open the TLS connection, GET the path and read the status. Raises StepFailed."""
    seen = Exchange(target, proxy=https_proxy_for(target.host))
    sock = _open_socket(seen, timeout, cancel)
    with sock, cancel.watching(sock):
        if seen.proxy:
            _step(Stage.TUNNEL, seen, cancel, lambda: _tunnel(sock, seen, timeout))
        tls = _step(
            Stage.HANDSHAKE, seen, cancel, lambda: _handshake(sock, context, seen, timeout, cancel)
        )
        with tls, cancel.watching(tls):
            _step(Stage.RESPONSE, seen, cancel, lambda: _request(tls, seen, timeout))
    seen.mark("total", seen.started)
    return seen


def _step(stage: Stage, seen: Exchange, cancel: CancelToken, action: Callable[[], T]) -> T:
    try:
        return action()
    except (OSError, ValueError) as exc:
        cancel.check()
        raise StepFailed(stage, exc, seen) from exc


def _open_socket(seen: Exchange, timeout: float, cancel: CancelToken) -> socket.socket:
    host, port = (seen.proxy.host, seen.proxy.port) if seen.proxy else seen.target.address
    start = time.perf_counter()
    addresses = _step(Stage.DNS, seen, cancel, lambda: _resolve(host, port, timeout))
    start = seen.mark("dns", start)
    sock = _step(Stage.CONNECT, seen, cancel, lambda: _connect(addresses, timeout, cancel))
    seen.mark("connect", start)
    return sock


def _resolve(host: str, port: int, timeout: float) -> AddrInfo:
    """getaddrinfo has no timeout of its own: run it on a daemon thread and stop waiting."""
    answers: queue.Queue[AddrInfo | BaseException] = queue.Queue(1)

    def lookup() -> None:
        try:
            answers.put(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            answers.put(exc)

    threading.Thread(target=lookup, name="verify-dns", daemon=True).start()
    try:
        answer = answers.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no answer for {host} within {timeout:g} s") from None
    if isinstance(answer, BaseException):
        raise answer
    return answer


def _connect(addresses: AddrInfo, timeout: float, cancel: CancelToken) -> socket.socket:
    deadline = time.monotonic() + timeout
    error: OSError = ConnectionRefusedError("no address to connect to")
    for family, kind, proto, _name, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            with cancel.watching(sock):
                sock.connect(address)
            return sock
        except BaseException as exc:
            sock.close()
            if not isinstance(exc, OSError):
                raise
            error = exc
            if isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
                break
    raise error


def _tunnel(sock: socket.socket, seen: Exchange, timeout: float) -> None:
    proxy = seen.proxy
    assert proxy is not None
    start = time.perf_counter()
    authority = seen.target.authority
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}", "User-Agent: ClusterTrust"]
    if proxy.authorization:
        lines.append(f"Proxy-Authorization: {proxy.authorization}")
    sock.settimeout(timeout)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head = _read_head(sock)
    status = _status_of(head)
    if status // 100 != 2:
        raise TunnelRefused(status, head.split(b"\r\n", 1)[0].decode("latin-1", "replace"))
    seen.mark("tunnel", start)


class TunnelRefused(OSError):
    def __init__(self, status: int, status_line: str) -> None:
        super().__init__(status_line)
        self.status = status
        self.status_line = status_line


def _handshake(
    sock: socket.socket,
    context: ssl.SSLContext,
    seen: Exchange,
    timeout: float,
    cancel: CancelToken,
) -> ssl.SSLSocket:
    start = time.perf_counter()
    sock.settimeout(timeout)
    _watch_certificate_request(context, seen)
    tls = context.wrap_socket(sock, server_hostname=seen.target.host, do_handshake_on_connect=False)
    try:
        with cancel.watching(tls):
            tls.do_handshake()
    except BaseException:
        seen.chain_der = _chain_der(tls)
        tls.close()
        raise
    seen.chain_der = _chain_der(tls)
    seen.tls_version, seen.cipher = tls.version(), (tls.cipher() or (None,))[0]
    seen.mark("handshake", start)
    return tls


def _watch_certificate_request(context: ssl.SSLContext, seen: Exchange) -> None:
    """Note whether the server asks for a client certificate: it tells a handshake_failure
    alert caused by a missing certificate from any other handshake failure."""
    inner = getattr(context, "_ctx", context)  # truststore wraps a plain SSLContext
    if not hasattr(inner, "_msg_callback"):  # a debugging hook of CPython's ssl module
        return
    seen.cert_requested = False

    def on_message(*args: Any) -> None:  # conn, direction, version, content type, type, data
        _conn, direction, _version, content_type, msg_type, _data = args
        handshake = content_type == _HANDSHAKE_RECORD
        if direction == "read" and handshake and msg_type == _CERTIFICATE_REQUEST:
            seen.cert_requested = True

    inner._msg_callback = on_message


def _chain_der(tls: ssl.SSLSocket) -> list[bytes]:
    """The chain the server sent, also after a failed verification (to name its CA)."""
    sslobj = getattr(tls, "_sslobj", None)
    if sslobj is None:  # the connection was already torn down
        return []
    getter = getattr(sslobj, "get_unverified_chain", None)
    if getter is not None:
        return [cert.public_bytes(ssl._ssl.ENCODING_DER) for cert in getter() or []]  # type: ignore[attr-defined]
    with suppress(ValueError, OSError):
        leaf = tls.getpeercert(binary_form=True)
        return [leaf] if leaf else []
    return []


def _request(tls: ssl.SSLSocket, seen: Exchange, timeout: float) -> None:
    target = seen.target
    request = (
        f"GET {target.path} HTTP/1.1\r\nHost: {target.authority}\r\n"
        "User-Agent: ClusterTrust\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    start = time.perf_counter()
    tls.settimeout(timeout)
    try:
        tls.sendall(request.encode("latin-1"))
        send_error: OSError | None = None
    except OSError as exc:  # a TLS 1.3 server may have refused us already: read its alert
        send_error = exc
    try:
        head = _read_head(tls, on_first_byte=lambda: seen.mark("first_byte", start))
    except OSError as exc:
        raise _telling(exc, send_error) from exc
    seen.status = _status_of(head)
    if seen.status in _SEND_BODY_FOR:
        seen.body = _read_body(tls, head)


def _telling(read_error: OSError, send_error: OSError | None) -> OSError:
    """Of two errors, the one that names a TLS alert says more about why we were refused."""
    if send_error is not None and not getattr(read_error, "reason", None):
        return send_error if getattr(send_error, "reason", None) else read_error
    return read_error


def _read_head(sock: socket.socket, on_first_byte: Callable[[], object] | None = None) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionResetError("the server closed the connection without an answer")
        if not data and on_first_byte:
            on_first_byte()
        data += chunk
        if len(data) > MAX_HEAD:
            raise ValueError("the response headers are larger than 64 KiB")
    return data


def _read_body(sock: socket.socket, head: bytes) -> bytes:
    headers, body = head.split(b"\r\n\r\n", 1)
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", headers)
    wanted = min(int(length.group(1)), MAX_BODY) if length else MAX_BODY
    try:
        while len(body) < wanted and (chunk := sock.recv(4096)):
            body += chunk
    except (OSError, ValueError):
        pass  # the status is what counts; the body only sharpens the message
    return body[:MAX_BODY]


def _status_of(head: bytes) -> int:
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {head[:40]!r}")
    return int(parts[1])
