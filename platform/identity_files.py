"""Identity files: a copy of ca.crt, tls.crt and an unencrypted tls.key for command-line clients.

Kept under <data_dir>/identities/<cluster>/ (folder 0700, key 0600), one folder per cluster that
a renewal rewrites in place, so client settings written once keep working; recorded in the ledger
like any store and removed on uninstall (only while the files still hold that identity).
`verify URL` without --bundle and the client configuration writers (KurrentDB tlsCaFile,
userCertFile, userKeyFile; kumactl; pg_service) use `identity_paths()` to find them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from clustertrust.core import certinfo, fileio, names, paths
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.install.identity import NAME, IdentityPaths, default_root
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from cryptography import x509

SHORT = 8  # hex digits of the CA name's SHA-256 that keep two same-looking names apart


class IdentityFilesStore:
    name = NAME
    title = "Identity files for command-line clients"

    def __init__(self, root: Path | None = None) -> None:
        self.root = root

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        if bundle.client_cert is None or bundle.private_key is None:
            return []
        root = self.root or default_root()
        sha = certinfo.sha256(bundle.client_cert)
        target = IdentityPaths.at(root / folder_name(bundle), sha)
        record = record_for(
            bundle.client_cert, Kind.IDENTITY, NAME, str(target.folder), "tls.crt", scope
        )
        contents = _contents(bundle)
        kept: dict[str, bytes | None] = {}  # what the files held before: a renewal's old identity
        return [
            Step(
                action="install",
                record=record,
                summary=f"Keep ca.crt, tls.crt and tls.key (0600) in {target.folder} for "
                "command-line clients",
                commands=(f"write {target.ca}", f"write {target.cert}", f"write {target.key}"),
                undo_commands=(f"put back what {target.folder} held before",),
                run=lambda: kept.update(_write(target, contents)),
                undo=lambda: _put_back(target, kept),
            )
        ]

    def is_installed(self, record: Record) -> bool:
        target = IdentityPaths.at(Path(record.location), record.sha256)
        if not (target.key.is_file() and target.cert.is_file() and target.ca.is_file()):
            return False
        return _first_sha256(target.cert) == record.sha256

    def plan_remove(self, record: Record) -> list[Step]:
        target = IdentityPaths.at(Path(record.location), record.sha256)
        return [
            Step(
                action="remove",
                record=record,
                summary=f"Delete the identity files in {target.folder}",
                commands=(f"delete {target.folder}",),
                undo_commands=(),
                run=lambda: _delete_if_held(target),
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


def _put_back(target: IdentityPaths, before: dict[str, bytes | None]) -> None:
    """Undo an install: the files as they were (a renewal's old identity), or none."""
    if not any(before.values()):
        _delete(target)
        return
    for name, data in before.items():
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                (target.folder / name).unlink()
        else:
            _write_private(target.folder / name, data)


def _delete_if_held(target: IdentityPaths) -> None:
    """Only while the files hold this identity: after a renewal they hold the new one."""
    if _first_sha256(target.cert) in (target.sha256, ""):
        _delete(target)


def _write_private(path: Path, data: bytes) -> None:
    """0600 from creation, then renamed into place: never readable by others."""
    fileio.write_atomic(path, data)


def _delete(target: IdentityPaths) -> None:
    for path in (target.key, target.cert, target.ca):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    for folder in (target.folder, target.folder.parent):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: anything someone else put there is kept


def _first_sha256(path: Path) -> str:
    try:
        return certinfo.sha256(x509.load_pem_x509_certificate(path.read_bytes()))
    except (ValueError, OSError):
        return ""
