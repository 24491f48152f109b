"""Where the installed client identity files are: the one lookup the verify command, the wizard,
client settings and renewal share (the files themselves are written by platform/identity_files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clustertrust.core import paths
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import State

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
