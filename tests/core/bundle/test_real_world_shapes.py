"""GIVEN files shaped as other tools write them (trustme's folder, openssl's PKCS#7 and TRUSTED
CERTIFICATE output, GNU tar's v7 format, certificates cryptography cannot read), WHEN read,
THEN each part gets the role its certificate says, and what cannot be read is refused cleanly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import trustme
from clustertrust.core import certinfo
from clustertrust.core.bundle.checks import Severity, check_bundle, has_errors
from clustertrust.core.bundle.pieces import UnsupportedContent
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.bundle.roles import LeftOutKind
from clustertrust.core.errors import BundleError, PasswordNeeded
from clustertrust.core.source.load import SourceData, load_source
from support import crafted, pki
from support.openssl_pki import openssl


def read(files: dict[str, bytes], password: str | None = None) -> Bundle:
    return read_bundle(SourceData("test", tuple(files.items())), password=password)


def codes(bundle: Bundle) -> dict[str, Severity]:
    return {f.code: f.severity for f in check_bundle(bundle)}


def trustme_folder(folder: Path) -> tuple[trustme.CA, trustme.LeafCert, trustme.LeafCert]:
    """What a trustme user writes for a mutual-TLS test: CA, server and client, side by side."""
    ca = trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    client = ca.issue_cert("client@example.org")
    folder.mkdir()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server.private_key_pem.write_to_path(str(folder / "server.key"))
    for blob in server.cert_chain_pems:
        blob.write_to_path(str(folder / "server.pem"), append=True)
    client.private_key_pem.write_to_path(str(folder / "client.key"))
    client.cert_chain_pems[0].write_to_path(str(folder / "client.pem"))
    return ca, server, client


def test_trustme_folder_gives_the_client_and_leaves_the_server_out(tmp_path: Path) -> None:
    ca, _, client = trustme_folder(tmp_path / "certs")
    bundle = read_bundle(load_source(str(tmp_path / "certs")))
    assert bundle.client_cert is not None and bundle.has_key
    assert certinfo.to_pem(bundle.client_cert) == client.cert_chain_pems[0].bytes()
    assert [certinfo.to_pem(c) for c in bundle.ca_certs] == [ca.cert_pem.bytes()]
    assert [item.kind for item in bundle.left_out] == [LeftOutKind.SERVER_CERT]
    found = codes(bundle)
    assert found["server_cert_left_out"] is Severity.INFO
    assert "ca_not_ca" not in found and not has_errors(check_bundle(bundle))


def test_client_only_usage_wins_over_a_dual_use_leaf() -> None:
    from cryptography.x509.oid import ExtendedKeyUsageOID as Eku

    ca = pki.make_ca("ca")
    both = [Eku.SERVER_AUTH, Eku.CLIENT_AUTH]
    server = pki.make_leaf(ca, "server", eku=both, server_names=["db.example"])
    client = pki.make_leaf(ca, "client")
    files = {
        "a.pem": server.cert_pem + server.key_pem(),
        "b.pem": client.cert_pem + client.key_pem(),
        "ca.pem": ca.cert_pem,
    }
    bundle = read(files)
    assert bundle.client_cert is not None
    assert certinfo.common_name(bundle.client_cert.subject) == "client"
    assert codes(bundle)["server_cert_left_out"] is Severity.INFO


def test_a_ca_is_recognised_by_basic_constraints_in_any_file_order() -> None:
    root = pki.make_ca("root")
    client = pki.make_leaf(root, "client")
    bundle = read({"tls.crt": root.cert_pem, "ca.crt": client.cert_pem, "k": client.key_pem()})
    assert bundle.ca is not None and certinfo.common_name(bundle.ca.subject) == "root"
    assert bundle.client_cert is not None and bundle.has_key


def test_a_key_of_no_certificate_beside_a_ca_is_a_warning_not_an_error() -> None:
    ca, stranger = pki.make_ca("ca"), pki.make_ca("other")
    bundle = read({"ca.crt": ca.cert_pem, "stray.key": stranger.key_pem()})
    assert not bundle.has_key
    assert codes(bundle)["key_left_out"] is Severity.WARNING
    assert not has_errors(check_bundle(bundle))


# The junk key block of cryptography's own test vector x509/cryptography.io.with_garbage.pem
JUNK_KEY = (
    b"-----BEGIN PRIVATE KEY-----\naHR0cHM6Ly9iaXQubHkvM3VKOXpZZw==\n-----END PRIVATE KEY-----\n"
)


@pytest.mark.parametrize("junk", ["garbage", "encrypted-unrelated"])
def test_good_certificates_beside_a_junk_or_unrelated_encrypted_key_block(junk: str) -> None:
    ca = pki.make_ca("ca")
    client = pki.make_leaf(ca, "client")
    stranger = pki.make_leaf(ca, "stranger")
    block = JUNK_KEY if junk == "garbage" else stranger.key_pem(password=b"pw")
    files = {"all.pem": ca.cert_pem + block + client.cert_pem, "tls.key": client.key_pem()}
    bundle = read(files)
    assert bundle.client_cert is not None and bundle.has_key
    assert codes(bundle)["key_block_left_out"] is Severity.WARNING
    assert not has_errors(check_bundle(bundle))


def test_an_unreadable_key_block_still_fails_when_the_client_needs_it() -> None:
    ca = pki.make_ca("ca")
    client = pki.make_leaf(ca, "client")
    with pytest.raises(BundleError, match="damaged"):
        read({"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem, "tls.key": JUNK_KEY})
    encrypted = {"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem}
    encrypted["tls.key"] = client.key_pem(password=b"pw")
    with pytest.raises(PasswordNeeded):
        read(encrypted)


WRAPS = {
    "der": lambda der: {"ca.der": der},
    "pem": lambda der: {"ca.pem": crafted.as_pem(der)},
    "in-tar": lambda der: {"b.tar.gz": pki.tar_bytes({"ca.crt": crafted.as_pem(der)})},
}


@pytest.mark.parametrize("wrap", sorted(WRAPS))
@pytest.mark.parametrize("kind", ["unknown-key-algorithm", "md2-signature"])
def test_an_algorithm_cryptography_cannot_read_is_told_apart_from_damage(
    kind: str, wrap: str
) -> None:
    with pytest.raises(UnsupportedContent) as raised:
        read(WRAPS[wrap](crafted.certificate(kind)))
    assert raised.value.fix


@pytest.mark.parametrize("wrap", sorted(WRAPS))
def test_an_invalid_version_is_a_clean_refusal_as_damage(wrap: str) -> None:
    with pytest.raises(BundleError) as raised:
        read(WRAPS[wrap](crafted.certificate("invalid-version")))
    assert not isinstance(raised.value, UnsupportedContent)


needs_openssl = pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pki.Issued, pki.Issued]:
    folder = tmp_path_factory.mktemp("chain")
    root = pki.make_ca("portal-root")
    inter = pki.make_intermediate(root, "portal-intermediate")
    (folder / "chain.pem").write_bytes(inter.cert_pem + root.cert_pem)
    return folder, root, inter


@needs_openssl
@pytest.mark.parametrize(("name", "form"), [("ca.p7b", "PEM"), ("ca.p7c", "DER")])
def test_pkcs7_bundles_from_openssl_are_read(
    name: str, form: str, chain: tuple[Path, pki.Issued, pki.Issued]
) -> None:
    folder, root, inter = chain
    openssl(
        "crl2pkcs7", "-nocrl", "-certfile", "chain.pem", "-outform", form, "-out", name,
        cwd=folder,
    )  # fmt: skip
    bundle = read({name: (folder / name).read_bytes()})
    assert {certinfo.sha256(c) for c in bundle.ca_certs} == {
        certinfo.sha256(root.cert),
        certinfo.sha256(inter.cert),
    }
    assert bundle.ca is not None and certinfo.sha256(bundle.ca) == certinfo.sha256(root.cert)


@needs_openssl
def test_trusted_certificate_blocks_from_openssl_are_read(
    chain: tuple[Path, pki.Issued, pki.Issued],
) -> None:
    folder, root, _ = chain
    (folder / "root.pem").write_bytes(root.cert_pem)
    openssl(
        "x509", "-in", "root.pem", "-trustout", "-addtrust", "serverAuth", "-out", "trusted.pem",
        cwd=folder,
    )  # fmt: skip
    data = (folder / "trusted.pem").read_bytes()
    assert data.startswith(b"-----BEGIN TRUSTED CERTIFICATE-----")
    bundle = read({"trusted.pem": data})
    assert bundle.ca is not None and certinfo.sha256(bundle.ca) == certinfo.sha256(root.cert)


@pytest.mark.skipif(not shutil.which("tar"), reason="needs GNU tar")
def test_an_old_v7_tar_without_the_ustar_magic_is_unpacked(
    tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    pki.write_files(tmp_path / "src", kurrent.files())
    names = sorted(kurrent.files())
    archive = tmp_path / "bundle.tar"
    subprocess.run(
        ["tar", "--format=v7", "-cf", str(archive), *names], cwd=tmp_path / "src", check=True
    )
    data = archive.read_bytes()
    assert data[257:262] != b"ustar"
    bundle = read({"bundle.tar": data})
    assert bundle.client_cert is not None
    assert certinfo.sha256(bundle.client_cert) == certinfo.sha256(kurrent.client.cert)
    assert bundle.has_key and len(bundle.files) == len(names)


def unknown_algorithm_key(issued: pki.Issued) -> bytes:
    """An EC PKCS#8 key whose algorithm OID names a key type cryptography has never heard of."""
    from cryptography.hazmat.primitives import serialization

    der = issued.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ec_public_key = bytes.fromhex("06072a8648ce3d0201")
    assert der.count(ec_public_key) == 1
    return crafted.as_pem(
        der.replace(ec_public_key, bytes.fromhex("06072a8648ce3d027f")), "PRIVATE KEY"
    )


def test_a_key_of_an_unknown_algorithm_is_named_so_when_needed_and_a_warning_otherwise() -> None:
    ca = pki.make_ca("ca")
    client = pki.make_leaf(ca, "client", "p256")
    needed = {
        "ca.crt": ca.cert_pem,
        "tls.crt": client.cert_pem,
        "tls.key": unknown_algorithm_key(client),
    }
    with pytest.raises(UnsupportedContent):
        read(needed)
    spare = needed | {"good.key": client.key_pem()}
    assert codes(read(spare))["key_block_left_out"] is Severity.WARNING


def test_a_client_certificate_without_its_key_is_still_the_client() -> None:
    from cryptography.x509.oid import ExtendedKeyUsageOID as Eku

    ca = pki.make_ca("ca")
    both = [Eku.SERVER_AUTH, Eku.CLIENT_AUTH]
    client = pki.make_leaf(ca, "client", eku=both, server_names=["node.example"])
    bundle = read({"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem})
    assert bundle.client_cert is not None and not bundle.has_key
    assert codes(bundle)["client_key_missing"] is Severity.WARNING
