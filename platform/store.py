"""The adapter protocol every trust store implements, and the step and record types they share.

A store (Linux anchors, NSS databases, Windows certutil, macOS keychain, identity files) turns a
Bundle into `Step`s. A step says what it changes, the exact commands, whether it needs an
authorization prompt, and how it is undone; `run` and `undo` do it. A `Record` is what the
ledger keeps about one installed item.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from clustertrust.core import certinfo
from clustertrust.core.bundle import Bundle
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12


class Scope(enum.StrEnum):
    USER = "user"
    SYSTEM = "system"


class Kind(enum.StrEnum):
    CA = "ca"  # a trusted CA certificate
    IDENTITY = "identity"  # a client certificate with its private key


class State(enum.StrEnum):
    INTENT = "intent"  # written before the step runs: the item may be partly there
    DONE = "done"  # the step finished: the item is there


@dataclass(frozen=True)
class Record:
    """One installed item as the ledger keeps it; (sha256, store, location) identifies it."""

    sha256: str
    sha1: str
    subject: str
    not_after: str
    kind: str
    store: str
    location: str
    name: str
    scope: str
    source: str = ""
    installed_at: str = ""
    state: str = State.INTENT.value

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sha256, self.store, self.location)

    def days_left(self, at: dt.datetime | None = None) -> int:
        return (dt.datetime.fromisoformat(self.not_after) - (at or certinfo.now())).days

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """Raises KeyError/TypeError on a malformed entry; the ledger turns that into a message."""
        names = {f.name for f in fields(cls)}
        required = names - {"source", "installed_at", "state"}
        missing = required - data.keys()
        if missing:
            raise KeyError(", ".join(sorted(missing)))
        return cls(**{k: str(v) for k, v in data.items() if k in names})


def record_for(
    cert: x509.Certificate, kind: Kind, store: str, location: str, name: str, scope: Scope
) -> Record:
    return Record(
        sha256=certinfo.sha256(cert),
        sha1=certinfo.sha1(cert),
        subject=certinfo.common_name(cert.subject),
        not_after=cert.not_valid_after_utc.isoformat(),
        kind=kind.value,
        store=store,
        location=location,
        name=name,
        scope=scope.value,
    )


def legacy_p12(bundle: Bundle, friendly_name: str, password: str) -> bytes:
    """The client identity as PKCS#12 with 3DES and a SHA-1 MAC, which every OS tool reads.

    macOS `security import` rejects OpenSSL 3's AES PKCS#12 ("MAC verification failed"), and
    Windows before 10 1709 cannot read it either; the CA is left out on purpose (it is trusted
    by its own step, and an untrusted copy would only add clutter).
    """
    if bundle.client_cert is None or bundle.private_key is None:
        raise ValueError("the bundle has no client identity")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(),
        bundle.private_key,
        bundle.client_cert,
        None,
        encryption,
    )


@contextlib.contextmanager
def private_files(contents: dict[str, bytes]) -> Iterator[Path]:
    """A temporary folder holding the given files, each created 0600; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="clustertrust-") as tmp:
        for name, data in contents.items():
            fd = os.open(Path(tmp, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        yield Path(tmp)


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Step:
    """One change to one store. `commands`/`undo_commands` are shown to people, secrets redacted."""

    action: str  # "install" or "remove"
    record: Record
    summary: str
    commands: tuple[str, ...]
    undo_commands: tuple[str, ...]
    needs_authorization: bool = False
    note: str = ""  # shown once per plan, e.g. "restart your browsers"
    run: Callable[[], None] = field(default=_nothing, repr=False, compare=False)
    undo: Callable[[], None] = field(default=_nothing, repr=False, compare=False)

    def lines(self) -> list[str]:
        auth = " (asks for authorization)" if self.needs_authorization else ""
        lines = [f"{self.summary}{auth}"]
        lines += [f"    $ {c}" for c in self.commands]
        if self.undo_commands:
            lines.append("    undo: " + "; ".join(self.undo_commands))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "summary": self.summary,
            "store": self.record.store,
            "kind": self.record.kind,
            "location": self.record.location,
            "sha256": self.record.sha256,
            "subject": self.record.subject,
            "commands": list(self.commands),
            "undo": list(self.undo_commands),
            "needs_authorization": self.needs_authorization,
            "note": self.note,
        }


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str = ""  # when not available: why, and the manual steps or the package to install


class TrustStore(Protocol):
    """One store mechanism. `name` is the stable id written to the ledger."""

    name: str
    title: str

    def detect(self) -> Availability: ...

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        """Steps that put the bundle's items into this store; [] when it holds nothing for them.

        Raises InputError when the scope is not one this store serves.
        """
        ...

    def is_installed(self, record: Record) -> bool:
        """Whether the item is really present now, matched by SHA-256."""
        ...

    def plan_remove(self, record: Record) -> list[Step]: ...
