"""Read any cluster certificate bundle into one immutable `Bundle`."""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass, field

from clustertrust.core import certinfo
from clustertrust.core.bundle import keys as key_material
from clustertrust.core.bundle.archive import Limits, expand
from clustertrust.core.bundle.keys import KeyMaterial
from clustertrust.core.bundle.pieces import P12Content, Pieces, confirm_rsa_keys, read_member
from clustertrust.core.bundle.roles import LeftOut, LeftOutKind, Roles, decide, looks_like_server
from clustertrust.core.errors import BundleError, PasswordNeeded
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.source.load import SourceData
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class System(enum.Enum):
    # the values are the kind's English name (inspect --json's system_name); tr() shows it
    KURRENT_CLOUD = translatable("Kurrent Cloud bundle")
    CA_ONLY = translatable("CA certificate only (CCX style)")
    PEM_CLIENT = translatable(
        "CA with client certificate and key (Kuma / Cybertec Postgres operator style)"
    )
    PKCS12 = translatable("PKCS#12 client identity")
    OTHER = translatable("certificate set")


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
    left_out: tuple[LeftOut, ...] = ()
    # The client key as unencrypted PKCS#8 DER in the bundle's own algorithm: what is written
    # and used, so the key stays exactly the one the certificate names (RSA-PSS stays RSA-PSS).
    key_pkcs8: bytes | None = field(default=None, repr=False)

    @property
    def ca(self) -> x509.Certificate | None:
        """The certificate to trust: the bundle's root (or topmost) CA."""
        return self.ca_certs[0] if self.ca_certs else None

    @property
    def has_key(self) -> bool:
        return self.private_key is not None

    def client_key_pkcs8(self) -> bytes | None:
        """The client key to write or use: the bundle's own bytes when they hold `private_key`
        (a Bundle built by hand may carry only the key object)."""
        if self.private_key is None:
            return None
        if self.key_pkcs8 is not None and key_material.holds(self.key_pkcs8, self.private_key):
            return self.key_pkcs8
        pkcs8 = key_material.material(self.private_key).pkcs8
        return key_material.for_certificate(pkcs8, self.client_cert)


def read_bundle(
    source: SourceData, password: str | None = None, limits: Limits | None = None
) -> Bundle:
    """Parse the source's files by content. Raises BundleError with an actionable message."""
    found = Pieces()
    for name, data in source.files:
        if not data.strip():
            if len(source.files) == 1:
                raise BundleError(
                    tr("{name} is empty.").format(name=name),
                    tr("Download the bundle again, or choose the right file."),
                )
            found.ignored.append(name)  # a folder's empty file (easy-rsa's first index.txt)
            continue
        for member in expand(name, data, limits):
            read_member(member.path, member.data, password, found)
    if found.unopened and not found.certs and not found.p12s:
        raise found.unopened[0]
    if not found.certs and not any(p.cert or p.extra for p in found.p12s):
        raise BundleError(
            tr("No certificate was found in {origin}.").format(origin=source.origin),
            tr(
                "Choose the cluster's certificate bundle: a .tar.gz, .zip, .p12/.pfx, or PEM/DER "
                "certificate file (or the folder holding them)."
            ),
        )
    confirm_rsa_keys(found)
    return _assemble(source.origin, found)


def _assemble(origin: str, found: Pieces) -> Bundle:
    p12 = _client_p12(found.p12s)
    roles = decide(_unique(found.certs), found.keys)
    if p12 and (roles.client is None or roles.key is None):
        # The PKCS#12 adds what the PEM files lack (an identity-only p12 beside the CA file).
        certs = _unique(found.certs + _p12_certs(p12))
        roles = decide(certs, _unique_keys(found.keys + _p12_keys(p12)))
    client, cas = roles.client, roles.cas
    key = roles.key.key if roles.key else None
    conflicts = []
    if p12 and (found.certs or found.keys):
        conflicts += _p12_conflicts(p12, client, key, cas)
    others = [other for other in found.p12s if other is not p12]
    servers = [other for other in others if other.cert and looks_like_server(other.cert)]
    conflicts += [
        tr("{other} differs from {p12}").format(other=other.name, p12=p12.name)
        for other in others
        if p12
        and other not in servers
        and _fingerprints(_p12_certs(other)) != _fingerprints(_p12_certs(p12))
    ]
    left_out = _with_server_p12s(roles.left_out, servers)
    left_out += _unreadable_keys(found, roles) + _unopened(found, roles)
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
        left_out=tuple(left_out),
        key_pkcs8=_client_pkcs8(roles),
    )


def _client_p12(p12s: list[P12Content]) -> P12Content | None:
    """The PKCS#12 of the client: tls-gen writes server_NAME.p12 beside client_NAME.p12."""
    clients = [p for p in p12s if not (p.cert and looks_like_server(p.cert))]
    return (clients or p12s or [None])[0]


def _with_server_p12s(left_out: list[LeftOut], servers: list[P12Content]) -> list[LeftOut]:
    """A server's PKCS#12 is left out as its PEM files are, and named in the same finding."""
    out = list(left_out)
    for p12 in servers:
        if p12.cert is None:  # never: a server's p12 was chosen by its certificate
            continue
        fingerprint = certinfo.sha256(p12.cert)
        at = next((i for i, item in enumerate(out) if _is_cert(item, fingerprint)), None)
        if at is None:
            name = certinfo.common_name(p12.cert.subject)
            detail = tr("the server certificate {name} in {file}").format(
                name=repr(name), file=p12.name
            )
            out.append(LeftOut(LeftOutKind.SERVER_CERT, detail, p12.cert))
        else:
            detail = tr("{item}, also in {file},").format(item=out[at].detail, file=p12.name)
            out[at] = out[at]._replace(detail=detail)
    return out


def _is_cert(item: LeftOut, fingerprint: str) -> bool:
    return item.cert is not None and certinfo.sha256(item.cert) == fingerprint


def _p12_keys(p12: P12Content | None) -> list[KeyMaterial]:
    if p12 is None or p12.key is None:
        return []
    return [key_material.material(p12.key, source=p12.name)]


def _unreadable_keys(found: Pieces, roles: Roles) -> list[LeftOut]:
    """A key block that could not be read fails the bundle only when the client needs a key."""
    if found.unreadable_keys and roles.client is not None and roles.key is None:
        raise found.unreadable_keys[0]
    return [LeftOut(LeftOutKind.KEY_BLOCK, problem.message) for problem in found.unreadable_keys]


def _unopened(found: Pieces, roles: Roles) -> list[LeftOut]:
    """A PKCS#12 no password opens, or a Java keystore, is passed over when a readable identity
    is beside it (easy-rsa writes private/NAME.p12 next to issued/NAME.crt and private/NAME.key);
    else what it holds is needed, and the reason it was not read is the answer."""
    if found.unopened and (roles.client is None or roles.key is None):
        raise found.unopened[0]
    return [_unopened_item(problem) for problem in found.unopened]


def _unopened_item(problem: BundleError) -> LeftOut:
    if isinstance(problem, PasswordNeeded):
        return LeftOut(LeftOutKind.LOCKED_P12, problem.message)
    return LeftOut(LeftOutKind.KEYSTORE, f"{problem.message} {problem.fix}")


def _client_pkcs8(roles: Roles) -> bytes | None:
    if roles.key is None:
        return None
    return key_material.for_certificate(roles.key.pkcs8, roles.client)


def _fingerprints(certs: list[x509.Certificate]) -> list[str]:
    return [certinfo.sha256(c) for c in certs]


def _p12_certs(p12: P12Content | None) -> list[x509.Certificate]:
    if p12 is None:
        return []
    return ([p12.cert] if p12.cert else []) + list(p12.extra)


def _unique_keys(materials: list[KeyMaterial]) -> list[KeyMaterial]:
    seen: dict[bytes, KeyMaterial] = {}
    for material in materials:
        seen.setdefault(certinfo.public_bytes(material.key), material)
    return list(seen.values())


def _unique(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    seen: dict[str, x509.Certificate] = {}
    for cert in certs:
        seen.setdefault(certinfo.sha256(cert), cert)
    return list(seen.values())


def _p12_conflicts(
    p12: P12Content,
    client: x509.Certificate | None,
    key: PrivateKeyTypes | None,
    cas: list[x509.Certificate],
) -> list[str]:
    conflicts = []
    if client and p12.cert and certinfo.sha256(client) != certinfo.sha256(p12.cert):
        conflicts.append(
            tr("the client certificate in {file} is not the PEM client certificate").format(
                file=p12.name
            )
        )
    if key and p12.key and certinfo.public_bytes(key) != certinfo.public_bytes(p12.key):
        conflicts.append(
            tr("the private key in {file} is not the PEM private key").format(file=p12.name)
        )
    pem_cas = {certinfo.sha256(c) for c in cas}
    odd = [c for c in p12.extra if certinfo.sha256(c) not in pem_cas]
    if pem_cas and odd:
        conflicts.append(
            tr("{file} carries a CA certificate that the PEM files do not").format(file=p12.name)
        )
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
