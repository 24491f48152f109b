"""An RSA key is validated once: by the PKCS#12 that holds the same key, or on its own; a PEM key
whose numbers do not hold together is left out as unreadable, never used."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core.bundle import read_bundle
from clustertrust.core.errors import BundleError
from clustertrust.core.source import load_source
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from support import pki


def inconsistent_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The same modulus with a wrong private exponent: parses, but is not a valid key."""
    numbers = key.private_numbers()
    broken = rsa.RSAPrivateNumbers(
        numbers.p, numbers.q, numbers.d + 2, numbers.dmp1, numbers.dmq1, numbers.iqmp,
        numbers.public_numbers,
    )  # fmt: skip
    unchecked = broken.private_key(unsafe_skip_rsa_key_validation=True)
    return unchecked.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def rsa_bundle() -> pki.KurrentBundle:
    return pki.kurrent_bundle("c1rsa", "rsa")


def test_the_pem_key_beside_its_p12_copy_is_used(
    tmp_path: Path, rsa_bundle: pki.KurrentBundle
) -> None:
    bundle = read_bundle(load_source(str(pki.write_files(tmp_path / "b", rsa_bundle.files()))))
    assert bundle.private_key is not None
    assert bundle.private_key.private_numbers() == rsa_bundle.client.key.private_numbers()  # type: ignore[union-attr]


def test_an_inconsistent_pem_key_is_never_used(
    tmp_path: Path, rsa_bundle: pki.KurrentBundle
) -> None:
    files = {k: v for k, v in rsa_bundle.files().items() if k != "bundle.p12"}
    files["tls.key"] = inconsistent_pem(rsa_bundle.client.key)  # type: ignore[arg-type]
    with pytest.raises(BundleError):
        read_bundle(load_source(str(pki.write_files(tmp_path / "b", files))))
