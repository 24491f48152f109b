"""A PKCS#12 key bag hidden inside an encrypted SafeContents asks for 2^31-1 PBKDF2 rounds: its
cost is only visible once the contents are decrypted, so ClusterTrust decrypts them (at the cost
already checked) and refuses before OpenSSL would derive the key. `inspect` ran for 9 minutes."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import pytest
from clustertrust.core.bundle import bounded, der, keys, rc2
from clustertrust.core.bundle.identity_p12 import unseal
from cryptography.hazmat.primitives import serialization
from support import pki
from support.cli_runs import cli
from test_hardening_bounded import HUGE, reencode

PASSWORD = "kurrent"
DATA, ENCRYPTED_DATA = "1.2.840.113549.1.7.1", "1.2.840.113549.1.7.6"
CERT_BAG, SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.3", "1.2.840.113549.1.12.10.1.2"


def oid(dotted: str) -> bytes:
    return der.tlv(der.OID, der.encode_oid(dotted))


def bag(kind: str, value: bytes, key_id: bytes) -> bytes:
    """A SafeBag; with `key_id`, the localKeyId that pairs a certificate with its key."""
    local_id = der.tlv(der.SEQUENCE, oid("1.2.840.113549.1.9.21") + der.tlv(der.SET, key_id))
    attributes = der.tlv(der.SET, local_id) if key_id else b""
    return der.tlv(der.SEQUENCE, oid(kind) + der.explicit(0, value) + attributes)


def cert_bag(cert_der: bytes, key_id: bytes) -> bytes:
    value = der.tlv(
        der.SEQUENCE,
        oid("1.2.840.113549.1.9.22.1") + der.explicit(0, der.tlv(der.OCTET_STRING, cert_der)),
    )
    return bag(CERT_BAG, value, key_id)


def key_in_sealed_contents(client: pki.Issued, ca: pki.Issued, key_rounds: int) -> bytes:
    """What `openssl pkcs12 -export` never writes but OpenSSL reads: the shrouded key bag in the
    encrypted SafeContents beside the certificates (PBES2 everywhere, 2048 rounds outside)."""
    from clustertrust.core.bundle.identity_p12 import _mac

    pkcs8 = client.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    shrouded = keys.encrypted_info(pkcs8, PASSWORD.encode())  # PBKDF2 with 2048 rounds
    if key_rounds != 2048:
        shrouded = reencode(shrouded, 2048, key_rounds)
    key_id = der.tlv(der.OCTET_STRING, hashlib.sha1(client.cert_der).digest())
    bags = cert_bag(client.cert_der, key_id) + cert_bag(ca.cert_der, b"")
    contents = der.tlv(der.SEQUENCE, bags + bag(SHROUDED_KEY_BAG, shrouded, key_id))
    algorithm, sealed = der.children(keys.encrypted_info(contents, PASSWORD.encode()))
    sealed_body = sealed[der.read(sealed, 0)[1] :]
    info = der.tlv(der.SEQUENCE, oid(DATA) + algorithm + der.tlv(0x80, sealed_body))
    encrypted = der.tlv(der.SEQUENCE, der.integer(0) + info)
    content = der.tlv(der.SEQUENCE, oid(ENCRYPTED_DATA) + der.explicit(0, encrypted))
    auth_safe = der.tlv(der.SEQUENCE, content)
    data = der.tlv(der.SEQUENCE, oid(DATA) + der.explicit(0, der.tlv(der.OCTET_STRING, auth_safe)))
    return der.tlv(der.SEQUENCE, der.integer(3) + data + _mac(auth_safe, PASSWORD))


@pytest.fixture(scope="module")
def identity() -> tuple[pki.Issued, pki.Issued]:
    ca = pki.make_ca("sealed CA", "p256")
    return ca, pki.make_leaf(ca, "sealed client", "p256")


def test_a_key_in_encrypted_contents_with_real_rounds_opens(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    """The control: OpenSSL really reads a key from there, so the attack below is real."""
    ca, client = identity
    path = tmp_path / "bundle.p12"
    path.write_bytes(key_in_sealed_contents(client, ca, 2048))
    done = cli(tmp_path, "inspect", str(path), "--json")
    assert done.code == 0, done.err
    assert '"has_key": true' in done.out


def test_a_key_in_encrypted_contents_asking_2_31_rounds_is_refused_in_seconds(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    ca, client = identity
    path = tmp_path / "bundle.p12"
    path.write_bytes(key_in_sealed_contents(client, ca, HUGE))
    started = time.monotonic()
    done = cli(tmp_path, "inspect", str(path))
    took = time.monotonic() - started
    assert done.code == 2 and f"{HUGE:,}" in done.err, f"exit {done.code} after {took:.1f} s"
    assert took < 10, f"{took:.1f} s"
    print(f"key bag in encrypted contents asking 2^31-1 rounds: refused in {took:.1f} s")


@pytest.mark.parametrize(
    ("certpbe", "keypbe"),
    [
        ("PBE-SHA1-RC2-40", "PBE-SHA1-3DES"),
        ("PBE-SHA1-3DES", "PBE-SHA1-3DES"),
        ("AES-256-CBC", "AES-256-CBC"),
    ],
)
def test_unseal_reads_what_openssl_sealed(
    certpbe: str, keypbe: str, identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    """Each scheme OpenSSL writes for the encrypted contents (RC2-40 is older OpenSSL's and
    Windows' default) decrypts to the certificates it sealed."""
    _, client = identity
    (tmp_path / "c.pem").write_bytes(client.cert_pem + client.key_pem())
    argv = [
        "openssl",
        "pkcs12",
        "-export",
        "-in",
        str(tmp_path / "c.pem"),
        "-passout",
        f"pass:{PASSWORD}",
        "-certpbe",
        certpbe,
        "-keypbe",
        keypbe,
    ]
    if "RC2" in certpbe:
        argv.append("-legacy")
    data = subprocess.run(argv, capture_output=True, check=True).stdout
    parts = list(bounded._sealed_parts(data))
    assert len(parts) == 1
    plain = unseal(*parts[0], PASSWORD)
    assert plain is not None and client.cert_der in plain
    assert unseal(*parts[0], "wrong") is None


@pytest.mark.parametrize(
    ("key", "bits", "plain", "cipher"),
    [  # RFC 2268 section 5
        ("0000000000000000", 63, "0000000000000000", "ebb773f993278eff"),
        ("ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"),
        ("3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"),
        ("88", 64, "0000000000000000", "61a8a244adacccf0"),
        ("88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"),
        ("88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"),
    ],
)
def test_rc2_matches_the_rfc_vectors(key: str, bits: int, plain: str, cipher: str) -> None:
    subkeys = rc2.expand_key(bytes.fromhex(key), bits)
    assert rc2.decrypt_block(subkeys, bytes.fromhex(cipher)).hex() == plain


def test_a_wrong_password_that_leaves_valid_padding_does_not_open(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    """About 1 wrong password in 256 decrypts 3DES contents to valid CBC padding (the suite once
    failed so on a random salt); what it yields is no DER, so it opens nothing."""
    from clustertrust.core.bundle import identity_p12

    _, client = identity
    (tmp_path / "c.pem").write_bytes(client.cert_pem + client.key_pem())
    argv = ["openssl", "pkcs12", "-export", "-in", str(tmp_path / "c.pem"), "-iter", "1"]
    argv += ["-passout", f"pass:{PASSWORD}", "-certpbe", "PBE-SHA1-3DES"]
    data = subprocess.run(argv, capture_output=True, check=True).stdout
    algorithm, sealed = next(bounded._sealed_parts(data))
    params = der.children(algorithm)[1]
    scheme = der.oid_of(algorithm)
    padded = next(
        word
        for word in (f"wrong{n}" for n in range(20_000))
        if identity_p12._pbe(scheme, params, sealed, word) is not None
    )
    assert unseal(algorithm, sealed, padded) is None
    assert unseal(algorithm, sealed, PASSWORD) is not None
