"""Where the installed client identity files are: the one lookup the verify command, the wizard,
client settings and renewal share (the files themselves are written by platform/identity_files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clustertrust.core import paths
from clustertrust.core.errors import InputError
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import State

if TYPE_CHECKING:
    from clustertrust.core.bundle.reader import Bundle

NAME = "identity-files"  # the store's id in the ledger


@dataclass(frozen=True)
class IdentityPaths:
    folder: Path
    ca: Path  # ca.crt: the bundle's CA certificates (PEM)
    cert: Path  # tls.crt: the client certificate (PEM), then any intermediates
    key: Path  # tls.key: the client's private key, unencrypted PKCS#8 PEM, mode 0600
    sha256: str  # of the client certificate

    @classmethod
    def at(cls, folder: Path, sha256: str) -> IdentityPaths:
        return cls(folder, folder / "ca.crt", folder / "tls.crt", folder / "tls.key", sha256)


def default_root() -> Path:
    return paths.data_dir() / "identities"


def identity_paths(ledger: Ledger | None = None, sha256: str = "") -> IdentityPaths | None:
    """The newest installed identity (or the one whose client SHA-256 starts with `sha256`)."""
    records = [
        r for r in (ledger or Ledger()).find(sha256, store=NAME) if r.state == State.DONE.value
    ]
    if not records:
        return None
    newest = max(records, key=lambda r: r.installed_at)
    return IdentityPaths.at(Path(newest.location), newest.sha256)


def installed_bundle(ledger: Ledger | None = None, sha256: str = "") -> Bundle:
    """The installed client identity (the newest, or the one with this SHA-256) read as a bundle,
    for verify and renewal checks in both front ends; InputError (exit 2) when there is none."""
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.source.load import load_source

    found = identity_paths(ledger, sha256)
    if found is None:
        raise InputError(
            "No client identity is installed by ClusterTrust, and no bundle was given.",
            "Install the cluster's bundle first (the wizard, or clustertrust install BUNDLE), "
            "or give the bundle to verify with (clustertrust verify URL --bundle BUNDLE).",
        )
    if not found.folder.is_dir():
        raise InputError(
            f"The installed client identity's files are missing from {found.folder}.",
            "Install the bundle again (the wizard, or clustertrust install BUNDLE), or give it "
            "to verify with (clustertrust verify URL --bundle BUNDLE).",
        )
    return read_bundle(load_source(str(found.folder)))
