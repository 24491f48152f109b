"""Certificates cryptography refuses, made from a real one by changing single fields, the way
pyca/cryptography's own vectors do (x509/custom/invalid_version.pem, verisign_md2_root.pem,
unsupported_subject_public_key_info.pem)."""

from __future__ import annotations

import base64

from support import pki

RSA_ENCRYPTION = bytes.fromhex("06092a864886f70d010101")
SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
MD2_WITH_RSA = bytes.fromhex("06092a864886f70d010102")
UNKNOWN_KEY = bytes.fromhex("06092a864886f70d01017f")  # 1.2.840.113549.1.1.127
VERSION_3 = bytes.fromhex("a003020102")
KINDS = ("unknown-key-algorithm", "md2-signature", "invalid-version")


def certificate(kind: str) -> bytes:
    """DER of a CA certificate with one field cryptography cannot take."""
    der = pki.make_ca("crafted", "rsa").cert_der
    if kind == "unknown-key-algorithm":
        assert der.count(RSA_ENCRYPTION) == 1
        return der.replace(RSA_ENCRYPTION, UNKNOWN_KEY)
    if kind == "md2-signature":
        assert der.count(SHA256_WITH_RSA) == 2
        return der.replace(SHA256_WITH_RSA, MD2_WITH_RSA)
    assert kind == "invalid-version" and der.count(VERSION_3) == 1
    return der.replace(VERSION_3, bytes.fromhex("a003020107"))


def as_pem(der: bytes, label: str = "CERTIFICATE") -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = b"\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n".encode() + lines + f"\n-----END {label}-----\n".encode()
