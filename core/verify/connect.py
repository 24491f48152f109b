"""One HTTPS GET, step by step (DNS, connect, proxy tunnel, handshake, first byte), timed.

All steps together are bounded by one deadline (a server that trickles its answer cannot stretch
it), and a step that fails says which step it was, so the diagnosis can name the cause instead of
guessing from a generic error.
"""

from __future__ import annotations

import enum
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from clustertrust.core.cancel import CancelToken, Deadline
from clustertrust.core.source.netproxy import Proxy, https_proxy_for
from clustertrust.core.target import Target
from clustertrust.core.verify.wire import get, open_tunnel

T = TypeVar("T")
AddrInfo = list[tuple[Any, ...]]
_HANDSHAKE_RECORD = 22  # TLS ContentType handshake
_CERTIFICATE = 11  # TLS HandshakeType certificate: the chain the server sent
_CERTIFICATE_REQUEST = 13  # TLS HandshakeType certificate_request (RFC 8446, 4)
_TLS13 = 0x0304


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
    sent_chain: list[bytes] = field(default_factory=list)  # from the Certificate message

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


def exchange(
    target: Target, context: ssl.SSLContext, deadline: Deadline, cancel: CancelToken
) -> Exchange:
    """Open the TLS connection, GET the path and read the status, all before `deadline`.
    Raises StepFailed."""
    seen = Exchange(target, proxy=https_proxy_for(target.host))
    try:
        sock = _open_socket(seen, deadline, cancel)
        with sock, cancel.watching(sock):
            if seen.proxy:
                _step(Stage.TUNNEL, seen, cancel, lambda: _tunnel(sock, seen, deadline))
            tls = _step(
                Stage.HANDSHAKE,
                seen,
                cancel,
                lambda: _handshake(sock, context, seen, deadline, cancel),
            )
            with tls, cancel.watching(tls):
                _step(Stage.RESPONSE, seen, cancel, lambda: _request(tls, seen, deadline))
    finally:
        seen.mark("total", seen.started)  # also for a failure: how long it took to fail
    return seen


def _step(stage: Stage, seen: Exchange, cancel: CancelToken, action: Callable[[], T]) -> T:
    try:
        return action()
    except (OSError, ValueError) as exc:
        cancel.check()
        raise StepFailed(stage, exc, seen) from exc


def _open_socket(seen: Exchange, deadline: Deadline, cancel: CancelToken) -> socket.socket:
    host, port = (seen.proxy.host, seen.proxy.port) if seen.proxy else seen.target.address
    start = time.perf_counter()
    addresses = _step(Stage.DNS, seen, cancel, lambda: _resolve(host, port, deadline.left()))
    start = seen.mark("dns", start)
    sock = _step(Stage.CONNECT, seen, cancel, lambda: _connect(addresses, deadline, cancel))
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


def _connect(addresses: AddrInfo, deadline: Deadline, cancel: CancelToken) -> socket.socket:
    error: OSError = ConnectionRefusedError("no address to connect to")
    for family, kind, proto, _name, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            deadline.bound(sock)
            with cancel.watching(sock):
                sock.connect(address)
            return sock
        except BaseException as exc:
            sock.close()
            if not isinstance(exc, OSError):
                raise
            error = exc
            if isinstance(exc, TimeoutError) or time.monotonic() >= deadline.at:
                break
    raise error


def _tunnel(sock: socket.socket, seen: Exchange, deadline: Deadline) -> None:
    assert seen.proxy is not None
    start = time.perf_counter()
    open_tunnel(sock, seen.proxy, seen.target.authority, deadline)
    seen.mark("tunnel", start)


def _handshake(
    sock: socket.socket,
    context: ssl.SSLContext,
    seen: Exchange,
    deadline: Deadline,
    cancel: CancelToken,
) -> ssl.SSLSocket:
    start = time.perf_counter()
    deadline.bound(sock)  # CPython's do_handshake counts it down over the whole handshake
    _watch_handshake(context, seen)
    tls = context.wrap_socket(sock, server_hostname=seen.target.host, do_handshake_on_connect=False)
    try:
        with cancel.watching(tls):
            tls.do_handshake()
    except BaseException:
        seen.chain_der = _chain_der(tls, seen.sent_chain)
        tls.close()
        raise
    seen.chain_der = _chain_der(tls, seen.sent_chain)
    seen.tls_version, seen.cipher = tls.version(), (tls.cipher() or (None,))[0]
    seen.mark("handshake", start)
    return tls


def _watch_handshake(context: ssl.SSLContext, seen: Exchange) -> None:
    """Note whether the server asks for a client certificate (it tells a handshake_failure
    alert caused by a missing certificate from any other), and keep the chain the server sent:
    before Python 3.13 ssl shows only the leaf, and browsers judge the whole chain."""
    inner = getattr(context, "_ctx", context)  # truststore wraps a plain SSLContext
    if not hasattr(inner, "_msg_callback"):  # a debugging hook of CPython's ssl module
        return
    seen.cert_requested = False

    def on_message(*args: Any) -> None:  # conn, direction, version, content type, type, data
        _conn, direction, version, content_type, msg_type, data = args
        if direction != "read" or content_type != _HANDSHAKE_RECORD:
            return
        if msg_type == _CERTIFICATE_REQUEST:
            seen.cert_requested = True
        elif msg_type == _CERTIFICATE and not seen.sent_chain:
            seen.sent_chain = certificate_list(bytes(data), version == _TLS13)

    inner._msg_callback = on_message


def certificate_list(message: bytes, tls13: bool) -> list[bytes]:
    """The DER certificates of a TLS Certificate handshake message (RFC 5246 7.4.2, RFC 8446
    4.4.2), header included; [] for anything malformed."""
    body = message[4:]
    if tls13:
        body = body[1 + body[0] :] if body else b""  # certificate_request_context
    if len(body) < 3 or int.from_bytes(body[:3], "big") != len(body) - 3:
        return []
    certs, rest = [], body[3:]
    while len(rest) >= 3:
        size = int.from_bytes(rest[:3], "big")
        if len(rest) < 3 + size:
            return []
        certs.append(rest[3 : 3 + size])
        rest = rest[3 + size :]
        if tls13:  # each entry carries its own extensions
            skip = int.from_bytes(rest[:2], "big") if len(rest) >= 2 else 0
            rest = rest[2 + skip :]
    return certs if not rest and all(certs) else []


def _chain_der(tls: ssl.SSLSocket, sent: list[bytes]) -> list[bytes]:
    """The chain the server sent, also after a failed verification (to name its CA)."""
    if sent:
        return sent
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


def _request(tls: ssl.SSLSocket, seen: Exchange, deadline: Deadline) -> None:
    start = time.perf_counter()
    answer = get(
        tls,
        seen.target.path,
        seen.target.authority,
        deadline,
        on_first_byte=lambda: seen.mark("first_byte", start),
    )
    seen.status, seen.body = answer.status, answer.body
