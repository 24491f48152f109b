"""Facts about one certificate or key, computed the same way everywhere."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.core.names import printable
from clustertrust.core.remedy import Action, Remedy
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)
from cryptography.x509.oid import ExtensionOID, NameOID


def sha256(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def sha1(cert: x509.Certificate) -> str:
    """The thumbprint Windows certutil and macOS security use to name a certificate."""
    return cert.fingerprint(hashes.SHA1()).hex()


def common_name(name: x509.Name) -> str:
    """The name to show: whoever made the certificate chose it, so a newline or an escape
    sequence in it is shown as \\x0a or \\x1b, never obeyed (a fake "✓ ok" line)."""
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if attrs:
        value = attrs[0].value
        return printable(value if isinstance(value, str) else value.decode(errors="replace"))
    return printable(name.rfc4514_string()) or "(no name)"


def extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None


def is_ca(cert: x509.Certificate) -> bool:
    constraints = extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    return isinstance(constraints, x509.BasicConstraints) and constraints.ca


def is_self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer`'s key really signed `cert`, with `issuer` named as its issuer."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def public_bytes(key: Any) -> bytes:
    """SubjectPublicKeyInfo DER of a public key, or of a private key's public half."""
    public = key.public_key() if hasattr(key, "private_bytes") else key
    der: bytes = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def key_matches(cert: x509.Certificate, key: PrivateKeyTypes) -> bool:
    return public_bytes(cert.public_key()) == public_bytes(key)


def key_description(key: CertificatePublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    return type(key).__name__


def key_algorithm(cert: x509.Certificate) -> str:
    """The family of the certificate's key: "RSA", "EC", "Ed25519", "Ed448", "DSA"."""
    return key_description(cert.public_key()).split()[0]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def days_left(cert: x509.Certificate, at: dt.datetime | None = None) -> int:
    """Whole days until notAfter (negative once expired)."""
    return (cert.not_valid_after_utc - (at or now())).days


def dns_names(cert: x509.Certificate) -> list[str]:
    san = extension(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if not isinstance(san, x509.SubjectAlternativeName):
        return []
    names = [printable(str(n)) for n in san.get_values_for_type(x509.DNSName)]
    return names + [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.DOTALL)


def pem_certificates(text: str) -> list[tuple[bytes, x509.Certificate]]:
    """Each PEM certificate in a tool's output with its block; unreadable blocks are skipped."""
    found = []
    for block in _PEM_CERT.findall(text.encode()):
        with contextlib.suppress(ValueError):
            found.append((block, x509.load_pem_x509_certificate(block)))
    return found


def to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


MIN_PREFIX = 8  # hex digits of a SHA-256 a person must give to name an installed certificate


def fingerprint_prefix(text: str) -> str:
    """The one rule for a fingerprint a person types (status shows them with colons): at least
    MIN_PREFIX hex digits, case, colons and spaces ignored."""
    prefix = re.sub(r"[\s:]", "", text).lower()
    if len(prefix) < MIN_PREFIX or not re.fullmatch(r"[0-9a-f]{1,64}", prefix):
        raise InputError(
            tr("{text} is not a SHA-256 fingerprint (or a prefix of {count}+ hex digits).").format(
                text=repr(text), count=MIN_PREFIX
            ),
            tr("Copy the SHA-256 from the list of what is installed."),
            (Remedy(Action.STATUS),),
        )
    return prefix
