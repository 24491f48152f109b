"""Support for the report and renewal tests: real stores in a sandbox (an anchors folder, a real
NSS database driven by certutil/pk12util, identity files), the user's own ledger, a real nginx
cluster UI demanding client certificates, and a runner that remembers the secrets it was given."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.platform import detect
from clustertrust.platform.runner import DEFAULT_TIMEOUT, CommandResult, SubprocessRunner

from support import pki
from support.servers import NginxServer, free_port, mtls_server_block, start_nginx


@dataclass
class SecretsSpy:
    """Runs commands for real and keeps every secret handed to the runner, to search for later."""

    inner: SubprocessRunner = field(default_factory=SubprocessRunner)
    secrets: set[str] = field(default_factory=set)

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secrets: Iterable[str] = (),
        check: bool = True,
    ) -> CommandResult:
        secrets = tuple(secrets)
        self.secrets.update(s for s in secrets if s)
        return self.inner.run(argv, input=input, timeout=timeout, secrets=secrets, check=check)


def sandbox(root: Path, runner: SecretsSpy) -> detect.Setup:
    """The demo's sandbox stores, but recorded in the user's own ledger (as `status` reads it)."""
    return dataclasses.replace(detect.sandbox_setup(root, runner), ledger=Ledger())


def install(bundle: Bundle, setup: detect.Setup) -> plans.Plan:
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    plans.apply_plan(plan, setup.ledger)
    return plan


@dataclass
class Cluster:
    server: NginxServer
    url: str


def start_cluster(folder: Path, ca: pki.Issued) -> Cluster:
    """A cluster UI on 127.0.0.1 with a server certificate from `ca`, demanding a client
    certificate from `ca`."""
    server = pki.make_leaf(ca, "127.0.0.1", client=False, server_names=["127.0.0.1"])
    folder.mkdir(parents=True, exist_ok=True)
    files = {"ca.pem": ca.cert_pem, "server.pem": server.cert_pem, "server.key": server.key_pem()}
    pki.write_files(folder, files)
    port = free_port()
    block = mtls_server_block(port, folder / "server.pem", folder / "server.key", folder / "ca.pem")
    return Cluster(start_nginx(folder / "nginx", [block], [port]), f"https://127.0.0.1:{port}/")
