"""Checks on a Bundle: findings with a severity and a stable code. Errors block an install."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.bundle.roles import LeftOut, LeftOutKind
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

if TYPE_CHECKING:  # the domain model is loaded by the commands that plan, not by inspect
    from clustertrust.core.model import TrustStore

EXPIRY_WARNING_DAYS = 14
WEAK_HASHES = {"md5", "sha1"}


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Finding(NamedTuple):
    severity: Severity
    code: str
    message: str


def check_bundle(bundle: Bundle, at: dt.datetime | None = None) -> list[Finding]:
    at = at or certinfo.now()
    findings = [*_ca_findings(bundle), *_client_findings(bundle)]
    findings += [_left_out(item, bundle.client_cert is not None) for item in bundle.left_out]
    for label, cert in _labelled_certs(bundle):
        findings += _validity(label, cert, at)
        findings += _strength(label, cert)
    findings += [
        Finding(
            Severity.ERROR,
            "p12_pem_mismatch",
            f"The bundle disagrees with itself: {c}. Download a fresh bundle.",
        )
        for c in bundle.conflicts
    ]
    return sorted(findings, key=lambda f: list(Severity).index(f.severity))


def store_refusals(bundle: Bundle, stores: Sequence[TrustStore]) -> dict[str, str]:
    """Why each of `stores` that cannot hold this bundle's keys (model.refused_key_types)
    refuses it, by store name, naming those among `stores` that can: decided before any change,
    so no store is left half done by a tool's own refusal."""
    from clustertrust.core.model import refused_key_types

    certs = [*bundle.ca_certs, *([bundle.client_cert] if bundle.client_cert else [])]
    refusing = {}
    for store in stores:
        refused = refused_key_types(store)
        held = [cert for cert in certs if certinfo.key_algorithm(cert) in refused]
        if held:
            refusing[store.name] = held
    able = [store.title for store in stores if store.name not in refusing]
    return {name: _refusal(held, able) for name, held in refusing.items()}


def _refusal(held: list[x509.Certificate], able: list[str]) -> str:
    algorithms = " or ".join(sorted({certinfo.key_algorithm(cert) for cert in held}))
    names = ", ".join(repr(certinfo.common_name(cert.subject)) for cert in held)
    if able:
        where = f"these can: {', '.join(able)}"
    else:
        where = "choose a store that can, such as the identity files (--stores files)"
    return f"it cannot hold {algorithms} keys ({names}), so nothing goes there; {where}."


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _labelled_certs(bundle: Bundle) -> Iterator[tuple[str, x509.Certificate]]:
    for cert in bundle.ca_certs:
        yield f"CA certificate {certinfo.common_name(cert.subject)!r}", cert
    if bundle.client_cert:
        yield (
            f"client certificate {certinfo.common_name(bundle.client_cert.subject)!r}",
            bundle.client_cert,
        )


def _ca_findings(bundle: Bundle) -> Iterator[Finding]:
    if not bundle.ca_certs:
        # An identity alone (a Keychain or browser .p12 export) works once its CA is beside it.
        beside = " Put it in one folder with the client's files and choose that folder."
        yield Finding(
            Severity.ERROR,
            "ca_missing",
            "The bundle has no CA certificate to trust. "
            "Ask the cluster's administrator for the CA certificate (often ca.crt)."
            + (beside if bundle.client_cert else ""),
        )
    for cert in bundle.ca_certs:
        name = certinfo.common_name(cert.subject)
        usage = certinfo.extension(cert, ExtensionOID.KEY_USAGE)
        if not certinfo.is_ca(cert):
            yield Finding(
                Severity.ERROR,
                "ca_not_ca",
                f"{name!r} is not a CA certificate (no "
                "basicConstraints CA:TRUE), so it must not be trusted as one.",
            )
        elif isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
            yield Finding(
                Severity.ERROR,
                "ca_not_ca",
                f"{name!r} may not sign certificates (its "
                "keyUsage lacks keyCertSign), so it must not be trusted as a CA.",
            )
        elif certinfo.extension(cert, ExtensionOID.NAME_CONSTRAINTS) is None:
            # Nearly every private CA is unconstrained and nothing can be done about it: a note.
            yield Finding(
                Severity.INFO,
                "ca_unconstrained",
                f"{name!r} has no name "
                "constraints: once trusted it could vouch for any web site. Trust it "
                "only if you trust the cluster's operator.",
            )


def _client_findings(bundle: Bundle) -> Iterator[Finding]:
    client, key = bundle.client_cert, bundle.private_key
    if client is None:
        if key is not None:
            yield Finding(
                Severity.ERROR,
                "key_without_cert",
                "The bundle has a private key but no client certificate for it.",
            )
        return
    name = certinfo.common_name(client.subject)
    if key is None:
        yield Finding(
            Severity.WARNING,
            "client_key_missing",
            f"The client certificate {name!r} "
            "has no private key in the bundle, so it cannot be used to log in.",
        )
    elif not certinfo.key_matches(client, key):
        yield Finding(
            Severity.ERROR,
            "key_mismatch",
            f"The private key does not belong to the "
            f"client certificate {name!r}. Download the bundle again.",
        )
    yield from _issued_by_bundle_ca(bundle, client, name)
    yield from _client_auth(client, name)


def _issued_by_bundle_ca(bundle: Bundle, client: x509.Certificate, name: str) -> Iterator[Finding]:
    if not bundle.ca_certs or any(certinfo.signed_by(client, ca) for ca in bundle.ca_certs):
        return
    yield Finding(
        Severity.ERROR,
        "client_not_issued_by_ca",
        f"The client certificate {name!r} "
        "was not signed by the bundle's CA; the cluster will reject it. Download a "
        "bundle where both come from the same cluster.",
    )


def _client_auth(client: x509.Certificate, name: str) -> Iterator[Finding]:
    eku = certinfo.extension(client, ExtensionOID.EXTENDED_KEY_USAGE)
    if eku is None:
        yield Finding(
            Severity.INFO,
            "client_eku_absent",
            f"The client certificate {name!r} "
            "names no extended key usage; servers usually accept that for clients.",
        )
    elif isinstance(eku, x509.ExtendedKeyUsage) and ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        yield Finding(
            Severity.ERROR,
            "client_no_client_auth",
            f"The client certificate {name!r} "
            "is not allowed for client authentication (no clientAuth extended key "
            "usage); servers will reject it.",
        )


def _left_out(item: LeftOut, has_client: bool) -> Finding:
    if item.kind is LeftOutKind.SERVER_CERT:
        # Beside a client identity a server's leaf is expected (trustme's layout); alone, the
        # bundle someone thought held a client identity holds none.
        tail = "" if has_client else " The bundle holds no client certificate to log in with."
        return Finding(
            Severity.INFO if has_client else Severity.WARNING,
            "server_cert_left_out",
            f"{_sentence(item.detail)} is for a server, so it is not installed.{tail}",
        )
    if item.kind is LeftOutKind.LOCKED_P12:
        return Finding(
            Severity.WARNING,
            "locked_p12_left_out",
            f"{item.detail} It was not opened: the readable client identity beside it is used. "
            "If it holds another identity, run again with its password.",
        )
    if item.kind is LeftOutKind.KEYSTORE:
        return Finding(
            Severity.WARNING,
            "java_keystore_left_out",
            f"{item.detail} The readable client identity beside it is used.",
        )
    if item.kind is LeftOutKind.KEY_BLOCK:
        return Finding(
            Severity.WARNING,
            "key_block_left_out",
            f"{item.detail} No certificate here needs that key, so it is left out.",
        )
    code = "cert_left_out" if item.kind is LeftOutKind.CERT else "key_left_out"
    return Finding(Severity.WARNING, code, f"{_sentence(item.detail)} is not installed.")


def _sentence(text: str) -> str:
    """`text` with its first letter upper-cased and the rest as it was (str.capitalize would
    lower-case the file names and subjects that follow)."""
    return text[:1].upper() + text[1:]


def _validity(label: str, cert: x509.Certificate, at: dt.datetime) -> Iterator[Finding]:
    left = certinfo.days_left(cert, at)
    until = cert.not_valid_after_utc.date().isoformat()
    if cert.not_valid_before_utc > at:
        since = cert.not_valid_before_utc.date().isoformat()
        yield Finding(
            Severity.ERROR,
            "not_yet_valid",
            f"The {label} is not valid before {since}. "
            "Check this computer's clock, or wait until then.",
        )
    elif cert.not_valid_after_utc <= at:
        yield Finding(
            Severity.ERROR,
            "expired",
            f"The {label} expired on {until} ({-left} days ago). Download a renewed bundle.",
        )
    elif left <= EXPIRY_WARNING_DAYS:
        yield Finding(
            Severity.WARNING,
            "expiring_soon",
            f"The {label} expires on {until}, in {left} days. Plan to install the renewed bundle.",
        )


def _strength(label: str, cert: x509.Certificate) -> Iterator[Finding]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        yield Finding(
            Severity.ERROR,
            "weak_key",
            f"The {label} has a {key.key_size}-bit RSA key; at least 2048 bits are needed.",
        )
    algorithm = cert.signature_hash_algorithm
    if algorithm is not None and algorithm.name in WEAK_HASHES:
        # A root's self-signature is never checked, so there it is only a warning.
        severity = Severity.WARNING if certinfo.is_self_issued(cert) else Severity.ERROR
        yield Finding(
            severity,
            "weak_signature",
            f"The {label} is signed with {algorithm.name.upper()}, which is no longer secure.",
        )
