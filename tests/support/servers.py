"""Real servers on 127.0.0.1 for tests: nginx (Debian package) configured per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def mtls_server_block(
    port: int,
    cert: Path,
    key: Path,
    client_ca: Path | None,
    *,
    host: str = "127.0.0.1",
    verify_client: str = "on",
    body: str = "cluster UI",
) -> str:
    """An HTTPS server; with client_ca, client certificates are demanded (ssl_verify_client)."""
    client = (
        f"ssl_client_certificate {client_ca}; ssl_verify_client {verify_client}; "
        "ssl_verify_depth 2;"
        if client_ca
        else ""
    )
    return f"""
    server {{
        listen {host}:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {client}
        location / {{ return 200 "{body}\\n"; }}
    }}"""


def plain_http_block(port: int, host: str = "127.0.0.1") -> str:
    return f"""
    server {{
        listen {host}:{port};
        location / {{ return 200 "plain http\\n"; }}
    }}"""


@dataclass
class NginxServer:
    prefix: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""


def start_nginx(prefix: Path, server_blocks: list[str], ports: list[int]) -> NginxServer:
    """Run nginx in the foreground with only the given server blocks; waits until ports listen."""
    prefix.mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""{user}
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    {"".join(server_blocks)}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = NginxServer(prefix, process)
    try:
        for port in ports:
            wait_for_port(port)
    except TimeoutError as exc:
        server.stop()
        err = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"nginx did not start: {err}\n{server.error_log}") from exc
    return server


@dataclass(frozen=True)
class Answer:
    """One request in ClientLoggingUI's access log."""

    status: int
    verify: str  # nginx's $ssl_client_verify: SUCCESS, NONE, FAILED:reason
    client_sha1: str  # $ssl_client_fingerprint: the client certificate's SHA-1, "-" if none
    agent: str


CLIENT_LOG = (
    "log_format clients '$status $ssl_client_verify $ssl_client_fingerprint \"$http_user_agent\"';"
)


@dataclass
class ClientLoggingUI:
    """A cluster UI on one fixed port that demands client certificates and logs which one each
    request came with; `serve` restarts it with other certificates (a CA rotation)."""

    folder: Path
    port: int
    server: NginxServer | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def error_log(self) -> Path:
        return self.folder / "nginx/error.log"

    def serve(self, cert: Path, key: Path, client_ca: Path) -> None:
        self.stop()
        block = mtls_server_block(self.port, cert, key, client_ca).replace(
            "location /", f"access_log {self.access_log} clients;\n        location /"
        )
        self.server = start_nginx(self.folder / "nginx", [CLIENT_LOG, block], [self.port])

    def answers(self, agent: str = "") -> list[Answer]:
        text = self.access_log.read_text() if self.access_log.exists() else ""
        found = []
        for line in text.splitlines():
            status, verify, sha1, rest = line.split(" ", 3)
            if agent in rest:
                found.append(Answer(int(status), verify, sha1, rest.strip('"')))
        return found

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
