"""A small HTTPS GET with streaming, a size cap, separate timeouts, proxies and clear errors."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from clustertrust.core.cancel import CancelToken
from clustertrust.core.errors import SourceError
from clustertrust.core.i18n import tr
from clustertrust.core.source.netproxy import https_proxy_for

Progress = Callable[[int, int | None], None]  # bytes done, total when known
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Timeouts:
    """`read` bounds one wait for data; `total` the whole download (redirects included), and
    `min_rate` (bytes/s, averaged once `grace` seconds have passed) a server that trickles."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 120.0
    min_rate: float = 512.0
    grace: float = 5.0


DEFAULT_TIMEOUTS = Timeouts()


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


def https_get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    max_bytes: int = 16 << 20,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    form: Mapping[str, str] | None = None,
) -> Response:
    """GET `url` (POST `form` when given), following HTTPS redirects. HTTP error statuses are
    returned, not raised. `cancel` stops a blocked read at once (raises Cancelled)."""
    cancel = cancel or CancelToken("download")
    deadline = time.monotonic() + timeouts.total
    for _ in range(MAX_REDIRECTS + 1):
        limits = _Limits(timeouts, deadline, max_bytes)
        response = _get_once(url, headers or {}, context, limits, progress, cancel, form)
        form = None  # a redirected POST continues as a GET (303 semantics)
        location = response.headers.get("location")
        if response.status in (301, 302, 303, 307, 308) and location:
            url = urllib.parse.urljoin(url, location)
            continue
        return response
    raise SourceError(
        tr("{url} redirects too many times.").format(url=shown_url(url)), tr("Check the address.")
    )


def system_context() -> ssl.SSLContext:
    """Trust what the operating system trusts (incl. roots added by the user or company device
    management): SecTrust on macOS, CryptoAPI on Windows, OpenSSL's system bundle on Linux."""
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def split_https_url(url: str) -> urllib.parse.SplitResult:
    """Raises SourceError for anything but https://host/..., and for an address that carries
    a user name or password: those would end up in the ledger, logs and messages."""
    parsed = urllib.parse.urlsplit(url.strip())
    if "@" in parsed.netloc:
        raise SourceError(
            tr(
                "The address {url} carries a user name or password (user:password@); "
                "ClusterTrust never records or sends those, so nothing was done."
            ).format(url=without_credentials(url)),
            tr(
                "Give the download address without them; a link that needs a login is "
                "downloaded in a browser, then the file is chosen."
            ),
        )
    if parsed.scheme != "https" or not parsed.hostname:
        raise SourceError(
            tr("{url} is not an https:// address.").format(url=repr(without_credentials(url))),
            tr("Give the bundle's https:// download address, or a local file or folder."),
        )
    return parsed


def shown_url(url: str) -> str:
    """`url` as it may be kept (the ledger, settings) or shown: without user:password, query or
    fragment, since a signed link's query (X-Amz-Signature=…) is a password too."""
    try:
        parsed = urllib.parse.urlsplit(url.strip())
        host, port = parsed.hostname or "", parsed.port
    except ValueError:
        return "(an address that cannot be read)"
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    return urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path, "", ""))


def without_credentials(url: str) -> str:
    """`url` with any user:password@ part replaced by ***@, for messages."""
    try:
        parsed = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return "(an address that cannot be read)"
    if "@" not in parsed.netloc:
        return url.strip()
    host = parsed.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parsed._replace(netloc=f"***@{host}"))


def _connection(
    parsed: urllib.parse.SplitResult, context: ssl.SSLContext, timeouts: Timeouts
) -> http.client.HTTPSConnection:
    host, port = parsed.hostname or "", parsed.port or 443
    proxy = https_proxy_for(host)
    if proxy is None:
        return http.client.HTTPSConnection(host, port, timeout=timeouts.connect, context=context)
    conn = http.client.HTTPSConnection(
        proxy.host, proxy.port, timeout=timeouts.connect, context=context
    )
    tunnel_headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
    conn.set_tunnel(host, port, headers=tunnel_headers)
    return conn


@dataclass(frozen=True)
class _Limits:
    timeouts: Timeouts
    deadline: float  # time.monotonic() by which the whole download must be over
    max_bytes: int


def _get_once(
    url: str,
    headers: Mapping[str, str],
    context: ssl.SSLContext | None,
    limits: _Limits,
    progress: Progress | None,
    cancel: CancelToken,
    form: Mapping[str, str] | None = None,
) -> Response:
    parsed = split_https_url(url)
    timeouts = limits.timeouts
    conn = _connection(parsed, context or system_context(), timeouts)
    path = urllib.parse.urlunsplit(("", "", parsed.path or "/", parsed.query, ""))
    payload = urllib.parse.urlencode(form).encode() if form is not None else None
    sent = {"User-Agent": "ClusterTrust", **headers}
    if payload is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    expired = threading.Event()
    try:
        conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(timeouts.read)
        with cancel.watching(conn.sock), _deadline(conn.sock, limits.deadline, expired):
            conn.request("POST" if payload is not None else "GET", path, body=payload, headers=sent)
            resp = conn.getresponse()
            body = _read_capped(url, resp, limits, progress, cancel)
        if expired.is_set():  # cut off mid-headers, http.client may take it for a short answer
            raise _took_too_long(url, timeouts)
        return Response(url, resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    except (OSError, http.client.HTTPException) as exc:
        cancel.check()  # a cancel shuts the socket down: report that, not the broken read
        if expired.is_set():
            raise _took_too_long(url, timeouts) from exc
        raise _download_error(parsed.hostname or url, exc) from exc
    finally:
        conn.close()


@contextlib.contextmanager
def _deadline(sock: socket.socket, deadline: float, expired: threading.Event) -> Iterator[None]:
    """Shut the socket down at `deadline`: a server that sends a byte now and then keeps every
    single read within its timeout, so only a clock outside the reads can end it."""

    def stop() -> None:
        expired.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _download_error(host: str, exc: Exception) -> SourceError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SourceError(
            tr("The server at {host} is not trusted: {why}.").format(
                host=host, why=exc.verify_message
            ),
            tr(
                "Check the address; behind a company proxy that inspects HTTPS, install its CA "
                "first."
            ),
        )
    if isinstance(exc, ssl.SSLError):
        return SourceError(
            tr("The TLS connection to {host} failed ({why}).").format(
                host=host, why=exc.reason or exc
            ),
            tr("Check that the address is an https:// download link."),
        )
    if isinstance(exc, TimeoutError):
        return SourceError(
            tr("{host} did not answer in time.").format(host=host),
            tr("Check your network or proxy settings and try again."),
        )
    if isinstance(exc, socket.gaierror):
        return SourceError(
            tr("The name {host} could not be resolved.").format(host=host),
            tr("Check the address for typos."),
        )
    return SourceError(
        tr("Could not download from {host}: {error}.").format(host=host, error=exc),
        tr("Check the address and your network or proxy settings, then try again."),
    )


def _read_capped(
    url: str,
    resp: http.client.HTTPResponse,
    limits: _Limits,
    progress: Progress | None,
    cancel: CancelToken,
) -> bytes:
    max_bytes = limits.max_bytes
    started = time.monotonic()
    length = resp.getheader("content-length")
    total = int(length) if length and length.isdigit() else None
    if total is not None and total > max_bytes:
        raise _too_large(url, max_bytes)
    chunks: list[bytes] = []
    done = 0
    while chunk := resp.read1(64 << 10):  # read1 returns what came, so the rate is seen
        done += len(chunk)
        if done > max_bytes:
            raise _too_large(url, max_bytes)
        cancel.check()
        _check_rate(url, done, time.monotonic() - started, limits.timeouts)
        chunks.append(chunk)
        if progress:
            progress(done, total)
    cancel.check()  # a cancelled read ends like a closed connection
    if total is not None and done < total:
        raise SourceError(
            tr("The download of {url} ended after {done} of {total} bytes.").format(
                url=shown_url(url), done=done, total=total
            ),
            tr("Try again."),
        )
    return b"".join(chunks)


def _check_rate(url: str, done: int, elapsed: float, timeouts: Timeouts) -> None:
    if elapsed > timeouts.grace and done / elapsed < timeouts.min_rate:
        message = tr(
            "The download of {url} was stopped: it came at {rate} bytes/s, below {minimum} "
            "bytes/s; a certificate bundle is a few KiB."
        )
        rate, minimum = f"{done / elapsed:.0f}", f"{timeouts.min_rate:.0f}"
        raise _too_slow(message.format(url=shown_url(url), rate=rate, minimum=minimum))


def _took_too_long(url: str, timeouts: Timeouts) -> SourceError:
    message = tr(
        "The download of {url} was stopped: it took longer than {seconds} s in all; a "
        "certificate bundle is a few KiB."
    )
    return _too_slow(message.format(url=shown_url(url), seconds=f"{timeouts.total:.0f}"))


def _too_slow(message: str) -> SourceError:
    return SourceError(
        message, tr("Check your network, or download the bundle in a browser and choose the file.")
    )


def _too_large(url: str, max_bytes: int) -> SourceError:
    return SourceError(
        tr("{url} is larger than {size} MiB; a certificate bundle is a few KiB.").format(
            url=shown_url(url), size=max_bytes >> 20
        ),
        tr("Check that the address points at the certificate bundle."),
    )
