"""A PKCS#12 file around the client key exactly as the bundle had it, for stores that import
identities only that way (NSS's pk12util). cryptography can only write a key it re-encodes, which
turns an id-RSASSA-PSS key into rsaEncryption; this writes the same layout it does (PBES2 key bag,
HMAC-SHA256 MAC) around our own PKCS#8 bytes.

`unseal` reads the other way: what a PKCS#12 keeps encrypted (its encrypted SafeContents), so
that the key-derivation cost of a key bag hidden in there can be checked before OpenSSL runs it
(core.bundle.bounded)."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from clustertrust.core.bundle import der, keys, rc2
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import BlockCipherAlgorithm, Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

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


def _pkcs12_kdf(
    password: str | bytes,
    salt: bytes,
    purpose: int,
    rounds: int,
    size: int,
    digest: Callable[[bytes], hashlib._Hash] = hashlib.sha256,
) -> bytes:
    """RFC 7292 appendix B.2 (v = 64) with SHA-256 or, for PBE, SHA-1; a str password is taken
    as BMPString + NUL, bytes as they are."""
    block = 64
    secret = password.encode("utf-16-be") + b"\0\0" if isinstance(password, str) else password
    diversifier = bytes([purpose]) * block
    s = _repeat(salt, block)
    p = _repeat(secret, block)
    i = bytearray(s + p)
    out = b""
    while len(out) < size:
        a = digest(diversifier + bytes(i)).digest()
        for _ in range(rounds - 1):
            a = digest(a).digest()
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


# PKCS#12 PBE (RFC 7292 appendix C): key bytes, IV bytes, cipher
_PBE_SHA1 = {
    "1.2.840.113549.1.12.1.1": (16, 0, "rc4"),
    "1.2.840.113549.1.12.1.2": (5, 0, "rc4"),
    "1.2.840.113549.1.12.1.3": (24, 8, "3des"),
    "1.2.840.113549.1.12.1.4": (16, 8, "3des"),
    "1.2.840.113549.1.12.1.5": (16, 8, "rc2"),
    "1.2.840.113549.1.12.1.6": (5, 8, "rc2"),
}
_PBES2_CIPHERS: dict[str, tuple[int, Callable[[bytes], BlockCipherAlgorithm]]] = {
    # key bytes, and the cipher for that key
    "2.16.840.1.101.3.4.1.2": (16, algorithms.AES),
    "2.16.840.1.101.3.4.1.22": (24, algorithms.AES),
    "2.16.840.1.101.3.4.1.42": (32, algorithms.AES),
    "1.2.840.113549.3.7": (24, TripleDES),
}
_PRFS: dict[str, hashes.HashAlgorithm] = {
    "1.2.840.113549.2.7": hashes.SHA1(),
    "1.2.840.113549.2.8": hashes.SHA224(),
    "1.2.840.113549.2.9": hashes.SHA256(),
    "1.2.840.113549.2.10": hashes.SHA384(),
    "1.2.840.113549.2.11": hashes.SHA512(),
}
_PBES2 = "1.2.840.113549.1.5.13"


def unseal(algorithm: bytes, sealed: bytes, password: str) -> bytes | None:
    """What `sealed` holds, decrypted as `algorithm` (an AlgorithmIdentifier's DER) says with
    `password`; None for a scheme not known here, or a password that does not open it. The cost
    of the derivation is the caller's to have checked (bounded.check_kdf_cost)."""
    try:
        scheme, params = der.oid_of(algorithm), der.children(algorithm)[1]
        if scheme == _PBES2:
            return _whole(_pbes2(params, sealed, password.encode()))
        if scheme in _PBE_SHA1:
            return next(
                (
                    p
                    for s in _pbe_secrets(password)
                    if (p := _whole(_pbe(scheme, params, sealed, s)))
                ),
                None,
            )
    except (ValueError, IndexError, TypeError):
        return None
    return None


def _whole(plain: bytes | None) -> bytes | None:
    """`plain` if it is one DER (or BER, indefinite length) SEQUENCE, as sealed contents always
    are: a wrong password leaves valid CBC padding about 1 time in 256, and RC4 has none."""
    if not plain or plain[0] != der.SEQUENCE:
        return None
    if plain[1:2] == b"\x80":
        return plain
    try:
        return plain if der.read(plain, 0)[2] == len(plain) else None
    except ValueError:
        return None


def _pbe_secrets(password: str) -> list[str | bytes]:
    """An empty password is either no password or an empty BMPString: tools differ."""
    return [password] if password else [b"", ""]


def _pbe(scheme: str, params: bytes, sealed: bytes, secret: str | bytes) -> bytes | None:
    salt, rounds = _octets(der.children(params)[0]), _integer(der.children(params)[1])
    key_size, iv_size, cipher = _PBE_SHA1[scheme]
    key = _pkcs12_kdf(secret, salt, 1, rounds, key_size, hashlib.sha1)
    if cipher == "rc4":
        return Cipher(ARC4(key), None).decryptor().update(sealed)
    iv = _pkcs12_kdf(secret, salt, 2, rounds, iv_size, hashlib.sha1)
    if cipher == "rc2":
        return _unpad(rc2.decrypt_cbc(key, 8 * key_size, iv, sealed), 64)
    return _cbc(TripleDES(key), iv, sealed)


def _pbes2(params: bytes, sealed: bytes, secret: bytes) -> bytes | None:
    kdf, scheme = der.children(params)
    kdf_fields = der.children(der.children(kdf)[1])
    salt, rounds = _octets(kdf_fields[0]), _integer(kdf_fields[1])
    prf = next((der.oid_of(f) for f in kdf_fields[2:] if f[0] == der.SEQUENCE), "")
    size, cipher = _PBES2_CIPHERS[der.oid_of(scheme)]
    key = PBKDF2HMAC(_PRFS.get(prf, hashes.SHA1()), size, salt, rounds).derive(secret)
    return _cbc(cipher(key), _octets(der.children(scheme)[1]), sealed)


def _cbc(cipher: BlockCipherAlgorithm, iv: bytes, sealed: bytes) -> bytes | None:
    decryptor = Cipher(cipher, modes.CBC(iv)).decryptor()
    return _unpad(decryptor.update(sealed) + decryptor.finalize(), cipher.block_size)


def _unpad(plain: bytes, block_bits: int) -> bytes | None:
    unpadder = padding.PKCS7(block_bits).unpadder()
    try:
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        return None  # a wrong password


def _octets(element: bytes) -> bytes:
    tag, start, end = der.read(element, 0)
    if tag != der.OCTET_STRING:
        raise ValueError("not an OCTET STRING")
    return element[start:end]


def _integer(element: bytes) -> int:
    tag, start, end = der.read(element, 0)
    if tag != der.INTEGER:
        raise ValueError("not an INTEGER")
    return int.from_bytes(element[start:end], "big")
