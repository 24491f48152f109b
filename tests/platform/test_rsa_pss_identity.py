"""GIVEN a bundle whose keys are RSA-PSS (id-RSASSA-PSS), made with openssl, WHEN installed and
used, THEN the key stays the one its certificate names: the identity files' tls.key matches
tls.crt by openssl's own reading, verify logs in to `openssl s_server -Verify` over TLS 1.2 and
1.3, and the NSS import logs in with NSS's tstclnt."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform import nss
from clustertrust.platform.identity_files import IdentityFilesStore
from clustertrust.platform.runner import SubprocessRunner
from support import openssl_pki
from support.servers import free_port, wait_for_port

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")


@pytest.fixture(scope="module")
def pss(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return openssl_pki.make_pss_pki(tmp_path_factory.mktemp("pss")).parent


def openssl_out(*args: str) -> str:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=True).stdout


def public_key_of_cert(cert: Path) -> str:
    return openssl_out("x509", "-in", str(cert), "-noout", "-pubkey")


def public_key_of_key(key: Path, password: str = "") -> str:
    return openssl_out("pkey", "-in", str(key), "-pubout", "-passin", f"pass:{password}")


def bundle_variants(pss: Path, tmp_path: Path) -> dict[str, tuple[Path, str | None]]:
    """The same identity as plain PKCS#8, as an encrypted PKCS#8 key and inside a PKCS#12."""
    encrypted = tmp_path / "encrypted"
    encrypted.mkdir()
    shutil.copy(pss / "bundle" / "ca.crt", encrypted / "ca.crt")
    shutil.copy(pss / "bundle" / "tls.crt", encrypted / "tls.crt")
    openssl_pki.openssl(
        "pkcs8", "-topk8", "-in", str(pss / "tls.key"), "-out", str(encrypted / "tls.key"),
        "-passout", "pass:secret", cwd=tmp_path,
    )  # fmt: skip
    p12 = tmp_path / "p12"
    p12.mkdir()
    openssl_pki.openssl(
        "pkcs12", "-export", "-in", str(pss / "tls.crt"), "-inkey", str(pss / "tls.key"),
        "-certfile", str(pss / "ca.crt"), "-out", str(p12 / "bundle.p12"),
        "-passout", "pass:kurrent", cwd=tmp_path,
    )  # fmt: skip
    return {"pkcs8": (pss / "bundle", None), "encrypted": (encrypted, "secret"), "p12": (p12, None)}


@pytest.mark.parametrize("variant", ["pkcs8", "encrypted", "p12"])
def test_identity_files_tls_key_matches_tls_crt_by_openssl(
    variant: str, pss: Path, tmp_path: Path
) -> None:
    source, password = bundle_variants(pss, tmp_path)[variant]
    bundle = read_bundle(load_source(str(source)), password=password)
    (step,) = IdentityFilesStore(tmp_path / "identities").plan_install(bundle, Scope.USER)
    step.run()
    folder = Path(step.record.location)
    assert public_key_of_key(folder / "tls.key") == public_key_of_cert(folder / "tls.crt")
    der = keys.pem_body((folder / "tls.key").read_bytes())
    assert der is not None and keys.algorithm_oid(der) == keys.RSASSA_PSS
    assert (folder / "tls.key").stat().st_mode & 0o777 == 0o600


def test_an_unencrypted_pkcs8_key_is_written_byte_for_byte(pss: Path, tmp_path: Path) -> None:
    bundle = read_bundle(load_source(str(pss / "bundle")))
    (step,) = IdentityFilesStore(tmp_path / "identities").plan_install(bundle, Scope.USER)
    step.run()
    written = keys.pem_body((Path(step.record.location) / "tls.key").read_bytes())
    assert written == keys.pem_body((pss / "tls.key").read_bytes())


@pytest.fixture
def s_server(pss: Path) -> Iterator[tuple[int, Path]]:
    """`openssl s_server -Verify 1`: a client certificate signed by the CA is required."""
    port = free_port()
    log = pss / f"s_server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["openssl", "s_server", "-accept", str(port), "-cert", "server.crt",
             "-key", "server.key", "-CAfile", "ca.crt", "-Verify", "1", "-www"],
            cwd=pss, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=10)


def verify_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["verify", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("variant", ["pkcs8", "encrypted", "p12"])
def test_verify_logs_in_to_openssl_s_server_with_the_pss_identity(
    variant: str,
    pss: Path,
    tmp_path: Path,
    s_server: tuple[int, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    port, log = s_server
    source, password = bundle_variants(pss, tmp_path)[variant]
    argv = [f"https://127.0.0.1:{port}/", "--bundle", str(source), "--trust", "bundle"]
    code, document = verify_json(capsys, *argv, *(["--password", password] if password else []))
    assert (code, document["outcome"]) == (0, "ok"), document
    assert "CN = pss-tls" in log.read_text(errors="replace")  # the server saw our certificate


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_the_client_context_presents_the_pss_key_over_each_tls_version(
    version: str, pss: Path, s_server: tuple[int, Path]
) -> None:
    import socket
    import ssl

    from clustertrust.core.verify.identity import client_context
    from clustertrust.core.verify.result import TrustMode

    port, _ = s_server
    context = client_context(read_bundle(load_source(str(pss / "bundle"))), TrustMode.BUNDLE)
    context.maximum_version = context.minimum_version = ssl.TLSVersion[version.replace(".", "_")]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            answer = tls.recv(64)
            assert tls.version() == version
    assert answer.startswith(b"HTTP/1.0 200"), answer


@pytest.fixture
def pss_bundle(pss: Path) -> Bundle:
    return read_bundle(load_source(str(pss / "bundle")))


@pytest.mark.skipif(not shutil.which("tstclnt"), reason="needs NSS tstclnt (libnss3-tools)")
@pytest.mark.parametrize("version", ["tls1.2", "tls1.3"])
def test_nss_import_logs_in_with_tstclnt(
    version: str, pss_bundle: Bundle, tmp_path: Path, s_server: tuple[int, Path]
) -> None:
    port, log = s_server
    db = tmp_path / "nssdb"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    store = nss.NssStore(SubprocessRunner(), [nss.Database(db)])
    steps = store.plan_install(pss_bundle, Scope.USER)
    for step in steps:
        step.run()
    nick = steps[-1].record.name
    # tstclnt offers no RSA-PSS certificate schemes unless asked; browsers do.
    schemes = "rsa_pss_pss_sha256,rsa_pss_rsae_sha256"
    request = tmp_path / "request.txt"
    request.write_bytes(b"GET / HTTP/1.0\r\n\r\n")  # with -A tstclnt exits after the answer
    result = subprocess.run(
        ["tstclnt", "-h", "127.0.0.1", "-p", str(port), "-d", f"sql:{db}", "-n", nick,
         "-V", f"{version}:{version}", "-J", schemes, "-A", str(request)],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
    )  # fmt: skip
    assert b"HTTP/1.0 200" in result.stdout, result.stderr.decode(errors="replace")
    assert "CN = pss-tls" in log.read_text(errors="replace")


def test_a_restricted_pss_key_from_a_p12_keeps_its_restrictions(pss: Path, tmp_path: Path) -> None:
    """cryptography forgets a PSS key's hash and salt restrictions when it opens a PKCS#12; the
    written key takes them back from the certificate, so it still equals the certificate's key."""
    run = lambda *args: openssl_pki.openssl(*args, cwd=tmp_path)  # noqa: E731
    run("genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048",
        "-pkeyopt", "rsa_pss_keygen_md:sha256", "-pkeyopt", "rsa_pss_keygen_saltlen:32",
        "-out", "r.key")  # fmt: skip
    run("req", "-new", "-key", "r.key", "-subj", "/CN=restricted", "-out", "r.csr")
    run("x509", "-req", "-in", "r.csr", "-CA", str(pss / "ca.crt"), "-CAkey", str(pss / "ca.key"),
        "-days", "30", "-extfile", str(pss / "tls.ext"), "-out", "r.crt")  # fmt: skip
    (tmp_path / "p12").mkdir()
    run("pkcs12", "-export", "-in", "r.crt", "-inkey", "r.key", "-certfile", str(pss / "ca.crt"),
        "-out", "p12/bundle.p12", "-passout", "pass:kurrent")  # fmt: skip
    bundle = read_bundle(load_source(str(tmp_path / "p12")))
    (step,) = IdentityFilesStore(tmp_path / "identities").plan_install(bundle, Scope.USER)
    step.run()
    folder = Path(step.record.location)
    assert public_key_of_key(folder / "tls.key") == public_key_of_cert(tmp_path / "r.crt")
