"""A small real HTTPS server on 127.0.0.1 for download tests (Python's http.server + ssl)."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from support import pki

HANDSHAKE_SECONDS = 10.0  # a client silent for this long mid-handshake is given up on


class TlsHttpServer(ThreadingHTTPServer):
    """TLS is set up in each connection's own thread (finish_request), never in the accept loop:
    there, one client stalled mid-handshake held up every later request, the fixture's shutdown
    too, since `accept()` on a TLS-wrapped listening socket blocks until the handshake is over."""

    daemon_threads = True
    tls: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(HANDSHAKE_SECONDS)
        try:
            connection = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that gave up or does not trust the server: silent, as before
        connection.settimeout(None)  # the requests themselves wait as long as they did
        try:
            super().finish_request(connection, client_address)
        finally:
            self.shutdown_request(connection)


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] | None = None
    delay: float = 0.0  # seconds to stall before the body: for read timeouts
    declare_length: bool = True


@dataclass
class ServerPki:
    ca: pki.Issued
    ca_file: Path
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_server_pki(folder: Path, names: list[str] | None = None) -> ServerPki:
    ca = pki.make_ca("download-test-ca")
    server = pki.make_leaf(
        ca, "127.0.0.1", client=False, server_names=names or ["127.0.0.1", "localhost"]
    )
    pki.write_files(
        folder, {"ca.pem": ca.cert_pem, "srv.pem": server.cert_pem, "srv.key": server.key_pem()}
    )
    return ServerPki(ca, folder / "ca.pem", folder / "srv.pem", folder / "srv.key")


def _handler(routes: dict[str, Route], seen: list[dict[str, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            route = routes.get(self.path.split("?")[0], Route(404, b"not found"))
            self.send_response(route.status)
            for key, value in (route.headers or {}).items():
                self.send_header(key, value)
            if route.declare_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            time.sleep(route.delay)
            self.wfile.write(route.body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_https(
    server_pki: ServerPki, routes: dict[str, Route], host: str = "127.0.0.1"
) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Yield the base URL and the list of requests seen; stops the server afterwards."""
    seen: list[dict[str, str]] = []
    httpd = TlsHttpServer((host, 0), _handler(routes, seen))
    httpd.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    httpd.tls.load_cert_chain(server_pki.cert_file, server_pki.key_file)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://{host}:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
