"""Which certificate plays which part, decided by the certificates themselves, never by file names:
a CA by basicConstraints, the client by extendedKeyUsage and a matching key; other end-entity
certificates (a test server's leaf beside the client's) are left out and named."""

from __future__ import annotations

import enum
from typing import NamedTuple

from clustertrust.core import certinfo
from clustertrust.core.bundle.keys import KeyMaterial
from clustertrust.core.i18n import tr
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID


class LeftOutKind(enum.Enum):
    SERVER_CERT = "server_cert"
    CERT = "cert"
    KEY = "key"
    KEY_BLOCK = "key_block"
    LOCKED_P12 = "locked_p12"
    KEYSTORE = "keystore"


class LeftOut(NamedTuple):
    """Something the bundle holds that is not installed, and why (for a finding)."""

    kind: LeftOutKind
    detail: str
    cert: x509.Certificate | None = None


class Roles(NamedTuple):
    cas: list[x509.Certificate]
    client: x509.Certificate | None
    key: KeyMaterial | None
    left_out: list[LeftOut]


def decide(certs: list[x509.Certificate], keys: list[KeyMaterial]) -> Roles:
    not_cas = [c for c in certs if not certinfo.is_ca(c)]
    client = _client(not_cas, keys)
    # A self-issued non-CA goes with the CAs, where the checks refuse to trust it.
    cas = [c for c in certs if c is not client and (certinfo.is_ca(c) or _self_issued(c))]
    cas.sort(key=lambda c: not _self_issued(c))
    leaves = [c for c in not_cas if c is not client and not _self_issued(c)]
    key = _client_key(client, certs, keys)
    left_out = [_left_out_leaf(c, keys, client is not None) for c in leaves]
    left_out += [_left_out_key(k, certs) for k in keys if k is not key and not _owned(k, leaves)]
    return Roles(cas, client, key, left_out)


def allows_client_auth(cert: x509.Certificate) -> bool:
    eku = certinfo.extension(cert, ExtensionOID.EXTENDED_KEY_USAGE)
    # No extendedKeyUsage means any use; anyExtendedKeyUsage alone OpenSSL servers refuse.
    return not isinstance(eku, x509.ExtendedKeyUsage) or ExtendedKeyUsageOID.CLIENT_AUTH in eku


def looks_like_server(cert: x509.Certificate) -> bool:
    """serverAuth alone, or serverAuth with host names (trustme gives every leaf both usages)."""
    eku = certinfo.extension(cert, ExtensionOID.EXTENDED_KEY_USAGE)
    if not isinstance(eku, x509.ExtendedKeyUsage) or ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        return False
    return not allows_client_auth(cert) or bool(certinfo.dns_names(cert))


def _self_issued(cert: x509.Certificate) -> bool:
    return certinfo.is_self_issued(cert)


def _matching(cert: x509.Certificate, keys: list[KeyMaterial]) -> KeyMaterial | None:
    return next((k for k in keys if certinfo.key_matches(cert, k.key)), None)


def _client(not_cas: list[x509.Certificate], keys: list[KeyMaterial]) -> x509.Certificate | None:
    """A client-capable certificate with its key, client-only usage first; else a key-less one."""
    capable = [c for c in not_cas if allows_client_auth(c)]
    keyed = [c for c in capable if _matching(c, keys) is not None]
    if keyed:
        return min(keyed, key=looks_like_server)  # min is stable: file order breaks ties
    unkeyed = [c for c in capable if not _self_issued(c)]
    return min(unkeyed, key=looks_like_server) if unkeyed else None


def _client_key(
    client: x509.Certificate | None, certs: list[x509.Certificate], keys: list[KeyMaterial]
) -> KeyMaterial | None:
    """The client's key; failing that a key that fits no certificate, for the mismatch check."""
    if client is None:
        return None
    mine = _matching(client, keys)
    if mine is not None:
        return mine
    return next((k for k in keys if not _owned(k, certs)), None)


def _owned(key: KeyMaterial, certs: list[x509.Certificate]) -> bool:
    return any(certinfo.key_matches(c, key.key) for c in certs)


def _left_out_leaf(cert: x509.Certificate, keys: list[KeyMaterial], has_client: bool) -> LeftOut:
    name = repr(certinfo.common_name(cert.subject))
    with_key = _matching(cert, keys) is not None
    if looks_like_server(cert):
        if with_key:
            detail = tr("the server certificate {name} (with its private key)")
        else:
            detail = tr("the server certificate {name}")
        return LeftOut(LeftOutKind.SERVER_CERT, detail.format(name=name), cert)
    if has_client:
        why = tr("another client certificate was chosen")
    else:
        why = tr("it may not log in a client")
    if with_key:
        detail = tr("the certificate {name} (with its private key) ({why})")
    else:
        detail = tr("the certificate {name} ({why})")
    return LeftOut(LeftOutKind.CERT, detail.format(name=name, why=why), cert)


def _left_out_key(key: KeyMaterial, certs: list[x509.Certificate]) -> LeftOut:
    owner = next((c for c in certs if certinfo.key_matches(c, key.key)), None)
    if owner is not None:
        if key.source:
            detail = tr("the private key in {source} of {name}")
        else:
            detail = tr("the private key of {name}")
        name = repr(certinfo.common_name(owner.subject))
        return LeftOut(LeftOutKind.KEY, detail.format(source=key.source, name=name))
    if key.source:
        detail = tr("a private key in {source} that belongs to no certificate here")
    else:
        detail = tr("a private key that belongs to no certificate here")
    return LeftOut(LeftOutKind.KEY, detail.format(source=key.source))
