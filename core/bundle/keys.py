"""Private key material kept as the bundle had it: PKCS#8 DER with the bundle's own algorithm.

cryptography loads an id-RSASSA-PSS key as a plain RSA key and writes it back as rsaEncryption,
which no longer matches an RSA-PSS certificate. So the unencrypted PKCS#8 bytes are kept as read,
and a key that had to be decrypted gets its certificate's key algorithm back.
"""

from __future__ import annotations

import base64
import os
from typing import NamedTuple

from clustertrust.core.bundle import der
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSASSA_PSS = "1.2.840.113549.1.1.10"
_PBES2, _PBKDF2 = "1.2.840.113549.1.5.13", "1.2.840.113549.1.5.12"
_HMAC_SHA256 = "1.2.840.113549.2.9"
_AES256_CBC = "2.16.840.1.101.3.4.1.42"
_PBKDF2_ROUNDS = 2048  # the password is 24 random bytes: stretching it adds nothing


class KeyMaterial(NamedTuple):
    """A loaded key with its unencrypted PKCS#8 DER, in the bundle's algorithm where known."""

    key: PrivateKeyTypes
    pkcs8: bytes
    source: str = ""  # the file it came from, for messages

    def __repr__(self) -> str:  # never the key bytes
        return f"KeyMaterial(source={self.source!r})"


def material(
    key: PrivateKeyTypes, original_der: bytes | None = None, source: str = ""
) -> KeyMaterial:
    """`original_der` is kept when it is PKCS#8; anything else is re-encoded as PKCS#8."""
    if original_der is not None and is_pkcs8(original_der):
        return KeyMaterial(key, original_der, source)
    encoded = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyMaterial(key, encoded, source)


def element_end(encoded: bytes) -> int:
    """Where the first DER element ends (ValueError if it is cut short)."""
    return der.read(encoded, 0)[2]


def pem_body(block: bytes) -> bytes | None:
    """The DER inside one PEM block without headers (None if it has headers or bad base64)."""
    lines = block.replace(b"\r\n", b"\n").split(b"\n")[1:]
    body = [ln for ln in lines if ln.strip() and not ln.startswith(b"-----")]
    if any(b":" in ln for ln in body):
        return None
    try:
        return base64.b64decode(b"".join(body), validate=True)
    except ValueError:
        return None


def for_certificate(pkcs8: bytes, cert: x509.Certificate | None) -> bytes:
    """PKCS#8 whose algorithm matches the certificate's (rsaEncryption → id-RSASSA-PSS)."""
    if cert is None or not is_pkcs8(pkcs8):
        return pkcs8
    wanted = _certificate_key_oid(cert)
    children = der.children(pkcs8)
    if wanted != RSASSA_PSS or der.oid_of(children[1]) != RSA_ENCRYPTION:
        return pkcs8
    # The certificate's own AlgorithmIdentifier, with any PSS restrictions it carries.
    children[1] = _spki_algorithm(cert) or der.tlv(
        der.SEQUENCE, der.tlv(der.OID, der.encode_oid(RSASSA_PSS))
    )
    return der.tlv(der.SEQUENCE, b"".join(children))


def _spki_algorithm(cert: x509.Certificate) -> bytes | None:
    """The AlgorithmIdentifier of the certificate's subjectPublicKeyInfo, as encoded there."""
    try:
        fields = der.children(cert.tbs_certificate_bytes)
        spki = fields[6 if fields[0][0] == 0xA0 else 5]  # after [0] version, serial … subject
        algorithm = der.children(spki)[0]
    except (ValueError, IndexError):
        return None
    return algorithm if der.oid_of(algorithm) == RSASSA_PSS else None


def holds(pkcs8: bytes, key: PrivateKeyTypes) -> bool:
    """Whether the DER is this key (compared by public half)."""
    try:
        loaded = serialization.load_der_private_key(pkcs8, None)
    except Exception:  # unreadable bytes hold no key
        return False
    return _public(loaded) == _public(key)


def _public(key: PrivateKeyTypes) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def algorithm_oid(pkcs8: bytes) -> str:
    return der.oid_of(der.children(pkcs8)[1]) if is_pkcs8(pkcs8) else ""


def to_pem(pkcs8: bytes, label: str = "PRIVATE KEY") -> bytes:
    text = base64.encodebytes(pkcs8).replace(b"\n", b"")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    begin, end = f"-----BEGIN {label}-----".encode(), f"-----END {label}-----".encode()
    return b"\n".join([begin, *lines, end]) + b"\n"


def encrypted_pem(pkcs8: bytes, password: bytes) -> bytes:
    """PKCS#8 EncryptedPrivateKeyInfo around the bytes as they are, so OpenSSL decrypts exactly
    the key the bundle had."""
    return to_pem(encrypted_info(pkcs8, password), "ENCRYPTED PRIVATE KEY")


def encrypted_info(pkcs8: bytes, password: bytes) -> bytes:
    """EncryptedPrivateKeyInfo DER (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC), as cryptography's
    BestAvailableEncryption writes it."""
    salt, iv = os.urandom(16), os.urandom(16)
    secret = PBKDF2HMAC(hashes.SHA256(), 32, salt, _PBKDF2_ROUNDS).derive(password)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(pkcs8) + padder.finalize()
    encryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(plain) + encryptor.finalize()
    prf = der.algorithm(_HMAC_SHA256, der.tlv(der.NULL, b""))
    kdf_params = der.tlv(
        der.SEQUENCE, der.tlv(der.OCTET_STRING, salt) + der.integer(_PBKDF2_ROUNDS) + prf
    )
    cipher = der.algorithm(_AES256_CBC, der.tlv(der.OCTET_STRING, iv))
    scheme = der.tlv(der.SEQUENCE, der.algorithm(_PBKDF2, kdf_params) + cipher)
    return der.tlv(der.SEQUENCE, der.algorithm(_PBES2, scheme) + der.tlv(der.OCTET_STRING, sealed))


def is_pkcs8(encoded: bytes) -> bool:
    """PrivateKeyInfo: SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING key, … }."""
    try:
        children = der.children(encoded)
    except ValueError:
        return False
    tags = [c[0] for c in children[:3]]
    return tags == [der.INTEGER, der.SEQUENCE, der.OCTET_STRING]


def _certificate_key_oid(cert: x509.Certificate) -> str:
    try:
        return cert.public_key_algorithm_oid.dotted_string
    except Exception:  # an unreadable key algorithm was already refused when the cert was read
        return ""
