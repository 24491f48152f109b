"""Identity files: a copy of ca.crt, tls.crt and an unencrypted tls.key for command-line clients.

Kept under <data_dir>/identities/<cluster>/ (folder 0700, key 0600), one folder per cluster that
a renewal rewrites in place, so client settings written once keep working (another cluster whose
CA merely has the same name gets a folder of its own: `_folder`); recorded in the ledger
like any store and removed on uninstall (only while the files still hold that identity).
`verify URL` without --bundle and the client configuration writers (KurrentDB tlsCaFile,
userCertFile, userKeyFile; kumactl; pg_service) use `identity_paths()` to find them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from dataclasses import replace
from pathlib import Path

from clustertrust.core import certinfo, fileio, names, paths
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install.identity import MATERIAL_BYTES, NAME, IdentityPaths, default_root
from clustertrust.core.model import (
    Availability,
    Kind,
    Record,
    Scope,
    Step,
    record_for,
    same_cluster,
)
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

log = logging.getLogger(__name__)
SHORT = 8  # hex digits of the CA name's SHA-256 that keep two same-looking names apart


class IdentityFilesStore:
    name = NAME
    title = translatable("Identity files for command-line clients")

    def __init__(self, root: Path | None = None) -> None:
        self.root = root

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        if bundle.client_cert is None or bundle.private_key is None:
            return []
        root = self.root or default_root()
        sha = certinfo.sha256(bundle.client_cert)
        target = IdentityPaths.at(_folder(root, bundle), sha)
        folder = str(target.folder)
        record = replace(
            record_for(bundle.client_cert, Kind.IDENTITY, NAME, folder, "tls.crt", scope),
            ca_sha256=" ".join(certinfo.sha256(c) for c in bundle.ca_certs),
        )
        contents = _contents(bundle)
        kept: dict[str, bytes | None] = {}  # what the files held before: a renewal's old identity
        return [
            Step(
                action="install",
                record=record,
                summary=tr(
                    "Keep ca.crt, tls.crt and tls.key (0600) in {folder} for command-line clients"
                ).format(folder=target.folder),
                commands=tuple(
                    tr("write {path}").format(path=path)
                    for path in (target.ca, target.cert, target.key)
                ),
                undo_commands=(
                    tr("put back what {folder} held before").format(folder=target.folder),
                ),
                run=lambda: kept.update(_write(target, contents)),
                undo=lambda: _put_back(target, kept, record),
            )
        ]

    def is_installed(self, record: Record) -> bool:
        target = IdentityPaths.at(Path(record.location), record.sha256)
        if not (target.key.is_file() and target.cert.is_file() and target.ca.is_file()):
            return False
        kept_cas = record.ca_sha256.split()
        if kept_cas and _all_sha256(target.ca) != kept_cas:
            return False  # ca.crt is not the one written: not "set up" (repair refuses it too)
        return _first_sha256(target.cert) == record.sha256

    def plan_remove(self, record: Record) -> list[Step]:
        target = IdentityPaths.at(Path(record.location), record.sha256)
        return [
            Step(
                action="remove",
                record=record,
                summary=tr("Delete the identity files in {folder}").format(folder=target.folder),
                commands=(f"delete {target.folder}",),
                undo_commands=(),
                run=lambda: _delete(target, record),
            )
        ]


def _contents(bundle: Bundle) -> dict[str, bytes]:
    pkcs8 = bundle.client_key_pkcs8()
    assert bundle.client_cert is not None and pkcs8 is not None
    key = keys.to_pem(pkcs8)  # as the bundle had it: RSA-PSS stays RSA-PSS
    chain = b"".join(certinfo.to_pem(c) for c in bundle.client_chain)
    return {
        "ca.crt": b"".join(certinfo.to_pem(c) for c in bundle.ca_certs),
        "tls.crt": certinfo.to_pem(bundle.client_cert) + chain,
        "tls.key": key,
    }


def folder_name(bundle: Bundle) -> str:
    """The cluster's folder: its CA's name (the client's without a CA), which a renewal keeps."""
    named = bundle.ca or bundle.client_cert
    assert named is not None
    subject = named.subject
    digest = hashlib.sha256(subject.public_bytes()).hexdigest()[:SHORT]
    return f"{names.label(certinfo.common_name(subject), 32)}-{digest}"


def _folder(root: Path, bundle: Bundle) -> Path:
    """The cluster's folder; when it holds the identity of another cluster whose CA has the
    same name (a default one such as easy-rsa's "Easy-RSA CA": model.same_cluster), one named
    after this CA's own SHA-256 as well, so neither overwrites the other."""
    shared = root / folder_name(bundle)
    cas, client = _all_sha256(shared / "ca.crt"), _first_subject(shared / "tls.crt")
    if bundle.ca is None or not (cas or client) or same_cluster(bundle, cas, client):
        return shared
    return root / f"{folder_name(bundle)}-{certinfo.sha256(bundle.ca)[:SHORT]}"


def _first_subject(path: Path) -> str:
    """The name of the client certificate a tls.crt holds ("" when none is read)."""
    try:
        data = fileio.read_own(path, MATERIAL_BYTES)
        return certinfo.common_name(x509.load_pem_x509_certificates(data)[0].subject)
    except (ValueError, OSError, InputError, IndexError):
        return ""


def _write(target: IdentityPaths, contents: dict[str, bytes]) -> dict[str, bytes | None]:
    """Writes the files; returns what they held before (None: not there)."""
    target.folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.folder.mkdir(mode=0o700, exist_ok=True)
    paths.checked(target.folder)  # a link planted there by someone else is not written through
    os.chmod(target.folder, 0o700)
    before = {name: _read(target.folder / name) for name in contents}
    for name, data in contents.items():
        _write_private(target.folder / name, data)
    return before


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _put_back(target: IdentityPaths, before: dict[str, bytes | None], record: Record) -> None:
    """Undo an install: the files as they were (a renewal's old identity), or none."""
    if not any(before.values()):
        _delete(target, record)
        return
    for name, data in before.items():
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                (target.folder / name).unlink()
        else:
            _write_private(target.folder / name, data)


def _write_private(path: Path, data: bytes) -> None:
    """0600 from creation, then renamed into place: never readable by others."""
    fileio.write_atomic(path, data)


def _delete(target: IdentityPaths, record: Record) -> None:
    """Only the files as they were written: anything else at those names (another program's
    ca.crt, tls.crt, tls.key where a hand-edited ledger points) is kept, and logged."""
    ours = _as_written(target, record)
    for path in target.all:
        if path not in ours:
            if path.exists():
                log.warning("kept %s: it is not the file ClusterTrust wrote there", path)
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    for folder in (target.folder, target.folder.parent):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: anything someone else put there is kept


def _as_written(target: IdentityPaths, record: Record) -> list[Path]:
    """tls.crt holding the recorded client, tls.key holding its key, ca.crt holding the recorded
    CAs (any, for a record from before they were kept, once tls.crt is the recorded client)."""
    try:
        client = x509.load_pem_x509_certificate(fileio.read_own(target.cert, MATERIAL_BYTES))
    except (ValueError, OSError, InputError):
        return []
    if certinfo.sha256(client) != record.sha256:
        return []
    ours = [target.cert]
    if _holds_key_of(target.key, client):
        ours.append(target.key)
    kept_cas = record.ca_sha256.split()
    if not kept_cas or _all_sha256(target.ca) == kept_cas:
        ours.append(target.ca)
    return ours


def _holds_key_of(path: Path, client: x509.Certificate) -> bool:
    try:
        data = fileio.read_own(path, MATERIAL_BYTES)
        key = serialization.load_pem_private_key(data, None, unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError, OSError, InputError, UnsupportedAlgorithm):
        return False
    return certinfo.key_matches(client, key)


def _first_sha256(path: Path) -> str:
    return next(iter(_all_sha256(path)), "")


def _all_sha256(path: Path) -> list[str]:
    try:
        data = fileio.read_own(path, MATERIAL_BYTES)
        return [certinfo.sha256(c) for c in x509.load_pem_x509_certificates(data)]
    except (ValueError, OSError, InputError):
        return []
