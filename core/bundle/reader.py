"""Read any cluster certificate bundle into one immutable `Bundle`."""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass, field

from clustertrust.core import certinfo
from clustertrust.core.bundle.archive import Limits, expand
from clustertrust.core.bundle.pieces import P12Content, Pieces, read_member
from clustertrust.core.errors import BundleError
from clustertrust.core.source.load import SourceData
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class System(enum.Enum):
    KURRENT_CLOUD = "Kurrent Cloud bundle"
    CA_ONLY = "CA certificate only (CCX style)"
    PEM_CLIENT = "CA with client certificate and key (Kuma / Cybertec Postgres operator style)"
    PKCS12 = "PKCS#12 client identity"
    OTHER = "certificate set"


@dataclass(frozen=True)
class Bundle:
    origin: str
    system: System
    ca_certs: tuple[x509.Certificate, ...]
    client_cert: x509.Certificate | None
    client_chain: tuple[x509.Certificate, ...]
    private_key: PrivateKeyTypes | None = field(repr=False)
    p12: P12Content | None = field(repr=False)
    files: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()

    @property
    def ca(self) -> x509.Certificate | None:
        """The certificate to trust: the bundle's root (or topmost) CA."""
        return self.ca_certs[0] if self.ca_certs else None

    @property
    def has_key(self) -> bool:
        return self.private_key is not None


def read_bundle(
    source: SourceData, password: str | None = None, limits: Limits | None = None
) -> Bundle:
    """Parse the source's files by content. Raises BundleError with an actionable message."""
    found = Pieces()
    for name, data in source.files:
        if not data.strip():
            raise BundleError(
                f"{name} is empty.", "Download the bundle again, or choose the right file."
            )
        for member in expand(name, data, limits):
            read_member(member.path, member.data, password, found)
    if not found.certs and not any(p.cert or p.extra for p in found.p12s):
        raise BundleError(
            f"No certificate was found in {source.origin}.",
            "Choose the cluster's certificate bundle: a .tar.gz, .zip, .p12/.pfx, or PEM/DER "
            "certificate file (or the folder holding them).",
        )
    return _assemble(source.origin, found)


def _assemble(origin: str, found: Pieces) -> Bundle:
    p12 = found.p12s[0] if found.p12s else None
    certs = _unique(found.certs) or _unique(_p12_certs(p12))
    keys = found.keys or ([p12.key] if p12 and p12.key else [])
    key = _matching_key(certs, keys)
    client = _pick_client(certs, key)
    cas = sorted(
        (c for c in certs if c is not client), key=lambda c: not certinfo.is_self_issued(c)
    )
    conflicts = []
    if p12 and (found.certs or found.keys):
        conflicts += _p12_conflicts(p12, client, key, cas)
    conflicts += [
        f"{other.name} differs from {p12.name}"
        for other in found.p12s[1:]
        if p12 and _fingerprints(_p12_certs(other)) != _fingerprints(_p12_certs(p12))
    ]
    return Bundle(
        origin=origin,
        system=_recognise(found, client, key, cas),
        ca_certs=tuple(cas),
        client_cert=client,
        client_chain=tuple(c for c in cas if not certinfo.is_self_issued(c)),
        private_key=key,
        p12=p12,
        files=tuple(found.used),
        ignored=tuple(found.ignored),
        conflicts=tuple(conflicts),
    )


def _matching_key(
    certs: list[x509.Certificate], keys: list[PrivateKeyTypes]
) -> PrivateKeyTypes | None:
    for key in keys:
        if any(certinfo.key_matches(c, key) for c in certs):
            return key
    return keys[0] if keys else None


def _fingerprints(certs: list[x509.Certificate]) -> list[str]:
    return [certinfo.sha256(c) for c in certs]


def _p12_certs(p12: P12Content | None) -> list[x509.Certificate]:
    if p12 is None:
        return []
    return ([p12.cert] if p12.cert else []) + list(p12.extra)


def _unique(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    seen: dict[str, x509.Certificate] = {}
    for cert in certs:
        seen.setdefault(certinfo.sha256(cert), cert)
    return list(seen.values())


def _pick_client(
    certs: list[x509.Certificate], key: PrivateKeyTypes | None
) -> x509.Certificate | None:
    if key is not None:
        matching = [c for c in certs if certinfo.key_matches(c, key)]
        if matching:
            return min(matching, key=certinfo.is_ca)
    leaves = [c for c in certs if not certinfo.is_ca(c) and not certinfo.is_self_issued(c)]
    return leaves[0] if leaves else None


def _p12_conflicts(
    p12: P12Content,
    client: x509.Certificate | None,
    key: PrivateKeyTypes | None,
    cas: list[x509.Certificate],
) -> list[str]:
    conflicts = []
    if client and p12.cert and certinfo.sha256(client) != certinfo.sha256(p12.cert):
        conflicts.append(f"the client certificate in {p12.name} is not the PEM client certificate")
    if key and p12.key and certinfo.public_bytes(key) != certinfo.public_bytes(p12.key):
        conflicts.append(f"the private key in {p12.name} is not the PEM private key")
    pem_cas = {certinfo.sha256(c) for c in cas}
    odd = [c for c in p12.extra if certinfo.sha256(c) not in pem_cas]
    if pem_cas and odd:
        conflicts.append(f"{p12.name} carries a CA certificate that the PEM files do not")
    return conflicts


def _recognise(
    found: Pieces,
    client: x509.Certificate | None,
    key: PrivateKeyTypes | None,
    cas: list[x509.Certificate],
) -> System:
    names = {posixpath.basename(p).lower() for p in found.used}
    client_cn = certinfo.common_name(client.subject) if client else ""
    if {"ca.crt", "tls.crt", "tls.key"} <= names or client_cn.endswith("-kurrentdb-client"):
        return System.KURRENT_CLOUD
    if client is None and key is None and cas:
        return System.CA_ONLY
    if found.certs and found.keys and client is not None and cas:
        return System.PEM_CLIENT
    if found.p12s and not found.certs:
        return System.PKCS12
    return System.OTHER
