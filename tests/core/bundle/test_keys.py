"""Key material as the bundle had it: PKCS#8 kept byte for byte, our PBES2 wrapper readable by
cryptography (and so by OpenSSL), and nothing changed for keys that are not RSA-PSS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.identity_p12 import identity_p12
from cryptography.hazmat.primitives import serialization
from support import pki


@pytest.fixture(scope="module")
def client() -> pki.Issued:
    return pki.make_leaf(pki.make_ca("ca", "p256"), "client", "p256")


def test_pkcs8_is_kept_and_traditional_is_re_encoded(client: pki.Issued) -> None:
    pkcs8 = keys.pem_body(client.key_pem())
    assert pkcs8 is not None and keys.material(client.key, pkcs8).pkcs8 == pkcs8
    traditional = keys.pem_body(client.key_pem(traditional=True))
    assert traditional is not None and not keys.is_pkcs8(traditional)
    assert keys.material(client.key, traditional).pkcs8 == pkcs8


def test_encrypted_pem_opens_with_the_password_only(client: pki.Issued) -> None:
    pkcs8 = keys.material(client.key).pkcs8
    sealed = keys.encrypted_pem(pkcs8, b"pw")
    assert sealed.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    opened = serialization.load_pem_private_key(sealed, b"pw")
    assert certinfo.public_bytes(opened) == certinfo.public_bytes(client.key)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(sealed, b"wrong")


def test_a_key_that_is_not_rsa_pss_is_left_as_it_is(client: pki.Issued) -> None:
    pkcs8 = keys.material(client.key).pkcs8
    assert keys.for_certificate(pkcs8, client.cert) == pkcs8
    assert keys.holds(pkcs8, client.key) and not keys.holds(b"\x30\x00", client.key)


def test_identity_p12_is_read_by_cryptography_and_openssl(
    client: pki.Issued, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    pkcs8 = keys.material(client.key).pkcs8
    data = identity_p12(pkcs8, client.cert, "client (ClusterTrust 01ab)", "pw-Ab1")
    loaded = pkcs12.load_pkcs12(data, b"pw-Ab1")
    assert loaded.cert is not None and loaded.cert.certificate == client.cert
    assert loaded.cert.friendly_name == b"client (ClusterTrust 01ab)"
    assert loaded.key is not None and keys.holds(pkcs8, loaded.key)
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(data, b"wrong")
    if shutil.which("openssl"):
        (tmp_path / "id.p12").write_bytes(data)
        done = subprocess.run(
            ["openssl", "pkcs12", "-in", str(tmp_path / "id.p12"), "-passin", "pass:pw-Ab1",
             "-nodes", "-nocerts"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert keys.pem_body(done.stdout[done.stdout.index("-----BEGIN") :].encode()) == pkcs8
