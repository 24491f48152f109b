"""EC private keys as GnuTLS certtool writes them, made readable.

certtool writes the private scalar as an ASN.1 INTEGER would be: with a leading zero byte when
its top bit is set (33 bytes for P-256, about half of all keys). RFC 5915 says the OCTET STRING
is exactly the curve's size, and cryptography refuses any other length, so the value is put back
at that size. An encrypted key needs decrypting first (PBES2, as certtool and OpenSSL write it),
because cryptography decrypts and parses in one step.

    canonical(der)            # PKCS#8 DER with the scalar at the curve's size, or None
    decrypt_pbes2(der, pw)    # the PKCS#8 inside an EncryptedPrivateKeyInfo, or None
"""

from __future__ import annotations

from collections.abc import Callable

from clustertrust.core.bundle import der
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_CURVE_BYTES = {
    "1.2.840.10045.3.1.7": 32,  # P-256
    "1.3.132.0.34": 48,  # P-384
    "1.3.132.0.35": 66,  # P-521
    "1.3.132.0.10": 32,  # secp256k1
    "1.3.36.3.3.2.8.1.1.7": 32,  # brainpoolP256r1
    "1.3.36.3.3.2.8.1.1.11": 48,  # brainpoolP384r1
    "1.3.36.3.3.2.8.1.1.13": 64,  # brainpoolP512r1
}
_PBES2, _PBKDF2 = "1.2.840.113549.1.5.13", "1.2.840.113549.1.5.12"
_HMACS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "1.2.840.113549.2.7": hashes.SHA1,
    "1.2.840.113549.2.8": hashes.SHA224,
    "1.2.840.113549.2.9": hashes.SHA256,
    "1.2.840.113549.2.10": hashes.SHA384,
    "1.2.840.113549.2.11": hashes.SHA512,
}
_AES_CBC = {
    "2.16.840.1.101.3.4.1.2": 16,
    "2.16.840.1.101.3.4.1.22": 24,
    "2.16.840.1.101.3.4.1.42": 32,
}


def canonical(key_der: bytes) -> bytes | None:
    """PKCS#8 for an EC key (given as PKCS#8 or SEC1) whose scalar had the wrong length."""
    try:
        return _canonical(key_der)
    except (ValueError, IndexError):
        return None


def _canonical(key_der: bytes) -> bytes | None:
    fields = der.children(key_der)
    if [f[0] for f in fields[:3]] == [der.INTEGER, der.SEQUENCE, der.OCTET_STRING]:
        return _pkcs8(fields)
    curve = next((_oid(_value(f)) for f in fields if f[0] == 0xA0), "")
    fixed = _sec1_at_size(key_der, _CURVE_BYTES.get(curve, 0))
    if fixed is None:
        return None
    parameters = der.tlv(der.OID, der.encode_oid(curve))
    algorithm_id = der.algorithm(_EC_PUBLIC_KEY, parameters)
    return der.tlv(der.SEQUENCE, der.integer(0) + algorithm_id + der.tlv(der.OCTET_STRING, fixed))


def _pkcs8(fields: list[bytes]) -> bytes | None:
    """PrivateKeyInfo { version, AlgorithmIdentifier { id-ecPublicKey, curve }, OCTET STRING }."""
    algorithm = der.children(fields[1])
    if der.oid_of(fields[1]) != _EC_PUBLIC_KEY or len(algorithm) < 2:
        return None
    fixed = _sec1_at_size(_value(fields[2]), _CURVE_BYTES.get(_oid(algorithm[1]), 0))
    if fixed is None:
        return None
    fields[2] = der.tlv(der.OCTET_STRING, fixed)
    return der.tlv(der.SEQUENCE, b"".join(fields))


def _sec1_at_size(sec1: bytes, size: int) -> bytes | None:
    """ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] params, [1] public }."""
    fields = der.children(sec1)
    if not size or [f[0] for f in fields[:2]] != [der.INTEGER, der.OCTET_STRING]:
        return None
    scalar = _value(fields[1])
    if len(scalar) == size:
        return None
    trimmed = scalar.lstrip(b"\0")
    if len(trimmed) > size:
        return None
    fields[1] = der.tlv(der.OCTET_STRING, trimmed.rjust(size, b"\0"))
    return der.tlv(der.SEQUENCE, b"".join(fields))


def decrypt_pbes2(info: bytes, password: bytes) -> bytes | None:
    """The plain PKCS#8 in an EncryptedPrivateKeyInfo under PBES2 (PBKDF2, AES-CBC); None for
    any other scheme, a wrong password or damage. The iteration count was bounded already."""
    try:
        return _decrypt_pbes2(info, password)
    except (ValueError, IndexError, KeyError):
        return None


def _decrypt_pbes2(info: bytes, password: bytes) -> bytes | None:
    algorithm, sealed = der.children(info)
    if der.oid_of(algorithm) != _PBES2:
        return None
    kdf, cipher = der.children(der.children(algorithm)[1])
    if der.oid_of(kdf) != _PBKDF2:
        return None
    size = _AES_CBC[der.oid_of(cipher)]
    params = der.children(der.children(kdf)[1])
    salt, rounds = _value(params[0]), int.from_bytes(_value(params[1]), "big")
    prf = next((p for p in params[2:] if p[0] == der.SEQUENCE), None)
    digest = _HMACS[der.oid_of(prf)] if prf else hashes.SHA1
    secret = PBKDF2HMAC(digest(), size, salt, rounds).derive(password)
    iv = _value(der.children(cipher)[1])
    decryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).decryptor()
    padded = decryptor.update(_value(sealed)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(padded) + unpadder.finalize()
    der.children(plain)  # a wrong password that happened to unpad gives no DER SEQUENCE
    return plain


def _value(element: bytes) -> bytes:
    _, start, end = der.read(element, 0)
    return element[start:end]


def _oid(element: bytes) -> str:
    tag, start, end = der.read(element, 0)
    return der.decode_oid(element[start:end]) if tag == der.OID else ""
