"""The demo cluster: a fresh private CA and bundle, a mutual-TLS "cluster UI" and a bundle download,
all on 127.0.0.1, so a newcomer can try the whole flow without touching a real cluster.

Nothing here changes a trust store: the demo's files live in one temporary folder, removed on stop.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import ipaddress
import secrets
import shutil
import ssl
import tarfile
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from clustertrust.core import certinfo, fileio
from clustertrust.core.bundle.pieces import KURRENT_P12_PASSWORD
from clustertrust.core.i18n import language, tr
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

BUNDLE_NAME = "certificate_bundle.tar.gz"
LIFETIME_DAYS = 90
HOST = "127.0.0.1"
# What nginx answers a browser that sent no client certificate (ssl_verify_client on), word for
# word in English as nginx sends it: the demo shows what a real cluster would.
NO_CERT_PAGE = (
    b"<html><head><title>400 No required SSL certificate was sent</title></head>"
    b"<body><center><h1>400 Bad Request</h1></center>"
    b"<center>No required SSL certificate was sent</center></body></html>\n"
)


@dataclass(frozen=True)
class DemoPki:
    """The demo's certificates: a private CA, a client identity and the server's certificate."""

    cluster_id: str
    ca: x509.Certificate
    ca_key: ec.EllipticCurvePrivateKey = field(repr=False)
    client: x509.Certificate
    client_key: ec.EllipticCurvePrivateKey = field(repr=False)
    server: x509.Certificate
    server_key: ec.EllipticCurvePrivateKey = field(repr=False)

    def bundle_files(self) -> dict[str, bytes]:
        """The same four files a Kurrent Cloud certificate bundle holds."""
        p12 = pkcs12.serialize_key_and_certificates(
            b"client",
            self.client_key,
            self.client,
            [self.ca],
            serialization.BestAvailableEncryption(KURRENT_P12_PASSWORD.encode()),
        )
        key = self.client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        return {
            "ca.crt": certinfo.to_pem(self.ca),
            "tls.crt": certinfo.to_pem(self.client),
            "tls.key": key,
            "bundle.p12": p12,
        }

    def bundle_tgz(self) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
            for name, data in self.bundle_files().items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = (
                    len(data),
                    0o600 if name.endswith((".key", ".p12")) else 0o644,
                )
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


def make_demo_pki(cluster_id: str | None = None) -> DemoPki:
    """A fresh CA and the two certificates it signs; EC P-256 keys, so this takes milliseconds."""
    cluster_id = cluster_id or f"demo{secrets.token_hex(3)}"
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _sign(
        _builder(f"{cluster_id}-ca", f"{cluster_id}-ca", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        ),
        ca_key,
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _sign(
        _leaf(f"{cluster_id}-kurrentdb-client", ca, client_key, ExtendedKeyUsageOID.CLIENT_AUTH),
        ca_key,
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _sign(
        _leaf(
            f"{cluster_id}.demo.localhost", ca, server_key, ExtendedKeyUsageOID.SERVER_AUTH
        ).add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        ),
        ca_key,
    )
    return DemoPki(cluster_id, ca, ca_key, client, client_key, server, server_key)


def _builder(subject: str, issuer: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    start = certinfo.now() - dt.timedelta(minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=LIFETIME_DAYS))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _leaf(
    cn: str, ca: x509.Certificate, key: ec.EllipticCurvePrivateKey, usage: x509.ObjectIdentifier
) -> x509.CertificateBuilder:
    return (
        _builder(cn, certinfo.common_name(ca.subject), key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )


def _sign(builder: x509.CertificateBuilder, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    return builder.sign(key, hashes.SHA256())


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that fails the TLS handshake (no trust, wrong certificate) is normal here."""


def _cluster_handler(cluster_id: str) -> type[BaseHTTPRequestHandler]:
    class ClusterUI(BaseHTTPRequestHandler):
        timeout = 15
        server_version = "ClusterTrustDemo"

        def do_GET(self) -> None:
            peer = self.connection.getpeercert()
            if not peer:
                self._answer(400, NO_CERT_PAGE)
                return
            subject = dict(part[0] for part in peer.get("subject", ()))
            who = html.escape(str(subject.get("commonName", "?")))
            title = tr("{cluster} cluster UI").format(cluster=cluster_id)
            heading = tr("ClusterTrust demo cluster {cluster}").format(cluster=cluster_id)
            said = tr("Connected with the client certificate {name}.").format(name=who)
            page = (
                f'<html lang="{language() or "en"}"><head><title>{title}</title></head><body>'
                f"<h1>{heading}</h1><p>{said}</p></body></html>\n"
            )
            self._answer(200, page.encode())

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ClusterUI


def _download_handler(payload: bytes) -> type[BaseHTTPRequestHandler]:
    class BundleDownload(BaseHTTPRequestHandler):
        timeout = 15

        def do_GET(self) -> None:
            if self.path.split("?")[0] != f"/{BUNDLE_NAME}":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return BundleDownload


def _serve(handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext) -> _QuietServer:
    server = _QuietServer((HOST, 0), handler)
    # The handshake then happens in each request's thread, not in the accepting one.
    server.socket = context.wrap_socket(
        server.socket, server_side=True, do_handshake_on_connect=False
    )
    threading.Thread(
        target=server.serve_forever, args=(0.05,), name="demo-https", daemon=True
    ).start()
    return server


@dataclass
class DemoCluster:
    """A running demo: `ui_url` demands the client certificate, `bundle_url` serves the bundle."""

    pki: DemoPki
    folder: Path
    servers: list[_QuietServer]
    owns_folder: bool
    ports: tuple[int, int] = (0, 0)  # cluster UI, bundle download

    @property
    def ui_url(self) -> str:
        return f"https://{HOST}:{self.ports[0]}/"

    @property
    def bundle_url(self) -> str:
        return f"https://{HOST}:{self.ports[1]}/{BUNDLE_NAME}"

    @property
    def sandbox(self) -> Path:
        """Where the demo's install goes instead of the real stores."""
        return self.folder / "sandbox"

    def download_context(self) -> ssl.SSLContext:
        """Trusts only the demo's CA: enough to fetch the bundle before anything is installed."""
        return ssl.create_default_context(cadata=certinfo.to_pem(self.pki.ca).decode())

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers = []
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> DemoCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo(folder: Path | None = None, pki: DemoPki | None = None) -> DemoCluster:
    """Generate (or reuse) the demo PKI and start both HTTPS servers on 127.0.0.1."""
    pki = pki or make_demo_pki()
    owns = folder is None
    root = Path(tempfile.mkdtemp(prefix="clustertrust-demo-")) if folder is None else folder
    (root / "sandbox").mkdir(parents=True, exist_ok=True)
    ui, download = _server_contexts(pki, root / "server")
    servers = [_serve(_cluster_handler(pki.cluster_id), ui)]
    servers.append(_serve(_download_handler(pki.bundle_tgz()), download))
    ports = (servers[0].server_address[1], servers[1].server_address[1])
    return DemoCluster(pki, root, servers, owns, (int(ports[0]), int(ports[1])))


def _server_contexts(pki: DemoPki, folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """ssl only loads a server identity from files: write them 0600 in the demo's own folder."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "server.crt", folder / "server.key"
    cert.write_bytes(certinfo.to_pem(pki.server) + certinfo.to_pem(pki.ca))
    fileio.write_atomic(
        key,
        pki.server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    contexts = []
    for demand_client in (True, False):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        if demand_client:
            # Optional, like nginx: no certificate gets the 400 page; a foreign one fails.
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(cadata=certinfo.to_pem(pki.ca).decode())
        contexts.append(context)
    return contexts[0], contexts[1]
