"""verify against Python peers on loopback: TLS-alert refusals (TLS 1.3 and 1.2), a listener that
never answers, a CONNECT proxy, and cancellation from another thread."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled
from clustertrust.core.verify.run import CancelToken, TrustMode, VerifyOutcome, verify_url
from support import pki
from support.servers import free_port
from support.tls_peers import (
    AlertingTlsServer,
    Cluster,
    ConnectProxy,
    SilentListener,
    TricklingTlsServer,
    bundle_of,
    identity_files,
)

BUNDLE_ONLY = (TrustMode.BUNDLE,)


def _alerting(cluster: Cluster, folder: Path, tls12: bool = False) -> Iterator[AlertingTlsServer]:
    server = AlertingTlsServer(cluster.server, cluster.bundle.ca, folder, tls12=tls12)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls13_server(
    tmp_path_factory: pytest.TempPathFactory, cluster: Cluster
) -> Iterator[AlertingTlsServer]:
    yield from _alerting(cluster, tmp_path_factory.mktemp("tls13"))


@pytest.fixture(scope="module")
def tls12_server(
    tmp_path_factory: pytest.TempPathFactory, cluster: Cluster
) -> Iterator[AlertingTlsServer]:
    yield from _alerting(cluster, tmp_path_factory.mktemp("tls12"), tls12=True)


@pytest.fixture
def silent() -> Iterator[SilentListener]:
    listener = SilentListener()
    yield listener
    listener.stop()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectProxy]:
    server = ConnectProxy()
    _use_proxy(monkeypatch, server.proxy_url)
    yield server
    server.stop()


def _use_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("no_proxy", "NO_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", url)


def test_right_bundle_passes_the_python_tls13_server(
    tls13_server: AlertingTlsServer, bundle: Bundle
) -> None:
    result = verify_url(tls13_server.url, bundle, modes=BUNDLE_ONLY).results[0]
    assert result.ok, result.message
    assert result.tls_version == "TLSv1.3" and result.http_status == 200


def test_tls13_certificate_required_alert(
    tls13_server: AlertingTlsServer, kurrent: pki.KurrentBundle
) -> None:
    ca_only = bundle_of({"ca.crt": kurrent.ca.cert_pem})
    result = verify_url(tls13_server.url, ca_only, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REQUIRED, result.message
    assert "tlsv13_alert_certificate_required" in result.message
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in tls13_server.refusals[-1]


def test_tls13_unknown_ca_alert(
    tls13_server: AlertingTlsServer, cluster: Cluster, kurrent: pki.KurrentBundle
) -> None:
    wrong = bundle_of(identity_files(kurrent.ca, cluster.other_client))
    result = verify_url(tls13_server.url, wrong, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REJECTED, result.message
    assert "unknown_ca" in result.message and "issued by someone-else-ca" in result.message


def test_tls13_certificate_expired_alert(
    tls13_server: AlertingTlsServer, cluster: Cluster, kurrent: pki.KurrentBundle
) -> None:
    stale = bundle_of(identity_files(kurrent.ca, cluster.expired_client))
    result = verify_url(tls13_server.url, stale, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REJECTED, result.message
    assert "certificate_expired" in result.message and "it expired on" in result.message


def test_tls12_refusal_without_a_certificate_is_client_cert_required(
    tls12_server: AlertingTlsServer, kurrent: pki.KurrentBundle
) -> None:
    ca_only = bundle_of({"ca.crt": kurrent.ca.cert_pem})
    result = verify_url(tls12_server.url, ca_only, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REQUIRED, result.message
    assert result.tls_version is None  # refused inside the handshake, unlike TLS 1.3


def test_tls12_unknown_ca_alert_during_the_handshake(
    tls12_server: AlertingTlsServer, cluster: Cluster, kurrent: pki.KurrentBundle
) -> None:
    wrong = bundle_of(identity_files(kurrent.ca, cluster.other_client))
    result = verify_url(tls12_server.url, wrong, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REJECTED, result.message
    assert result.server_chain  # the chain is recorded even though the handshake failed


def test_listener_that_never_answers_times_out_in_the_handshake(
    silent: SilentListener, bundle: Bundle
) -> None:
    started = time.monotonic()
    result = verify_url(silent.url, bundle, modes=BUNDLE_ONLY, timeout=0.5).results[0]
    took = time.monotonic() - started
    assert result.outcome is VerifyOutcome.TIMEOUT
    assert "did not complete the TLS handshake within 0.5 s" in result.message
    assert result.timings.connect is not None and result.timings.handshake is None
    assert result.timings.total is not None and result.timings.total > 0
    assert 0.5 <= took < 1.0, f"{took:.2f} s"  # the whole call waited its 0.5 s, no more


def test_a_server_trickling_its_answer_cannot_stretch_the_timeout(
    cluster: Cluster, bundle: Bundle, tmp_path: Path
) -> None:
    # GIVEN a server that answers a byte a second (each read is quick, the answer is not)
    server = TricklingTlsServer(cluster.server, cluster.bundle.ca, tmp_path)
    try:
        # WHEN both kinds of trust are verified within 2 s THEN all of it takes about 2 s
        started = time.monotonic()
        report = verify_url(server.url, bundle, timeout=2)
        took = time.monotonic() - started
    finally:
        server.stop()
    assert report.results[0].outcome is VerifyOutcome.TIMEOUT, report.results[0].message
    assert 2 <= took < 2.5, f"{took:.2f} s"


def test_cancel_from_another_thread_stops_a_hanging_verification(
    silent: SilentListener, bundle: Bundle
) -> None:
    token = CancelToken()
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(verify_url(silent.url, bundle, timeout=120, cancel=token))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    while not silent.held:  # wait until the verification is connected and blocked
        time.sleep(0.01)
    token.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_verify_goes_through_the_https_proxy(
    proxy: ConnectProxy, tls13_server: AlertingTlsServer, bundle: Bundle
) -> None:
    report = verify_url(tls13_server.url, bundle, modes=BUNDLE_ONLY)
    assert report.ok, report.verdict.message
    assert proxy.tunnels == [f"127.0.0.1:{tls13_server.port}"]
    assert report.results[0].proxy == f"127.0.0.1:{proxy.port}"


def test_refusal_is_still_diagnosed_through_the_proxy(
    proxy: ConnectProxy, tls13_server: AlertingTlsServer, kurrent: pki.KurrentBundle
) -> None:
    ca_only = bundle_of({"ca.crt": kurrent.ca.cert_pem})
    result = verify_url(tls13_server.url, ca_only, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REQUIRED
    assert proxy.tunnels


def test_proxy_that_cannot_reach_the_cluster(proxy: ConnectProxy, bundle: Bundle) -> None:
    port = free_port()
    result = verify_url(f"https://127.0.0.1:{port}/", bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CONNECTION_REFUSED
    assert "502 Bad Gateway" in result.message and f"127.0.0.1:{port}" in result.message
    assert "proxy" in result.message


def test_proxy_that_wants_a_login(
    monkeypatch: pytest.MonkeyPatch, tls13_server: AlertingTlsServer, bundle: Bundle
) -> None:
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    server = ConnectProxy(require_auth=expected)
    try:
        _use_proxy(monkeypatch, server.proxy_url)
        refused = verify_url(tls13_server.url, bundle, modes=BUNDLE_ONLY).results[0]
        assert refused.outcome is VerifyOutcome.CONNECTION_REFUSED
        assert "407" in refused.message and "USER:PASS" in refused.fix
        _use_proxy(monkeypatch, f"http://alice:s3cret@127.0.0.1:{server.port}")
        assert verify_url(tls13_server.url, bundle, modes=BUNDLE_ONLY).ok
    finally:
        server.stop()


def test_proxy_that_is_not_running(monkeypatch: pytest.MonkeyPatch, bundle: Bundle) -> None:
    _use_proxy(monkeypatch, f"http://127.0.0.1:{free_port()}")
    result = verify_url("https://127.0.0.1:2113/", bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CONNECTION_REFUSED
    assert "The proxy 127.0.0.1" in result.message and "https_proxy" in result.fix
