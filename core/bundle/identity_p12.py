"""A PKCS#12 file around the client key exactly as the bundle had it, for stores that import
identities only that way (NSS's pk12util). cryptography can only write a key it re-encodes, which
turns an id-RSASSA-PSS key into rsaEncryption; this writes the same layout it does (PBES2 key bag,
HMAC-SHA256 MAC) around our own PKCS#8 bytes."""

from __future__ import annotations

import hashlib
import hmac
import os

from clustertrust.core.bundle import der, keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization

_DATA = "1.2.840.113549.1.7.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"
_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
_SHA256 = "2.16.840.1.101.3.4.2.1"
_MAC_ROUNDS = 2048  # the password is random: see keys._PBKDF2_ROUNDS


def identity_p12(pkcs8: bytes, cert: x509.Certificate, name: str, password: str) -> bytes:
    """PFX with one certificate and its key, both named `name`; `password` is ASCII."""
    attributes = _attributes(name, hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)))
    key_bag = _bag(_SHROUDED_KEY_BAG, keys.encrypted_info(pkcs8, password.encode()), attributes)
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    cert_value = der.tlv(
        der.SEQUENCE,
        _oid(_X509_CERTIFICATE) + der.explicit(0, der.tlv(der.OCTET_STRING, cert_der)),
    )
    cert_bag = _bag(_CERT_BAG, cert_value, attributes)
    safe = der.tlv(der.SEQUENCE, _data(der.tlv(der.SEQUENCE, cert_bag + key_bag)))
    return der.tlv(der.SEQUENCE, der.integer(3) + _data(safe) + _mac(safe, password))


def _oid(dotted: str) -> bytes:
    return der.tlv(der.OID, der.encode_oid(dotted))


def _data(content: bytes) -> bytes:
    """ContentInfo of type data."""
    return der.tlv(der.SEQUENCE, _oid(_DATA) + der.explicit(0, der.tlv(der.OCTET_STRING, content)))


def _attributes(name: str, key_id: hashlib._Hash) -> bytes:
    friendly = der.tlv(der.BMP_STRING, name.encode("utf-16-be"))
    local_id = der.tlv(der.OCTET_STRING, key_id.digest())
    return der.tlv(
        der.SET,
        der.tlv(der.SEQUENCE, _oid(_FRIENDLY_NAME) + der.tlv(der.SET, friendly))
        + der.tlv(der.SEQUENCE, _oid(_LOCAL_KEY_ID) + der.tlv(der.SET, local_id)),
    )


def _bag(kind: str, value: bytes, attributes: bytes) -> bytes:
    return der.tlv(der.SEQUENCE, _oid(kind) + der.explicit(0, value) + attributes)


def _mac(content: bytes, password: str) -> bytes:
    salt = os.urandom(16)
    secret = _pkcs12_kdf(password, salt, 3, _MAC_ROUNDS, 32)
    digest = hmac.new(secret, content, hashlib.sha256).digest()
    digest_info = der.tlv(
        der.SEQUENCE,
        der.algorithm(_SHA256, der.tlv(der.NULL, b"")) + der.tlv(der.OCTET_STRING, digest),
    )
    return der.tlv(
        der.SEQUENCE,
        digest_info + der.tlv(der.OCTET_STRING, salt) + der.integer(_MAC_ROUNDS),
    )


def _pkcs12_kdf(password: str, salt: bytes, purpose: int, rounds: int, size: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-256 (v = 64, u = 32); the password as BMPString + NUL."""
    block = 64
    secret = password.encode("utf-16-be") + b"\0\0"
    diversifier = bytes([purpose]) * block
    s = _repeat(salt, block)
    p = _repeat(secret, block)
    i = bytearray(s + p)
    out = b""
    while len(out) < size:
        a = hashlib.sha256(diversifier + bytes(i)).digest()
        for _ in range(rounds - 1):
            a = hashlib.sha256(a).digest()
        out += a
        b = int.from_bytes(_repeat(a, block)[:block], "big")
        for at in range(0, len(i), block):
            chunk = (int.from_bytes(i[at : at + block], "big") + b + 1) % (1 << (8 * block))
            i[at : at + block] = chunk.to_bytes(block, "big")
    return out[:size]


def _repeat(data: bytes, block: int) -> bytes:
    """`data` repeated to fill whole blocks (empty stays empty)."""
    if not data:
        return b""
    length = block * ((len(data) + block - 1) // block)
    return (data * (length // len(data) + 1))[:length]
