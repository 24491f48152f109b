"""GIVEN bundles as the PKI tools people use write them (GnuTLS certtool, easy-rsa, tls-gen,
keytool, strongSwan pki, cfssl; Vault, cert-manager and kubeconfig layouts), WHEN read and
installed, THEN each is used as a person would expect, or refused naming the format and the
command that converts it; the installed identity logs in to a real nginx."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.errors import PasswordNeeded
from clustertrust.core.source.load import load_source
from cryptography.hazmat.primitives import serialization
from support import pki_tools


@pytest.fixture(scope="module")
def certtool_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return pki_tools.certtool_pki(tmp_path_factory.mktemp("certtool"))


def folder_of(tmp: Path, files: dict[str, Path]) -> Path:
    tmp.mkdir()
    for name, path in files.items():
        shutil.copy(path, tmp / name)
    return tmp


def test_certtool_writes_the_scalar_with_a_leading_zero(certtool_pki: dict[str, Path]) -> None:
    assert pki_tools.ec_scalar_length(pki_tools.pem_der(certtool_pki["client.key"])) == 33


@pytest.mark.parametrize(
    ("key_file", "password"),
    [("client.key", None), ("client.p8.pem", "secret"), ("client.der", None)],
)
def test_a_certtool_ec_key_with_a_leading_zero_is_read(
    certtool_pki: dict[str, Path], tmp_path: Path, key_file: str, password: str | None
) -> None:
    files = {n: certtool_pki[n] for n in ("ca.crt", "client.crt")} | {
        key_file: certtool_pki[key_file]
    }
    bundle = read_bundle(load_source(str(folder_of(tmp_path / "b", files))), password=password)
    assert bundle.client_cert is not None and bundle.private_key is not None
    assert certinfo.key_matches(bundle.client_cert, bundle.private_key)
    written = bundle.client_key_pkcs8()
    assert written is not None and keys.is_pkcs8(written)
    # The key is kept at the curve's size (RFC 5915): what cryptography itself reads back.
    assert certinfo.key_matches(
        bundle.client_cert, serialization.load_der_private_key(written, None)
    )


def test_a_wrong_password_for_a_certtool_key_is_still_named(
    certtool_pki: dict[str, Path], tmp_path: Path
) -> None:
    files = {n: certtool_pki[n] for n in ("ca.crt", "client.crt", "client.p8.pem")}
    with pytest.raises(PasswordNeeded, match="does not open the encrypted private key"):
        read_bundle(load_source(str(folder_of(tmp_path / "b", files))), password="wrong")


@pytest.mark.parametrize(
    ("key_file", "extra"), [("client.key", []), ("client.p8.pem", ["--password", "secret"])]
)
def test_a_certtool_identity_logs_in_to_nginx(
    certtool_pki: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key_file: str,
    extra: list[str],
) -> None:
    files = {n: certtool_pki[n] for n in ("ca.crt", "client.crt")} | {
        key_file: certtool_pki[key_file]
    }
    source = folder_of(tmp_path / "b", files)
    server = {
        "cert": certtool_pki["server.crt"],
        "key": certtool_pki["server.key"],
        "ca": certtool_pki["ca.crt"],
    }
    verified = pki_tools.logs_in(tmp_path, capsys, source, server, *extra)
    assert verified["outcome"] == "ok"
