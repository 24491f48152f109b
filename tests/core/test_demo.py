"""The demo cluster: a real private CA, a real mutual-TLS server and a real bundle download."""

from __future__ import annotations

import socket
import ssl
import stat
import sys
from pathlib import Path

import pytest
from clustertrust.core import certinfo, i18n
from clustertrust.core.bundle.checks import check_bundle, has_errors
from clustertrust.core.bundle.reader import System, read_bundle
from clustertrust.core.demo import BUNDLE_NAME, DemoCluster, start_demo
from clustertrust.core.source.load import load_source
from cryptography.hazmat.primitives import serialization
from support import pki
from support.cli_runs import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import catalogs


@pytest.fixture
def demo() -> DemoCluster:
    cluster = start_demo()
    yield cluster
    cluster.stop()


def get(url: str, context: ssl.SSLContext) -> tuple[int, bytes]:
    """One raw HTTPS GET with the given client context (no redirects, no proxies)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def identity_context(demo: DemoCluster, tmp_path: Path, with_client: bool = True) -> ssl.SSLContext:
    context = demo.download_context()
    if with_client:
        files = pki.write_files(tmp_path / "id", demo.pki.bundle_files())
        context.load_cert_chain(files / "tls.crt", files / "tls.key")
    return context


def test_bundle_download_is_a_clean_kurrent_bundle(demo: DemoCluster) -> None:
    # GIVEN the running demo WHEN its bundle URL is read like any other source
    bundle = read_bundle(load_source(demo.bundle_url, context=demo.download_context()))
    # THEN it is a Kurrent Cloud bundle from the demo's CA that would install
    assert bundle.system is System.KURRENT_CLOUD
    assert bundle.ca is not None and certinfo.sha256(bundle.ca) == certinfo.sha256(demo.pki.ca)
    assert bundle.client_cert is not None and bundle.has_key and bundle.p12 is not None
    assert certinfo.common_name(bundle.client_cert.subject).endswith("-kurrentdb-client")
    assert not has_errors(check_bundle(bundle))
    assert demo.bundle_url.endswith(BUNDLE_NAME) and demo.bundle_url.startswith(
        "https://127.0.0.1:"
    )


def test_cluster_ui_demands_the_client_certificate(demo: DemoCluster, tmp_path: Path) -> None:
    status, body = get(demo.ui_url, identity_context(demo, tmp_path))
    assert status == 200 and b"kurrentdb-client" in body
    # A browser that trusts the CA but sends no certificate gets nginx's answer.
    status, body = get(demo.ui_url, identity_context(demo, tmp_path, with_client=False))
    assert status == 400 and b"No required SSL certificate was sent" in body


def test_the_demo_page_speaks_the_language_chosen(demo: DemoCluster, tmp_path: Path) -> None:
    catalogs.compile_all()
    i18n.use_languages(["de"])
    try:
        status, body = get(demo.ui_url, identity_context(demo, tmp_path))
    finally:
        i18n.use_languages([])
    page = body.decode()
    assert status == 200 and '<html lang="de">' in page
    assert "<p>Verbunden mit dem Client-Zertifikat demo" in page


def test_foreign_client_certificate_fails_the_handshake(demo: DemoCluster, tmp_path: Path) -> None:
    other = pki.kurrent_bundle("elsewhere", key_kind="p256")
    files = pki.write_files(tmp_path / "other", other.files())
    context = demo.download_context()
    context.load_cert_chain(files / "tls.crt", files / "tls.key")
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        get(demo.ui_url, context)


def test_without_the_demo_ca_the_server_is_untrusted(demo: DemoCluster) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        get(demo.ui_url, ssl.create_default_context())


def test_verify_against_the_demo_is_real(demo: DemoCluster) -> None:
    from clustertrust.core.verify.run import TrustMode, VerifyOutcome, verify_url

    bundle = read_bundle(load_source(demo.bundle_url, context=demo.download_context()))
    report = verify_url(demo.ui_url, bundle, modes=(TrustMode.BUNDLE,), remember=False)
    assert report.ok, report.verdict.message
    # The same server, reached trusting only this machine's store: the demo CA is not there.
    system = verify_url(demo.ui_url, bundle, modes=(TrustMode.SYSTEM,), remember=False)
    assert system.outcome is VerifyOutcome.SERVER_UNTRUSTED


def test_server_key_is_private_and_everything_goes_on_stop(tmp_path: Path) -> None:
    demo = start_demo()
    key = demo.folder / "server" / "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    serialization.load_pem_private_key(key.read_bytes(), None)
    port = int(demo.ui_url.rsplit(":", 1)[1].strip("/"))
    demo.stop()
    assert not demo.folder.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_given_folder_is_kept(tmp_path: Path) -> None:
    with start_demo(tmp_path / "demo") as demo:
        assert demo.sandbox == tmp_path / "demo" / "sandbox" and demo.sandbox.is_dir()
    assert (tmp_path / "demo").is_dir()


def test_demo_command_is_listed(isolated_dirs: Path) -> None:
    result = cli(isolated_dirs, "demo", "--help")
    assert result.code == 0
    assert "sandbox" in result.out
