"""A server that trickles keeps every single read within its timeout; the download is still
stopped, by its minimum rate or its total time limit, with a message and exit code 2; and an
address carrying credentials is refused before anything is sent or recorded."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from clustertrust.core.errors import SourceError
from clustertrust.core.source.https import Timeouts, https_get, without_credentials
from clustertrust.core.source.load import load_source
from support.https_server import ServerPki


@contextmanager
def trickling_server(server_pki: ServerPki, head: bytes, every: float) -> Iterator[str]:
    """Answers with `head` at once, then one byte every `every` seconds until the client goes."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server_pki.cert_file, server_pki.key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            try:
                tls.sendall(head)
                while not stop.wait(every):
                    tls.sendall(b"x")
            except OSError:
                pass  # the client gave up: that is the point

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}/bundle.tar.gz"
    finally:
        stop.set()
        listener.close()


def fetch(url: str, server_pki: ServerPki, timeouts: Timeouts) -> tuple[SourceError, float]:
    started = time.monotonic()
    with pytest.raises(SourceError) as error:
        https_get(url, context=server_pki.client_context(), timeouts=timeouts)
    return error.value, time.monotonic() - started


def test_a_body_below_the_minimum_rate_is_stopped(server_pki: ServerPki) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"
    timeouts = Timeouts(connect=5, read=5, total=60, min_rate=512, grace=1.5)
    with trickling_server(server_pki, head, every=0.2) as url:
        error, seconds = fetch(url, server_pki, timeouts)
    assert error.exit_code == 2, f"{error.message} after {seconds:.1f} s"
    assert "bytes/s" in error.message, f"{error.message} after {seconds:.1f} s"
    print(f"trickled body refused after {seconds:.1f} s: {error.message}")


def test_headers_trickled_forever_hit_the_total_time_limit(server_pki: ServerPki) -> None:
    head = b"HTTP/1.1 200 OK\r\nX-Slow: "  # the header line never ends
    timeouts = Timeouts(connect=5, read=5, total=2, min_rate=512, grace=1.5)
    with trickling_server(server_pki, head, every=0.2) as url:
        error, seconds = fetch(url, server_pki, timeouts)
    assert error.exit_code == 2 and "in all" in error.message, f"{error} after {seconds:.1f} s"
    print(f"trickled headers refused after {seconds:.1f} s: {error.message}")


def test_an_address_with_credentials_is_refused_and_never_echoed() -> None:
    url = "https://alice:s3cret-pw@bundles.example/b.tar.gz"
    with pytest.raises(SourceError) as error:
        load_source(url)
    assert error.value.exit_code == 2
    assert "s3cret-pw" not in str(error.value) and "alice" not in str(error.value)
    assert without_credentials(url) == "https://***@bundles.example/b.tar.gz"
