"""GIVEN bundles as the PKI tools people use write them (GnuTLS certtool, easy-rsa, tls-gen,
keytool, strongSwan pki, cfssl; Vault, cert-manager and kubeconfig layouts), WHEN read and
installed, THEN each is used as a person would expect, or refused naming the format and the
command that converts it; the installed identity logs in to a real nginx."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import certinfo
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.checks import Severity, check_bundle, has_errors
from clustertrust.core.bundle.pieces import JavaKeystore
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.errors import PasswordNeeded
from clustertrust.core.source.load import load_source
from cryptography.hazmat.primitives import serialization
from support import pki, pki_tools


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
    [
        ("client.key", None),
        ("client.p8.pem", "secret"),
        ("client.der", None),
        ("client.p12", "secret"),
    ],
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


@pytest.fixture(scope="module")
def easyrsa_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pki_tools.easyrsa_pki(tmp_path_factory.mktemp("easyrsa"))


def test_an_easyrsa_pki_folder_uses_the_pem_identity_beside_its_locked_p12(
    easyrsa_pki: Path,
) -> None:
    bundle = read_bundle(load_source(str(easyrsa_pki)))
    assert bundle.client_cert is not None and bundle.has_key
    assert certinfo.common_name(bundle.client_cert.subject) == "client1"
    assert [certinfo.common_name(c.subject) for c in bundle.ca_certs] == ["Easy-RSA CA"]
    found = {f.code: f for f in check_bundle(bundle)}
    assert not has_errors(list(found.values()))
    locked = found["locked_p12_left_out"]
    assert locked.severity is Severity.WARNING
    assert locked.message.startswith("private/client1.p12 is protected by a password")
    assert "the readable client identity beside it is used" in locked.message
    # The CA's own key is under easy-rsa's passphrase: named, not needed.
    assert found["key_block_left_out"].severity is Severity.WARNING
    assert found["server_cert_left_out"].severity is Severity.INFO


def test_the_p12_password_opens_it_and_it_agrees_with_the_pem_files(easyrsa_pki: Path) -> None:
    bundle = read_bundle(load_source(str(easyrsa_pki)), password="secret")
    assert bundle.p12 is not None and bundle.p12.name == "private/client1.p12"
    assert bundle.conflicts == ()
    assert "locked_p12_left_out" not in {f.code for f in check_bundle(bundle)}


def test_a_locked_p12_with_no_identity_beside_it_asks_for_its_password(
    easyrsa_pki: Path, tmp_path: Path
) -> None:
    files = {"ca.crt": easyrsa_pki / "ca.crt", "client1.p12": easyrsa_pki / "private/client1.p12"}
    source = folder_of(tmp_path / "b", files)
    with pytest.raises(PasswordNeeded, match=r"client1\.p12 is protected by a password"):
        read_bundle(load_source(str(source)))


def test_an_easyrsa_pki_folder_logs_in_to_nginx(
    easyrsa_pki: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verified = pki_tools.logs_in(tmp_path, capsys, easyrsa_pki, pki_tools.server_of(easyrsa_pki))
    assert verified["outcome"] == "ok"


def test_an_identity_only_p12_is_installed_with_the_ca_file_beside_it(
    easyrsa_pki: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Keychain or browser export holds the identity without its CA (made here with openssl
    from easy-rsa's files, as `openssl pkcs12 -export` without -certfile writes it)."""
    folder = tmp_path / "b"
    folder.mkdir()
    pki_tools.run("openssl", "pkcs12", "-export", "-in", str(easyrsa_pki / "issued/client1.crt"),
                  "-inkey", str(easyrsa_pki / "private/client1.key"), "-passout", "pass:export",
                  "-out", str(folder / "Client1.p12"), cwd=folder)  # fmt: skip
    alone = read_bundle(load_source(str(folder / "Client1.p12")), password="export")
    assert alone.client_cert is not None and alone.has_key
    (missing,) = [f for f in check_bundle(alone) if f.code == "ca_missing"]
    assert "Put it in one folder with the client's files and choose that folder." in missing.message
    shutil.copy(easyrsa_pki / "ca.crt", folder / "ca.crt")
    bundle = read_bundle(load_source(str(folder)), password="export")
    assert bundle.client_cert is not None and bundle.has_key and len(bundle.ca_certs) == 1
    assert not has_errors(check_bundle(bundle))
    server = pki_tools.server_of(easyrsa_pki)
    verified = pki_tools.logs_in(tmp_path, capsys, folder, server, "--password", "export")
    assert verified["outcome"] == "ok"


def test_a_fresh_easyrsa_pki_with_its_empty_index_gives_the_ca(tmp_path: Path) -> None:
    easyrsa = pki_tools.need("easyrsa")
    env = {"EASYRSA_BATCH": "1", "EASYRSA_REQ_CN": "Fresh CA"}
    pki_tools.run_env(env, easyrsa, "init-pki", cwd=tmp_path)
    pki_tools.run_env(env, easyrsa, "build-ca", "nopass", cwd=tmp_path)
    assert (tmp_path / "pki/index.txt").read_bytes() == b""
    bundle = read_bundle(load_source(str(tmp_path / "pki")))
    assert [certinfo.common_name(c.subject) for c in bundle.ca_certs] == ["Fresh CA"]
    assert "index.txt" in bundle.ignored


@pytest.fixture(scope="module")
def tls_gen_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pki_tools.tls_gen_result(tmp_path_factory.mktemp("tls-gen"))


def test_a_tls_gen_result_folder_names_the_server_p12_and_leaves_it_out(
    tls_gen_result: Path,
) -> None:
    bundle = read_bundle(load_source(str(tls_gen_result)))
    assert bundle.client_cert is not None and bundle.has_key
    assert bundle.p12 is not None and bundle.p12.name == "client_localhost.p12"
    assert bundle.conflicts == ()
    findings = check_bundle(bundle)
    assert not has_errors(findings)
    (server,) = [f for f in findings if f.code == "server_cert_left_out"]
    assert server.severity is Severity.INFO
    assert "'localhost' (with its private key), also in server_localhost.p12," in server.message


def test_tls_gen_p12s_alone_give_the_client(tls_gen_result: Path, tmp_path: Path) -> None:
    names = ("server_localhost.p12", "client_localhost.p12")
    source = folder_of(tmp_path / "b", {n: tls_gen_result / n for n in names})
    bundle = read_bundle(load_source(str(source)))
    assert bundle.client_cert is not None and bundle.has_key and len(bundle.ca_certs) == 1
    assert bundle.conflicts == ()
    (server,) = [f for f in check_bundle(bundle) if f.code == "server_cert_left_out"]
    assert "'localhost' in server_localhost.p12 is for a server" in server.message


def test_a_tls_gen_result_folder_logs_in_to_nginx(
    tls_gen_result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verified = pki_tools.logs_in(tmp_path, capsys, tls_gen_result, tls_gen_server(tls_gen_result))
    assert verified["outcome"] == "ok"


@pytest.fixture(scope="module")
def cfssl_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return pki_tools.cfssl_pki(tmp_path_factory.mktemp("cfssl"))


def cfssl_server(cfssl_pki: dict[str, Path]) -> dict[str, Path]:
    return {"cert": cfssl_pki["server.pem"], "key": cfssl_pki["server-key.pem"],
            "ca": cfssl_pki["ca.pem"]}  # fmt: skip


def test_cfssl_json_output_gives_the_client_identity(
    cfssl_pki: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = folder_of(tmp_path / "b", {n: cfssl_pki[n] for n in ("ca.pem", "client.json")})
    bundle = read_bundle(load_source(str(source)))
    assert bundle.client_cert is not None and bundle.has_key
    assert certinfo.common_name(bundle.client_cert.subject) == "cfssl client"
    assert [certinfo.common_name(c.subject) for c in bundle.ca_certs] == ["cfssl CA"]
    assert set(bundle.files) == {"ca.pem", "client.json (cert)", "client.json (key)"}
    assert not has_errors(check_bundle(bundle))
    assert pki_tools.logs_in(tmp_path, capsys, source, cfssl_server(cfssl_pki))["outcome"] == "ok"


def structured(tmp: Path, name: str, text: str) -> Path:
    tmp.mkdir()
    (tmp / name).write_text(text)
    return tmp / name


@pytest.mark.parametrize("layout", ["cert-manager", "kubeconfig"])
def test_kubernetes_documents_give_the_identity_and_log_in(
    cfssl_pki: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: str
) -> None:
    answer = json.loads(cfssl_pki["client.json"].read_text())
    ca, cert, key = (
        cfssl_pki["ca.pem"].read_bytes(),
        answer["cert"].encode(),
        answer["key"].encode(),
    )
    if layout == "cert-manager":
        text = pki_tools.cert_manager_secret(ca, cert, key)
        source = structured(tmp_path / "b", "client-tls.yaml", text)
    else:
        text = pki_tools.kubeconfig(ca, cert, key, "https://127.0.0.1:6443")
        source = structured(tmp_path / "b", "config", text)
    bundle = read_bundle(load_source(str(source)))
    assert bundle.client_cert is not None and bundle.has_key and len(bundle.ca_certs) == 1
    assert not has_errors(check_bundle(bundle))
    assert pki_tools.logs_in(tmp_path, capsys, source, cfssl_server(cfssl_pki))["outcome"] == "ok"


@pytest.fixture(scope="module")
def jks_identity(tls_gen_result: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ca = (tls_gen_result / "ca_certificate.pem", tls_gen_result / "ca_key.pem")
    return pki_tools.keytool_identity(tmp_path_factory.mktemp("jks"), *ca, "JKS")


def tls_gen_server(tls_gen_result: Path) -> dict[str, Path]:
    return {
        "cert": tls_gen_result / "server_localhost_certificate.pem",
        "key": tls_gen_result / "server_localhost_key.pem",
        "ca": tls_gen_result / "ca_certificate.pem",
    }


def test_a_jks_keystore_is_refused_with_the_command_that_converts_it_and_that_command_works(
    jks_identity: Path, tls_gen_result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = shutil.copy(jks_identity, tmp_path / "client.jks")
    with pytest.raises(JavaKeystore) as refused:
        read_bundle(load_source(str(store)))
    assert (
        refused.value.message
        == "client.jks is a Java keystore (JKS), which ClusterTrust cannot read."
    )
    command = (
        "keytool -importkeystore -srckeystore client.jks -destkeystore client.jks.p12 "
        "-deststoretype pkcs12"
    )
    assert refused.value.fix == (
        f"Convert it to PKCS#12 with the JDK's keytool, then choose client.jks.p12: {command}"
    )
    # The command as shown, answering keytool's three password prompts on its standard input.
    pki_tools.run(*shlex.split(command), cwd=tmp_path, stdin="exported\nexported\nchangeit\n")
    converted = tmp_path / "client.jks.p12"
    bundle = read_bundle(load_source(str(converted)), password="exported")
    assert bundle.client_cert is not None and bundle.has_key and len(bundle.ca_certs) == 1
    assert certinfo.common_name(bundle.client_cert.subject) == "Java Client"
    server = tls_gen_server(tls_gen_result)
    verified = pki_tools.logs_in(tmp_path, capsys, converted, server, "--password", "exported")
    assert verified["outcome"] == "ok"


def test_a_jceks_keystore_is_named_as_such(tls_gen_result: Path, tmp_path: Path) -> None:
    ca = (tls_gen_result / "ca_certificate.pem", tls_gen_result / "ca_key.pem")
    store = pki_tools.keytool_identity(tmp_path / "jceks", *ca, "JCEKS")
    with pytest.raises(JavaKeystore, match=r"client\.jceks is a Java keystore \(JCEKS\)"):
        read_bundle(load_source(str(store)))


def test_a_truststore_jks_beside_a_pem_identity_is_left_out_with_the_command(
    jks_identity: Path, tls_gen_result: Path, tmp_path: Path
) -> None:
    names = ("ca_certificate.pem", "client_localhost_certificate.pem", "client_localhost_key.pem")
    files = {n: tls_gen_result / n for n in names} | {"truststore.jks": jks_identity}
    bundle = read_bundle(load_source(str(folder_of(tmp_path / "b", files))))
    assert bundle.client_cert is not None and bundle.has_key
    found = {f.code: f for f in check_bundle(bundle)}
    assert not has_errors(list(found.values()))
    assert found["java_keystore_left_out"].severity is Severity.WARNING
    assert (
        "keytool -importkeystore -srckeystore truststore.jks"
        in found["java_keystore_left_out"].message
    )


@pytest.fixture(scope="module")
def vault_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Vault's usual two mounts: pki (the root) signed pki_int (the issuing intermediate), and
    pki_int issues the client and the server; the server sends its chain, as nginx is told to."""
    folder = tmp_path_factory.mktemp("vault")
    root = pki.make_ca("Vault Root CA")
    issuing = pki.make_intermediate(root, "Vault Intermediate CA")
    client = pki.make_leaf(issuing, "Vault Client")
    server = pki.make_leaf(issuing, "localhost", client=False, server_names=["127.0.0.1"])
    answer = pki_tools.vault_issue(
        client.cert_pem, issuing.cert_pem, [issuing.cert_pem], client.key_pem(traditional=True)
    )
    files = {
        "issue.json": answer.encode(),
        "server-chain.pem": server.cert_pem + issuing.cert_pem,
        "server.key": server.key_pem(),
        "client-cas.pem": issuing.cert_pem + root.cert_pem,
        "issuing.pem": issuing.cert_pem,
        "server.pem": server.cert_pem,
    }
    return {name: pki.write_files(folder, {name: data}) / name for name, data in files.items()}


def test_a_vault_issue_answer_gives_the_identity_and_its_issuing_ca(
    vault_pki: dict[str, Path], tmp_path: Path
) -> None:
    source = folder_of(tmp_path / "b", {"issue.json": vault_pki["issue.json"]})
    bundle = read_bundle(load_source(str(source)))
    assert bundle.client_cert is not None and bundle.has_key
    assert [certinfo.common_name(c.subject) for c in bundle.ca_certs] == ["Vault Intermediate CA"]
    assert "issue.json (data.private_key)" in bundle.files
    assert not has_errors(check_bundle(bundle))


def test_a_bundle_whose_only_ca_is_the_issuing_intermediate_verifies_with_partial_chain_trust(
    vault_pki: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = {"cert": vault_pki["server-chain.pem"], "key": vault_pki["server.key"],
              "ca": vault_pki["client-cas.pem"]}  # fmt: skip
    source = folder_of(tmp_path / "b", {"issue.json": vault_pki["issue.json"]})
    verified = pki_tools.logs_in(tmp_path, capsys, source, server)
    assert verified["outcome"] == "ok"

    # OpenSSL says the same of that server's certificate with the intermediate as the anchor.
    def openssl_verify(*flags: str) -> int:
        argv = ["openssl", "verify", "-CAfile", str(vault_pki["issuing.pem"]), *flags]
        return subprocess.run([*argv, str(vault_pki["server.pem"])], capture_output=True).returncode

    assert openssl_verify() != 0
    assert openssl_verify("-partial_chain") == 0


@pytest.fixture(scope="module")
def strongswan_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return pki_tools.strongswan_pki(tmp_path_factory.mktemp("strongswan"))


def test_an_ed25519_identity_is_refused_for_nss_at_plan_time_and_installed_where_it_can_be(
    strongswan_pki: dict[str, Path],
    isolated_dirs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = pki_tools.chromium_nss_db(isolated_dirs)
    source = folder_of(tmp_path / "b", {n: strongswan_pki[n] for n in ("ca.crt", "client.crt",
                                                                        "client.key")})  # fmt: skip
    assert main(["install", str(source), "--dry-run", "--json", "--stores", "nss,files"]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    (skipped,) = plan["unavailable"]
    assert skipped["store"] == "Browser certificate databases (NSS)"
    assert skipped["reason"] == (
        "it cannot hold Ed25519 keys ('strongSwan Ed25519 CA', 'strongSwan Client'), so nothing "
        "goes there; these can: Identity files for command-line clients."
    )
    assert [step["store"] for step in plan["steps"]] == ["identity-files"]
    server = {"cert": strongswan_pki["server.crt"], "key": strongswan_pki["server.key"],
              "ca": strongswan_pki["ca.crt"]}  # fmt: skip
    verified = pki_tools.logs_in(tmp_path, capsys, source, server, "--stores", "nss,files")
    assert verified["outcome"] == "ok"
    listed = pki_tools.run("certutil", "-L", "-d", f"sql:{db}", cwd=tmp_path)
    assert "ClusterTrust" not in listed  # NSS was never asked: nothing half done there


def test_an_easyrsa_ed25519_pki_for_nss_alone_is_refused_before_any_change(
    isolated_dirs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pki_tools.chromium_nss_db(isolated_dirs)
    folder = pki_tools.easyrsa_pki(tmp_path / "ed", "--use-algo=ed", "--curve=ed25519")
    before = sorted(str(p) for p in isolated_dirs.rglob("*"))
    assert main(["install", str(folder), "--yes", "--stores", "nss"]) == 2
    refused = capsys.readouterr().err
    assert "it cannot hold Ed25519 keys ('Easy-RSA CA', 'client1')" in refused
    assert "choose a store that can, such as the identity files (--stores files)" in refused
    assert sorted(str(p) for p in isolated_dirs.rglob("*")) == before
