"""GIVEN this computer's NSS (Debian's certutil and pk12util), WHEN an Ed25519 or Ed448 CA or an
Ed25519 identity is imported for real, THEN NSS refuses it, and NssStore says so upfront in
`refuses_key_types`: the claim is checked against the tool, not assumed. An EC control goes in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.model import refused_key_types
from clustertrust.platform import nss
from clustertrust.platform.runner import SubprocessRunner
from support import pki


def new_db(folder: Path) -> str:
    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    return f"sql:{folder}"


def add_ca(db: str, ca: pki.Issued, folder: Path) -> subprocess.CompletedProcess[str]:
    (folder / "ca.pem").write_bytes(ca.cert_pem)
    argv = ["certutil", "-A", "-d", db, "-n", "ca", "-t", "C,,", "-i", str(folder / "ca.pem")]
    return subprocess.run(argv, capture_output=True, text=True)


def add_identity(db: str, client: pki.Issued, folder: Path) -> subprocess.CompletedProcess[str]:
    (folder / "id.p12").write_bytes(pki.p12_bytes(client, [], b"pw"))
    argv = ["pk12util", "-i", str(folder / "id.p12"), "-d", db, "-W", "pw"]
    return subprocess.run(argv, capture_output=True, text=True)


@pytest.mark.parametrize("kind", ["ed25519", "ed448"])
def test_this_nss_refuses_an_edwards_ca_and_the_store_says_so(kind: str, tmp_path: Path) -> None:
    ca = pki.make_ca(f"{kind} CA", kind)
    added = add_ca(new_db(tmp_path / "db"), ca, tmp_path)
    assert added.returncode != 0 and "SEC_ERROR_ADDING_CERT" in added.stderr
    assert certinfo.key_algorithm(ca.cert) in nss.NssStore.refuses_key_types


def test_this_nss_refuses_an_ed25519_identity(tmp_path: Path) -> None:
    ca = pki.make_ca("RSA CA")
    client = pki.make_leaf(ca, "Ed25519 client", "ed25519")
    imported = add_identity(new_db(tmp_path / "db"), client, tmp_path)
    assert imported.returncode != 0
    assert "SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY" in imported.stderr
    assert certinfo.key_algorithm(client.cert) in nss.NssStore.refuses_key_types


def test_an_ec_ca_and_identity_go_in_and_are_not_refused(tmp_path: Path) -> None:
    ca = pki.make_ca("EC CA", "p256")
    db = new_db(tmp_path / "db")
    assert add_ca(db, ca, tmp_path).returncode == 0
    assert add_identity(db, pki.make_leaf(ca, "EC client", "p256"), tmp_path).returncode == 0
    store = nss.NssStore(SubprocessRunner(), databases=[])
    assert certinfo.key_algorithm(ca.cert) not in refused_key_types(store)
