"""A local HTTPS imitation of the Kurrent Cloud endpoints ClusterTrust uses, and an in-memory
keyring backend.

Imitated: `POST /oauth/token` (grant_type=refresh_token; an unknown or expired refresh token is
answered 403 invalid_grant, as Auth0-style identity services do) and `GET /mesdb/v1/
organizations/{org}/projects/{project}/shared/clusters[/{id}[/certificate]]` with bearer tokens
(401 for a missing, unknown or expired access token, 404 for unknown ids). The certificate body
is served as the tar.gz itself, base64 text of it, or JSON (`body_mode`).
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors

from support import pki
from support.https_server import TlsHttpServer

CLIENT_ID = "test-client-id"
PREFIX = "/mesdb/v1/organizations/"
ORG, PROJECT, CLUSTER = "org-1", "proj-1", "d4f2example"
REFRESH = "rt-valid-0123456789abcdef"
EXPIRED = "rt-expired-0123456789abcdef"
UI = f"https://{CLUSTER}.mesdb.example:2113"


@dataclass
class CloudState:
    refresh_tokens: set[str] = field(default_factory=set)
    expired_refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    expired_access_tokens: set[str] = field(default_factory=set)
    # (org, project) -> cluster id -> cluster JSON as the API returns it
    projects: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    bundles: dict[str, dict[str, bytes]] = field(default_factory=dict)  # cluster id -> files
    body_mode: str = "tgz"  # tgz | base64 | json | json_files | garbage
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.__dict__.update(CloudState().__dict__)

    def expire_access_tokens(self) -> None:
        self.expired_access_tokens |= self.access_tokens
        self.access_tokens.clear()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        self._record("POST", form)
        state = self.server.state
        if self.path != "/oauth/token":
            return self._json(404, {"message": "not found"})
        if form.get("grant_type") != "refresh_token" or form.get("client_id") != CLIENT_ID:
            return self._json(400, {"error": "unsupported_grant_type"})
        token = form.get("refresh_token", "")
        if token not in state.refresh_tokens:
            return self._json(
                403,
                {
                    "error": "invalid_grant",
                    "error_description": "Unknown or invalid refresh token.",
                },
            )
        access = "at-" + secrets.token_urlsafe(24)
        state.access_tokens.add(access)
        self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 86400})

    def do_GET(self) -> None:
        self._record("GET", None)
        state = self.server.state
        auth = self.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        if token in state.expired_access_tokens:
            return self._json(401, {"message": "Token expired"}, expired=True)
        if token not in state.access_tokens:
            return self._json(401, {"message": "Unauthorized"})
        parts = self.path.removeprefix(PREFIX).split("/")
        shape_ok = (
            len(parts) >= 5 and parts[1] == "projects" and parts[3:5] == ["shared", "clusters"]
        )
        if not self.path.startswith(PREFIX) or not shape_ok:
            return self._json(404, {"message": "no such route"})
        clusters = state.projects.get((parts[0], parts[2]))
        if clusters is None:
            return self._json(404, {"message": "project not found"})
        rest = parts[5:]
        if not rest:
            return self._json(200, {"clusters": list(clusters.values())})
        if rest[0] not in clusters:
            return self._json(404, {"message": "cluster not found"})
        if len(rest) == 1:
            return self._json(200, {"cluster": clusters[rest[0]]})
        if rest[1:] == ["certificate"] and rest[0] in state.bundles:
            return self._certificate(state.bundles[rest[0]], state.body_mode)
        return self._json(404, {"message": "not found"})

    def _certificate(self, files: dict[str, bytes], mode: str) -> None:
        tgz = pki.tar_bytes(files)
        if mode == "tgz":
            return self._send(200, tgz, "application/gzip")
        if mode == "base64":
            return self._send(200, base64.encodebytes(tgz), "text/plain")
        if mode == "json":
            return self._json(
                200,
                {
                    "certificate": {
                        "fileName": "certificate_bundle.tar.gz",
                        "data": base64.b64encode(tgz).decode(),
                    }
                },
            )
        if mode == "json_files":
            pem = {k: v.decode() for k, v in files.items() if not k.endswith(".p12")}
            return self._json(200, {"files": pem})
        return self._send(200, b"<html>maintenance</html>", "text/html")

    def _record(self, method: str, form: dict[str, str] | None) -> None:
        self.server.state.requests.append(
            {"method": method, "path": self.path, "headers": dict(self.headers), "form": form}
        )

    def _json(self, status: int, document: Any, expired: bool = False) -> None:
        extra = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if expired else {}
        self._send(status, json.dumps(document).encode(), "application/json", extra)

    def _send(
        self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(TlsHttpServer):
    state: CloudState


@dataclass
class CloudServer:
    url: str
    state: CloudState
    ca_path: Path
    context: ssl.SSLContext  # a client context that trusts the imitation's server certificate


def server_identity(folder: Path) -> tuple[Path, Path, Path]:
    ca = pki.make_ca("cloud-imitation-ca")
    leaf = pki.make_leaf(ca, "127.0.0.1", client=False, server_names=["127.0.0.1", "localhost"])
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    for path, data in zip(paths, (ca.cert_pem, leaf.cert_pem, leaf.key_pem()), strict=True):
        path.write_bytes(data)
    return paths


def one_project(state: CloudState, bundle: dict[str, bytes]) -> None:
    """From scratch: the tests' project, with CLUSTER (available at UI, serving `bundle`) and a
    cluster still provisioning; REFRESH is a valid refresh token, EXPIRED an expired one."""
    state.reset()
    state.refresh_tokens.add(REFRESH)
    state.expired_refresh_tokens.add(EXPIRED)
    state.projects[(ORG, PROJECT)] = {
        CLUSTER: {"id": CLUSTER, "description": "orders", "status": "available",
                  "addresses": {"ui": UI}},
        "other": {"id": "other", "description": "staging", "status": "provisioning"},
    }  # fmt: skip
    state.bundles[CLUSTER] = bundle


def run_cloud_server(folder: Path) -> Iterator[CloudServer]:
    ca_path, cert, key = server_identity(folder)
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.state = CloudState()
    httpd.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    httpd.tls.load_cert_chain(cert, key)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    client = ssl.create_default_context(cafile=str(ca_path))
    try:
        yield CloudServer(
            f"https://127.0.0.1:{httpd.server_address[1]}", httpd.state, ca_path, client
        )
    finally:
        httpd.shutdown()
        httpd.server_close()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """The in-memory keyring backend every test uses instead of the desktop's."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry")


class LockedKeyring(MemoryKeyring):
    """A keyring that refuses every access, as a locked or missing Secret Service does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the keyring is locked")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the keyring is locked")
