"""A cluster whose vendor renews the client certificate, then rotates the CA; the cluster UI that
follows it (nginx logging each request's client certificate); and the checks the lifecycle tests
make after every step: each browser database with certutil, the identity files, real Firefox."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from clustertrust.core.install.identity import default_root
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from support import browsers, pki
from support.firefox import FIREFOX, open_in_firefox, refusals
from support.servers import ClientLoggingUI, free_port
from support.tls_peers import SERVER_NAMES, write_pair

CLUSTER = "d4f2example"
CA_NAME, CLIENT_NAME = f"{CLUSTER}-ca", f"{CLUSTER}-kurrentdb-client"
DAY_AGO, HOUR_AGO = pki.NOW - dt.timedelta(days=1), pki.NOW - dt.timedelta(hours=1)
PROFILES = ("default-release", "work")
CHROMIUM, DEFAULT, WORK = "Chromium", "Firefox (profile default-release)", "Firefox (profile work)"
PROFILE_NAMES = (DEFAULT, WORK)
LATE = "Firefox (profile late)"  # a profile made after the install
REAL_BROWSERS = [  # the lifecycle tests' pytestmark
    pytest.mark.slow,
    pytest.mark.skipif(not FIREFOX, reason="needs Firefox (Debian package firefox-esr)"),
]


@dataclass(frozen=True)
class Rotation:
    """A cluster whose vendor renewed the client certificate, then rotated the CA (same name)."""

    ca1: pki.Issued
    ca2: pki.Issued
    client1: pki.Issued
    client2: pki.Issued
    client3: pki.Issued
    server1: pki.Issued
    server2: pki.Issued


def make_rotation() -> Rotation:
    """CA1 and its certificates from a day ago; CA2, of the same name, from an hour ago."""
    ca1, ca2 = pki.make_ca(CA_NAME, not_before=DAY_AGO), pki.make_ca(CA_NAME, not_before=HOUR_AGO)
    return Rotation(
        ca1,
        ca2,
        client_of(ca1, DAY_AGO),
        client_of(ca1, DAY_AGO),
        client_of(ca2, HOUR_AGO),
        pki.make_leaf(ca1, "cluster-ui", client=False, server_names=SERVER_NAMES),
        pki.make_leaf(ca2, "cluster-ui", client=False, server_names=SERVER_NAMES),
    )


def client_of(ca: pki.Issued, since: dt.datetime) -> pki.Issued:
    return pki.make_leaf(ca, CLIENT_NAME, not_before=since)


def kurrent_tgz(folder: Path, name: str, ca: pki.Issued, client: pki.Issued) -> Path:
    """The vendor's certificate_bundle.tar.gz (ca.crt, tls.crt, tls.key, bundle.p12)."""
    path = folder / name / "certificate_bundle.tar.gz"
    path.parent.mkdir()
    path.write_bytes(pki.tar_bytes(pki.KurrentBundle(ca, client, CLUSTER).files()))
    return path


@dataclass
class RotatingCluster:
    ui: ClientLoggingUI
    folder: Path

    def serve(self, server: pki.Issued, ca: pki.Issued) -> None:
        """The cluster's server certificate from `ca`, and client certificates from `ca` only."""
        name = hashlib.sha256(ca.cert_der).hexdigest()[:8]
        cert, key = write_pair(self.folder, f"server-{name}", server)
        client_ca = self.folder / f"client-ca-{name}.crt"
        client_ca.write_bytes(ca.cert_pem)
        self.ui.serve(cert, key, client_ca)


def start_cluster(folder: Path, rotation: Rotation) -> RotatingCluster:
    """The cluster UI on a free port, with its certificates from CA1."""
    cluster = RotatingCluster(ClientLoggingUI(folder, free_port()), folder)
    cluster.serve(rotation.server1, rotation.ca1)
    return cluster


@dataclass(frozen=True)
class Life:
    """What a lifecycle test works with: its HOME, a folder for bundles, the certificates,
    the cluster UI and the browser databases by name."""

    home: Path
    tmp: Path
    rotation: Rotation
    cluster: RotatingCluster
    dbs: dict[str, Path]

    def bundle(self, name: str, ca: pki.Issued, client: pki.Issued) -> Path:
        return kurrent_tgz(self.tmp, name, ca, client)


def set_up_consumers(databases: Iterable[str] = (CHROMIUM, *PROFILE_NAMES)) -> dict[str, str]:
    """A user-scope install: every browser and the command-line clients; the system store is
    named as not set up (it needs root)."""
    ok = dict.fromkeys([*databases, "Command-line clients"], "ok")
    return ok | {"System trust store": "not_set_up"}


def browser_databases(home: Path) -> dict[str, Path]:
    """Chromium's database and two started Firefox profiles, by the names status gives them."""
    found = {CHROMIUM: browsers.chromium(home)}
    for name, folder in browsers.firefox(home, dict.fromkeys(PROFILES, True)).items():
        found[f"Firefox (profile {name})"] = folder
    return found


def assert_holding(
    databases: dict[str, Path],
    ca: pki.Issued | None,
    client: pki.Issued | None,
    step: str,
    others: tuple[pki.Issued, ...] = (),
) -> None:
    """Every database: exactly this CA (trusted C) and this client certificate with its key,
    and the `others` (another cluster's CA and client), nothing else."""
    held = {name: browsers.held(db) for name, db in databases.items()}
    ours = [i for i in (ca, client, *others) if i is not None]
    cas = [i.cert for i in ours if _is_ca(i.cert)]
    want = browsers.expected(cas, [i.cert for i in ours if not _is_ca(i.cert)])
    assert held == dict.fromkeys(databases, want), f"after {step}"


def _is_ca(cert: x509.Certificate) -> bool:
    return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def identity_folders() -> dict[str, bytes]:
    """The identity files' folders (one per cluster) and the client certificate each holds."""
    root = default_root()
    folders = sorted(root.iterdir()) if root.is_dir() else []
    return {f.name: (f / "tls.crt").read_bytes() for f in folders}


def sha1(cert: x509.Certificate) -> str:
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def firefox_reaches(home: Path, profile: Path, ui: ClientLoggingUI, client: pki.Issued) -> None:
    """nginx answers this profile's Firefox 200, with exactly this client certificate."""
    before = len(ui.answers("Firefox"))
    seconds = open_in_firefox(home, profile, ui.url, lambda: len(ui.answers("Firefox")) > before)
    answered = ui.answers("Firefox")[before:]
    wanted = {(200, "SUCCESS", sha1(client.cert))}
    got = {(a.status, a.verify, a.client_sha1) for a in answered}
    assert answered and got == wanted, f"{profile.name}: {answered} ({seconds:.1f} s)"


def firefox_refused(home: Path, profile: Path, ui: ClientLoggingUI) -> None:
    before, refused = len(ui.answers("Firefox")), refusals(ui.error_log)
    seconds = open_in_firefox(home, profile, ui.url, lambda: refusals(ui.error_log) > refused)
    assert refusals(ui.error_log) > refused, f"Firefox did not refuse ({seconds:.1f} s)"
    assert ui.answers("Firefox")[before:] == [], "Firefox reached the UI"
