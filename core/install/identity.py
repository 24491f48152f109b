"""Where the installed client identity files are: the one lookup the verify command, the wizard,
client settings and renewal share (the files themselves are written by platform/identity_files)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clustertrust.core import certinfo, fileio, paths
from clustertrust.core.consumer_names import IDENTITY_FILES
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Kind, Record, State, cluster_groups
from clustertrust.core.remedy import Action, Remedy
from cryptography import x509

if TYPE_CHECKING:
    from clustertrust.core.bundle.reader import Bundle

NAME = IDENTITY_FILES  # the store's id in the ledger
MATERIAL_BYTES = 1 << 20  # each of ca.crt, tls.crt, tls.key: a few KiB when ClusterTrust wrote it
TIME_CODES = {"expired", "not_yet_valid"}  # what status and verify report, not a changed file

INSTALL = Remedy(Action.INSTALL, ("BUNDLE",))
WITH_BUNDLE = Remedy(Action.VERIFY, ("URL", "--bundle", "BUNDLE"))


@dataclass(frozen=True)
class IdentityPaths:
    folder: Path
    ca: Path  # ca.crt: the bundle's CA certificates (PEM)
    cert: Path  # tls.crt: the client certificate (PEM), then any intermediates
    key: Path  # tls.key: the client's private key, unencrypted PKCS#8 PEM, mode 0600
    sha256: str  # of the client certificate

    @property
    def all(self) -> tuple[Path, Path, Path]:
        return (self.ca, self.cert, self.key)

    @classmethod
    def at(cls, folder: Path, sha256: str) -> IdentityPaths:
        return cls(folder, folder / "ca.crt", folder / "tls.crt", folder / "tls.key", sha256)


def default_root() -> Path:
    return paths.data_dir() / "identities"


def client_of(ledger: Ledger, cas: Iterable[str]) -> str:
    """The SHA-256 of the newest client identity (in the identity files) of the clusters with
    these CAs, by the one grouping rule (model.group_items); "" if none."""
    wanted = set(cas)
    done = [r for r in ledger.records() if r.state == State.DONE.value]
    clusters = cluster_groups(done, kept_ca_fingerprints)
    records = [
        r
        for c in clusters
        if c.ca is not None and c.ca.sha256 in wanted
        for r in c.records
        if r.store == NAME and r.kind == Kind.IDENTITY.value
    ]
    return max(records, key=lambda r: r.installed_at).sha256 if records else ""


def identity_paths(ledger: Ledger | None = None, sha256: str = "") -> IdentityPaths | None:
    """The newest installed identity (or the one whose client SHA-256 starts with `sha256`)."""
    record = _newest_record(ledger or Ledger(), sha256)
    return None if record is None else IdentityPaths.at(Path(record.location), record.sha256)


def _newest_record(ledger: Ledger, sha256: str) -> Record | None:
    records = [r for r in ledger.find(sha256, store=NAME) if r.state == State.DONE.value]
    return max(records, key=lambda r: r.installed_at) if records else None


def installed_bundle(ledger: Ledger | None = None, sha256: str = "") -> Bundle:
    """The installed client identity (the newest, or the one with this SHA-256) read as a bundle,
    for verify and renewal checks in both front ends; InputError (exit 2) when there is none, or
    when its files no longer hold what was installed (MaterialRefused)."""
    ledger = ledger or Ledger()
    record = _newest_record(ledger, sha256)
    if record is None:
        raise InputError(
            tr("No client identity is installed by ClusterTrust, and no bundle was given."),
            tr("Install the cluster's bundle first, or verify with the bundle itself."),
            (INSTALL, WITH_BUNDLE),
        )
    if not Path(record.location).is_dir():
        raise InputError(
            tr("The installed client identity's files are missing from {folder}.").format(
                folder=record.location
            ),
            tr("Install the bundle again, or verify with the bundle itself."),
            (INSTALL, WITH_BUNDLE),
        )
    ledger_cas = [r.sha256 for r in ledger.records() if r.kind == Kind.CA.value]
    return recorded_bundle(record, ledger_cas)


class MaterialRefused(InputError):
    """The identity files no longer hold what the ledger recorded: nothing is planned from them."""


def recorded_bundle(record: Record, ledger_cas: Iterable[str] = ()) -> Bundle:
    """The one place the identity files are read back as a bundle (repair, status, renewal and
    verify all come here): only when they hold what was written, that is the client the record
    names, CAs whose SHA-256 the ledger recorded, and a bundle that passes the checks (expiry
    aside: status and verify report that). MaterialRefused (exit 2) otherwise.

    `ledger_cas`: the ledger's CA fingerprints, for a record written before ledgers kept the
    fingerprints of the CAs beside each identity (`Record.ca_sha256`)."""
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.source.load import SourceData

    files = IdentityPaths.at(Path(record.location), record.sha256)
    origin = str(files.folder)
    data = tuple((str(p), fileio.read_own(p, MATERIAL_BYTES)) for p in files.all)
    bundle = read_bundle(SourceData(origin, data))
    problem = _not_as_recorded(bundle, record, ledger_cas)
    if problem:
        raise MaterialRefused(
            tr(
                "The identity files in {folder} {problem}, so ClusterTrust will not install, "
                "renew or verify anything from them; nothing was changed."
            ).format(folder=origin, problem=problem),
            tr(
                "If you did not change them, someone else did: check that folder. Then install "
                "the cluster's bundle again."
            ),
            (INSTALL,),
        )
    return bundle


def kept_ca_fingerprints(record: Record) -> list[str]:
    """The CAs an identity was installed with: as recorded, else as its ca.crt lists them now."""
    if record.ca_sha256:
        return record.ca_sha256.split()
    path = IdentityPaths.at(Path(record.location), record.sha256).ca
    try:
        return [certinfo.sha256(c) for c in x509.load_pem_x509_certificates(path.read_bytes())]
    except (OSError, ValueError):
        return []


def _not_as_recorded(bundle: Bundle, record: Record, ledger_cas: Iterable[str]) -> str:
    """What differs from what the ledger recorded, in words ("" when nothing does)."""
    from clustertrust.core.bundle.checks import Severity, check_bundle

    client = bundle.client_cert
    if client is None or certinfo.sha256(client) != record.sha256:
        return tr(
            "no longer hold the client certificate the ledger recorded ({fingerprint}…)"
        ).format(fingerprint=record.sha256[:16])
    if bundle.private_key is None:
        return tr("hold no private key for the client certificate")
    allowed = set(record.ca_sha256.split() or ledger_cas)
    if not bundle.ca_certs:
        return tr("hold no CA certificate")
    for ca in bundle.ca_certs:
        if certinfo.sha256(ca) not in allowed:
            name = certinfo.common_name(ca.subject)
            return tr(
                "hold a CA certificate ({name}, SHA-256 {fingerprint}…) that ClusterTrust never "
                "installed"
            ).format(name=repr(name), fingerprint=certinfo.sha256(ca)[:16])
    errors = [
        f.message
        for f in check_bundle(bundle)
        if f.severity is Severity.ERROR and f.code not in TIME_CODES
    ]
    return tr("fail the bundle checks ({error})").format(error=errors[0]) if errors else ""
