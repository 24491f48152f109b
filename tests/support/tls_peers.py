"""Loopback peers for verify tests: a Python `ssl` server that refuses client certificates with
TLS alerts, a listener that never answers, a small CONNECT proxy, and the nginx setups.

Everything listens on 127.0.0.x only and stops when its test module is done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.certinfo import common_name
from clustertrust.core.source.load import SourceData
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from support import pki
from support.servers import (
    NginxServer,
    free_port,
    mtls_server_block,
    plain_http_block,
    start_nginx,
    wait_for_port,
)


def _listener(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(16)
    return sock


class _Peer:
    """A listening socket served by one daemon thread per accepted connection."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = _listener(host)
        self.host = host
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self._stopped = threading.Event()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}/"

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):  # wakes the accept loop: close alone leaves it
            self.sock.shutdown(socket.SHUT_RDWR)  # blocked, and the port listening, for good
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()


class SilentListener(_Peer):
    """Accepts TCP connections and never says a word (a hung service, a black-holed port)."""

    def serve(self, conn: socket.socket) -> None:
        self._stopped.wait()


class AlertingTlsServer(_Peer):
    """Python `ssl` server that demands a client certificate the way OpenSSL servers do:
    no certificate -> certificate_required alert (TLS 1.3) or handshake_failure (TLS 1.2);
    a certificate from another CA -> unknown_ca; an expired one -> certificate_expired."""

    def __init__(
        self, server: pki.Issued, client_ca: pki.Issued, folder: Path, tls12: bool = False
    ):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "server.crt").write_bytes(server.cert_pem)
        (folder / "server.key").write_bytes(server.key_pem())
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(folder / "server.crt", folder / "server.key")
        self.context.load_verify_locations(cadata=client_ca.cert_pem.decode())
        self.context.verify_mode = ssl.CERT_REQUIRED
        if tls12:
            self.context.maximum_version = ssl.TLSVersion.TLSv1_2
        self.refusals: list[str] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        tls = self.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
            tls.recv(4096)
            self.answer(tls)
        except (ssl.SSLError, OSError) as exc:
            self.refusals.append(str(getattr(exc, "reason", exc)))
            _linger_close(conn)
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def answer(self, tls: ssl.SSLSocket) -> None:
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")


class TricklingTlsServer(AlertingTlsServer):
    """Completes the handshake, then sends its HTTP answer one byte a second: every single read
    is quick, only the whole answer is not."""

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Slow: " + b"." * 200 + b"\r\n\r\nok\n"

    def answer(self, tls: ssl.SSLSocket) -> None:
        for byte in self.ANSWER:
            if self._stopped.wait(1.0):
                return
            tls.sendall(bytes([byte]))


def _linger_close(conn: socket.socket) -> None:
    """Close like a real server: stop sending, read what the client already sent, then close,
    so the client reads the alert instead of a TCP reset."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(1)
        while conn.recv(4096):
            pass


class ConnectProxy(_Peer):
    """A minimal HTTP proxy that only does CONNECT tunnels, and only to loopback addresses."""

    def __init__(self, require_auth: str | None = None) -> None:
        self.tunnels: list[str] = []  # every CONNECT target asked for, in order
        self.require_auth = require_auth  # expected Proxy-Authorization value, if any
        super().__init__()

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with conn:
            head = _read_head(conn)
            if head is None:
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = ([*lines[0].split(" "), "", ""])[:3]
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
            }
            if method != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            if self.require_auth and headers.get("proxy-authorization") != self.require_auth:
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
                )
                return
            self.tunnels.append(target)
            self._tunnel(conn, target)

    def _tunnel(self, conn: socket.socket, target: str) -> None:
        host, _, port = target.rpartition(":")
        if not host.startswith("127.") and host != "localhost":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            upstream = socket.create_connection((host, int(port)), timeout=5)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(conn, upstream)


def _read_head(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data.split(b"\r\n\r\n", 1)[0]


def _pipe(a: socket.socket, b: socket.socket) -> None:
    peers = {a: b, b: a}
    while True:
        ready, _, _ = select.select(list(peers), [], [], 10)
        if not ready:
            return
        for sock in ready:
            try:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
            except OSError:  # either side went away: the tunnel is over
                return


@dataclass
class Cluster:
    """All certificates for one test run: the bundle's CA and everything the servers present."""

    bundle: pki.KurrentBundle
    other_ca: pki.Issued  # an unrelated CA
    rotated_ca: pki.Issued  # same name as the bundle's CA, new key: the vendor rotated it
    server: pki.Issued  # signed by the bundle's CA, for 127.0.0.1 and localhost
    other_server: pki.Issued
    rotated_server: pki.Issued
    expired_server: pki.Issued
    other_client: pki.Issued  # a client certificate from the other CA
    expired_client: pki.Issued  # from the bundle's CA, expired


SERVER_NAMES = ["127.0.0.1", "localhost"]


def make_cluster(bundle: pki.KurrentBundle) -> Cluster:
    ca = bundle.ca
    client_cn = common_name(bundle.client.cert.subject)
    other = pki.make_ca("someone-else-ca", "p256")
    later = pki.NOW - dt.timedelta(hours=1)  # the vendor rotated the CA after the bundle was made
    rotated = pki.make_ca(common_name(ca.cert.subject), "p256", not_before=later)
    old = pki.NOW - dt.timedelta(days=120)
    return Cluster(
        bundle=bundle,
        other_ca=other,
        rotated_ca=rotated,
        server=pki.make_leaf(ca, "cluster-ui", "p256", client=False, server_names=SERVER_NAMES),
        other_server=pki.make_leaf(
            other, "cluster-ui", "p256", client=False, server_names=SERVER_NAMES
        ),
        rotated_server=pki.make_leaf(
            rotated,
            "cluster-ui",
            "p256",
            client=False,
            server_names=SERVER_NAMES,
            not_before=later,
        ),
        expired_server=pki.make_leaf(
            ca,
            "cluster-ui",
            "p256",
            client=False,
            server_names=SERVER_NAMES,
            not_before=old,
            days=30,
        ),
        other_client=pki.make_leaf(other, client_cn, "p256"),
        expired_client=pki.make_leaf(ca, client_cn, "p256", not_before=old, days=30),
    )


def write_pair(folder: Path, name: str, issued: pki.Issued) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    cert.write_bytes(issued.cert_pem)
    key.write_bytes(issued.key_pem())
    key.chmod(0o600)
    return cert, key


def answer_block(
    port: int,
    cert: Path,
    key: Path,
    client_ca: Path,
    status: int,
    protocols: str = "TLSv1.2 TLSv1.3",
) -> str:
    """An mTLS server whose UI answers a fixed status (401 login page, 502 broken backend).
    nginx 1.22 speaks TLS 1.2 only unless told: the plain mTLS blocks cover 1.2, these 1.3."""
    return f"""
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_protocols {protocols};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_client_certificate {client_ca}; ssl_verify_client on;
        location / {{ return {status} "status {status}\\n"; }}
    }}"""


@dataclass
class NginxSetup:
    """One nginx with one server block per scenario; ports by scenario name."""

    server: NginxServer
    ports: dict[str, int]
    mismatch_host: str = "127.0.0.2"

    def url(self, name: str) -> str:
        host = self.mismatch_host if name == "mismatch" else "127.0.0.1"
        return f"https://{host}:{self.ports[name]}/"


def start_cluster_nginx(folder: Path, cluster: Cluster) -> NginxSetup:
    ca_file = folder / "client-ca.crt"
    folder.mkdir(parents=True, exist_ok=True)
    ca_file.write_bytes(cluster.bundle.ca.cert_pem)
    names = [
        "mtls",
        "other_ca",
        "rotated_ca",
        "expired",
        "mismatch",
        "plain",
        "login",
        "broken",
        "optional",
        "mtls13",
    ]
    ports = {name: free_port() for name in names}
    ports["mismatch"] = free_port("127.0.0.2")
    pairs = {
        "good": write_pair(folder, "good", cluster.server),
        "other": write_pair(folder, "other", cluster.other_server),
        "rotated": write_pair(folder, "rotated", cluster.rotated_server),
        "expired": write_pair(folder, "expired", cluster.expired_server),
    }
    only_one_name = pki.make_leaf(
        cluster.bundle.ca,
        "cluster-ui",
        "p256",
        client=False,
        server_names=["127.0.0.1", "cluster-ui.example"],
    )
    pairs["one_name"] = write_pair(folder, "one_name", only_one_name)
    blocks = [
        mtls_server_block(ports["mtls"], *pairs["good"], ca_file),
        mtls_server_block(ports["other_ca"], *pairs["other"], ca_file),
        mtls_server_block(ports["rotated_ca"], *pairs["rotated"], ca_file),
        mtls_server_block(ports["expired"], *pairs["expired"], ca_file),
        mtls_server_block(ports["mismatch"], *pairs["one_name"], ca_file, host="127.0.0.2"),
        plain_http_block(ports["plain"]),
        answer_block(ports["login"], *pairs["good"], ca_file, 401),
        answer_block(ports["broken"], *pairs["good"], ca_file, 502),
        mtls_server_block(ports["optional"], *pairs["good"], None),
        answer_block(ports["mtls13"], *pairs["good"], ca_file, 200, protocols="TLSv1.3"),
    ]
    server = start_nginx(folder / "nginx", blocks, [])
    for name, port in ports.items():
        wait_for_port(port, host="127.0.0.2" if name == "mismatch" else "127.0.0.1")
    return NginxSetup(server, ports)


def bundle_of(files: dict[str, bytes], origin: str = "test bundle") -> Bundle:
    return read_bundle(SourceData(origin, tuple(files.items())))


def identity_files(ca: pki.Issued, client: pki.Issued) -> dict[str, bytes]:
    return {"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem, "tls.key": client.key_pem()}


_CLUSTERS: dict[int, Cluster] = {}


def shared_cluster(bundle: pki.KurrentBundle) -> Cluster:
    """Key generation is the slow part: every test module shares one set per Kurrent bundle."""
    if id(bundle) not in _CLUSTERS:
        _CLUSTERS[id(bundle)] = make_cluster(bundle)
    return _CLUSTERS[id(bundle)]


def make_intermediate(root: pki.Issued, cn: str) -> pki.Issued:
    """A CA signed by `root` (pki.make_ca only makes self-signed roots)."""
    key = pki.new_key("p256")
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.NOW - dt.timedelta(days=1))
        .not_valid_after(pki.NOW + dt.timedelta(days=60))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(root.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return pki.Issued(cert, key)
