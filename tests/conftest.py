"""Shared fixtures. Qt runs offscreen: set before anything can import Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from clustertrust.core.bundle import Bundle, read_bundle
from clustertrust.core.source import load_source
from support import pki
from support.cli_runs import XDG_FOLDERS
from support.cloud_server import MemoryKeyring
from support.rotation import (
    Life,
    RotatingCluster,
    Rotation,
    browser_databases,
    make_rotation,
    start_cluster,
)
from support.tls_peers import Cluster, NginxSetup, shared_cluster, start_cluster_nginx


@pytest.fixture(scope="session")
def kurrent() -> pki.KurrentBundle:
    """One Kurrent-style CA + client pair, shared: key generation is the slow part."""
    return pki.kurrent_bundle()


@pytest.fixture
def kurrent_tgz(tmp_path: Path, kurrent: pki.KurrentBundle) -> Path:
    path = tmp_path / "certificate_bundle.tar.gz"
    path.write_bytes(pki.tar_bytes(kurrent.files()))
    return path


@pytest.fixture
def bundle(kurrent_tgz: Path) -> Bundle:
    """The Kurrent bundle as the reader makes it from the vendor's tar.gz."""
    return read_bundle(load_source(str(kurrent_tgz)))


@pytest.fixture(scope="session")
def cluster(kurrent: pki.KurrentBundle) -> Cluster:
    """A server PKI for that bundle's cluster (the CA signs a server certificate too)."""
    return shared_cluster(kurrent)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[NginxSetup]:
    """nginx serving that cluster on 127.0.0.x; `url("mtls")` demands the client certificate."""
    setup = start_cluster_nginx(tmp_path_factory.mktemp("nginx"), cluster)
    yield setup
    setup.server.stop()


@pytest.fixture(scope="session")
def qapp_cls() -> type:
    """pytest-qt's QApplication is the one `clustertrust` makes (it follows a palette switch)."""
    from clustertrust.gui.theme import ThemedApplication

    return ThemedApplication


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own HOME and XDG folders, so no test touches the real user's state."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in XDG_FOLDERS.items():
        monkeypatch.setenv(var, str(home / sub))
    runtime = home / "run"  # the session's runtime folder, where temporary key material goes
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an in-memory keyring, so no test reads or writes the OS keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def rotation() -> Rotation:
    """One cluster's certificates through a client renewal and a CA rotation, shared."""
    return make_rotation()


@pytest.fixture
def rotating_cluster(tmp_path: Path, rotation: Rotation) -> Iterator[RotatingCluster]:
    """Its UI on 127.0.0.1, with certificates from the first CA until a test moves it."""
    cluster = start_cluster(tmp_path / "cluster", rotation)
    yield cluster
    cluster.ui.stop()


@pytest.fixture
def browser_dbs(isolated_dirs: Path) -> dict[str, Path]:
    """Chromium's and two Firefox profiles' real NSS databases in the test's HOME, by name."""
    return browser_databases(isolated_dirs)


@pytest.fixture
def life(
    isolated_dirs: Path,
    tmp_path: Path,
    rotation: Rotation,
    rotating_cluster: RotatingCluster,
    browser_dbs: dict[str, Path],
) -> Life:
    """Everything a lifecycle test (install, renew, repair, remove in real browsers) uses."""
    return Life(isolated_dirs, tmp_path, rotation, rotating_cluster, browser_dbs)
