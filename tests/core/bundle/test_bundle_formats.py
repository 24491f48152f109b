"""GIVEN real bundles in every shape vendors ship, WHEN read, THEN the same pieces come out."""

from __future__ import annotations

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle, System, read_bundle
from clustertrust.core.errors import BundleError
from clustertrust.core.source.load import SourceData, load_source
from cryptography.hazmat.primitives import serialization
from support import pki


def read(files: dict[str, bytes], password: str | None = None) -> Bundle:
    return read_bundle(SourceData("test", tuple(files.items())), password=password)


def assert_kurrent(bundle: Bundle, kurrent: pki.KurrentBundle) -> None:
    assert bundle.system is System.KURRENT_CLOUD
    assert bundle.ca is not None and certinfo.sha256(bundle.ca) == certinfo.sha256(kurrent.ca.cert)
    assert bundle.client_cert is not None
    assert certinfo.sha256(bundle.client_cert) == certinfo.sha256(kurrent.client.cert)
    assert bundle.private_key is not None
    assert certinfo.key_matches(bundle.client_cert, bundle.private_key)
    assert bundle.p12 is not None and bundle.p12.password == "kurrent"
    assert bundle.conflicts == ()


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda f: {"certificate_bundle.tar.gz": pki.tar_bytes(f)}, id="tar.gz"),
        pytest.param(lambda f: {"bundle.tgz": pki.tar_bytes(f, folder="cluster/")}, id="tgz-sub"),
        pytest.param(lambda f: {"bundle.tar": pki.tar_bytes(f, compression="")}, id="tar"),
        pytest.param(lambda f: {"bundle.tar.xz": pki.tar_bytes(f, compression="xz")}, id="tar.xz"),
        pytest.param(lambda f: {"bundle.zip": pki.zip_bytes(f)}, id="zip"),
        pytest.param(lambda f: {"bundle.zip": pki.zip_bytes(f, folder="a/b/")}, id="zip-sub"),
        pytest.param(
            lambda f: {"outer.zip": pki.zip_bytes({"certificate_bundle.tar.gz": pki.tar_bytes(f)})},
            id="zip-of-tgz",
        ),
        pytest.param(lambda f: f, id="loose-files"),
    ],
)
def test_kurrent_bundle_in_any_container(wrap, kurrent: pki.KurrentBundle) -> None:
    assert_kurrent(read(wrap(kurrent.files())), kurrent)


def test_names_do_not_matter_content_does(kurrent: pki.KurrentBundle) -> None:
    files = kurrent.files()
    renamed = {"a.bin": files["ca.crt"], "b.txt": files["tls.crt"], "c": files["tls.key"]}
    bundle = read({"download.dat": pki.zip_bytes(renamed)})
    assert bundle.client_cert is not None and bundle.has_key and bundle.ca is not None


def test_folder_source_with_subfolder(tmp_path, kurrent: pki.KurrentBundle) -> None:
    pki.write_files(tmp_path / "dl", {f"certs/{k}": v for k, v in kurrent.files().items()})
    (tmp_path / "dl" / "README.txt").write_text("Kurrent Cloud certificates")
    bundle = read_bundle(load_source(str(tmp_path / "dl")))
    assert_kurrent(bundle, kurrent)
    assert bundle.ignored == ("README.txt",)


def test_p12_alone_opens_with_kurrent_password(kurrent: pki.KurrentBundle) -> None:
    bundle = read({"bundle.p12": pki.p12_bytes(kurrent.client, [kurrent.ca])})
    assert bundle.system is System.KURRENT_CLOUD
    assert bundle.client_cert is not None and bundle.ca is not None and bundle.has_key


def test_legacy_encrypted_p12(kurrent: pki.KurrentBundle) -> None:
    data = pki.p12_bytes(kurrent.client, [kurrent.ca], legacy=True)
    bundle = read({"old.pfx": data})
    assert bundle.p12 is not None and bundle.p12.data == data and bundle.has_key


def test_p12_with_own_password_needs_it(kurrent: pki.KurrentBundle) -> None:
    files = {"id.p12": pki.p12_bytes(kurrent.client, [kurrent.ca], password=b"s3cret")}
    with pytest.raises(BundleError, match="--password"):
        read(files)
    with pytest.raises(BundleError, match="Neither"):
        read(files, password="wrong")
    assert read(files, password="s3cret").p12.password == "s3cret"  # type: ignore[union-attr]


@pytest.mark.parametrize("key_kind", ["p256", "p384"])
def test_pem_set_with_ec_keys(key_kind: str) -> None:
    ca = pki.make_ca("postgres-operator-ca", key_kind)
    client = pki.make_leaf(ca, "admin", key_kind)
    bundle = read(
        {"ca.crt": ca.cert_pem, "client.crt": client.cert_pem, "client.key": client.key_pem()}
    )
    assert bundle.system is System.PEM_CLIENT
    assert certinfo.key_description(bundle.ca.public_key()).startswith("EC")  # type: ignore[union-attr]


def test_ca_only_pem_and_der_ccx_style() -> None:
    ca = pki.make_ca("ccx-ca", "p384")
    for files in ({"ca.pem": ca.cert_pem}, {"ca.der": ca.cert_der}, {"ca.cer": ca.cert_der}):
        bundle = read(files)
        assert bundle.system is System.CA_ONLY
        assert bundle.client_cert is None and not bundle.has_key and len(bundle.ca_certs) == 1


def test_crlf_pem_and_chain_in_one_file() -> None:
    root = pki.make_ca("root-ca")
    client = pki.make_leaf(root, "kuma-admin")
    crlf = (client.cert_pem + root.cert_pem).replace(b"\n", b"\r\n")
    bundle = read({"chain.pem": crlf, "key.pem": client.key_pem().replace(b"\n", b"\r\n")})
    assert bundle.client_cert is not None and bundle.ca is not None and bundle.has_key


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8", "traditional"])
def test_encrypted_private_key_needs_password(traditional: bool) -> None:
    ca = pki.make_ca()
    client = pki.make_leaf(ca, "c")
    files = {
        "ca.crt": ca.cert_pem,
        "c.crt": client.cert_pem,
        "c.key": client.key_pem(password=b"pw", traditional=traditional),
    }
    with pytest.raises(BundleError, match="encrypted"):
        read(files)
    with pytest.raises(BundleError, match="does not open"):
        read(files, password="nope")
    assert read(files, password="pw").has_key


def test_der_private_key_is_read() -> None:
    ca = pki.make_ca()
    client = pki.make_leaf(ca, "c")
    der_key = client.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    bundle = read({"ca.der": ca.cert_der, "c.der": client.cert_der, "c.key.der": der_key})
    assert bundle.has_key and bundle.client_cert is not None


def test_intermediate_goes_into_client_chain() -> None:
    root = pki.make_ca("root")
    inter = pki.make_intermediate(root, "intermediate")
    client = pki.make_leaf(inter, "client")
    bundle = read(
        {"all.pem": client.cert_pem + inter.cert_pem + root.cert_pem, "k.pem": client.key_pem()}
    )
    assert bundle.ca is not None and certinfo.common_name(bundle.ca.subject) == "root"
    assert [certinfo.common_name(c.subject) for c in bundle.client_chain] == ["intermediate"]


def test_pem_and_p12_that_disagree_are_flagged(kurrent: pki.KurrentBundle) -> None:
    other = pki.kurrent_bundle("other")
    files = kurrent.files() | {"bundle.p12": other.files()["bundle.p12"]}
    bundle = read(files)
    assert len(bundle.conflicts) == 3  # client cert, key and CA all differ


def test_bundle_is_immutable(kurrent: pki.KurrentBundle) -> None:
    bundle = read(kurrent.files())
    with pytest.raises(AttributeError):
        bundle.origin = "elsewhere"  # type: ignore[misc]
    shown = repr(bundle)
    assert "private_key" not in shown and "kurrent'" not in shown and "data=" not in shown
