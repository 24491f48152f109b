"""verify against a real nginx on 127.0.0.x: every outcome nginx can produce, both trust modes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clustertrust.core import certinfo, i18n
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.verify import replay
from clustertrust.core.verify.run import TrustMode, VerifyOutcome, verify_url
from clustertrust.core.verify.store import load_last_verification
from support import pki
from support.tls_peers import (
    Cluster,
    NginxSetup,
    bundle_of,
    identity_files,
    make_intermediate,
)

BUNDLE_ONLY = (TrustMode.BUNDLE,)


@pytest.fixture
def system_trusts_cluster_ca(
    tmp_path: Path, kurrent: pki.KurrentBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenSSL's system bundle (what truststore uses on Linux), as after an install, without
    touching this machine's store: SSL_CERT_FILE points at a copy with the cluster CA added."""
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    ours = tmp_path / "ca-certificates.crt"
    ours.write_bytes((system.read_bytes() if system.exists() else b"") + kurrent.ca.cert_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(ours))


def test_right_bundle_works_with_its_own_ca(nginx: NginxSetup, bundle: Bundle) -> None:
    report = verify_url(nginx.url("mtls"), bundle, modes=BUNDLE_ONLY)
    result = report.results[0]
    assert report.ok and result.outcome is VerifyOutcome.OK, result.message
    assert result.http_status == 200
    assert result.tls_version in ("TLSv1.2", "TLSv1.3") and result.cipher
    assert [c.subject for c in result.server_chain] == ["cluster-ui"]
    assert result.server_chain[0].issuer == "d4f2example-ca"
    assert result.client_certificate and result.client_certificate.subject.endswith("-client")
    timings = result.timings
    assert None not in (timings.dns, timings.connect, timings.handshake, timings.first_byte)
    assert timings.total is not None and timings.total >= timings.handshake  # type: ignore[operator]
    assert result.client_cert_requested is True


def test_before_install_the_system_store_does_not_trust_the_cluster(
    nginx: NginxSetup, bundle: Bundle
) -> None:
    report = verify_url(nginx.url("mtls"), bundle)
    assert report.result(TrustMode.BUNDLE).ok  # type: ignore[union-attr]
    system = report.result(TrustMode.SYSTEM)
    assert system is not None and system.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert "does not trust the cluster's CA d4f2example-ca yet" in system.message
    assert "clustertrust install certificate_bundle.tar.gz" in system.fix
    assert not report.ok and report.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert report.verdict.message.startswith("The bundle works with its own CA")


@pytest.mark.usefixtures("system_trusts_cluster_ca")
def test_after_install_both_trust_modes_work(nginx: NginxSetup, bundle: Bundle) -> None:
    report = verify_url(nginx.url("mtls"), bundle)
    assert [r.outcome for r in report.results] == [VerifyOutcome.OK, VerifyOutcome.OK]
    assert report.ok and "trust store and with the bundle's CA" in report.verdict.message


def test_no_client_certificate_is_client_cert_required(
    nginx: NginxSetup, kurrent: pki.KurrentBundle
) -> None:
    ca_only = bundle_of({"ca.crt": kurrent.ca.cert_pem})
    result = verify_url(nginx.url("mtls"), ca_only, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REQUIRED
    assert result.http_status == 400  # nginx sends its 496 as 400 "No required SSL certificate"
    assert "No required SSL certificate was sent" in result.message
    assert "holds no client certificate" in result.fix


def test_client_certificate_from_another_ca_is_rejected(
    nginx: NginxSetup, cluster: Cluster, kurrent: pki.KurrentBundle
) -> None:
    wrong = bundle_of(identity_files(kurrent.ca, cluster.other_client))
    result = verify_url(nginx.url("mtls"), wrong, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REJECTED
    assert result.http_status == 400 and "SSL certificate error" in result.message
    assert "issued by someone-else-ca" in result.message
    assert "current bundle" in result.fix


def test_expired_client_certificate_is_rejected_as_expired(
    nginx: NginxSetup, cluster: Cluster, kurrent: pki.KurrentBundle
) -> None:
    stale = bundle_of(identity_files(kurrent.ca, cluster.expired_client))
    result = verify_url(nginx.url("mtls"), stale, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CLIENT_CERT_REJECTED
    expiry = cluster.expired_client.cert.not_valid_after_utc
    assert f"it expired on {expiry:%Y-%m-%d}" in result.message
    assert "renewed" in result.fix


def test_server_signed_by_another_ca_names_that_ca(nginx: NginxSetup, bundle: Bundle) -> None:
    report = verify_url(nginx.url("other_ca"), bundle)
    result = report.result(TrustMode.BUNDLE)
    assert result is not None and result.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert "goes to the CA someone-else-ca, not to the bundle's CA d4f2example-ca" in result.message
    assert result.server_chain and result.server_chain[0].issuer == "someone-else-ca"
    system = report.result(TrustMode.SYSTEM)
    assert system is not None and system.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert "not the bundle's CA d4f2example-ca" in system.message
    assert report.outcome is VerifyOutcome.SERVER_UNTRUSTED and not report.ok


def test_rotated_ca_with_the_same_name_says_the_bundle_is_old(
    nginx: NginxSetup, bundle: Bundle, cluster: Cluster
) -> None:
    result = verify_url(nginx.url("rotated_ca"), bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert "like the bundle's CA, but a different key signed it" in result.message
    assert certinfo.sha256(cluster.bundle.ca.cert)[:16] in result.message
    assert "Download the current certificate bundle" in result.fix


def test_name_the_certificate_does_not_cover_lists_the_names_it_does(
    nginx: NginxSetup, bundle: Bundle
) -> None:
    result = verify_url(nginx.url("mismatch"), bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.HOSTNAME_MISMATCH
    assert "does not cover the name 127.0.0.2" in result.message
    assert "cluster-ui.example" in result.message and "127.0.0.1" in result.message


def test_expired_server_certificate(nginx: NginxSetup, bundle: Bundle, cluster: Cluster) -> None:
    result = verify_url(nginx.url("expired"), bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.SERVER_CERT_EXPIRED
    expiry = cluster.expired_server.cert.not_valid_after_utc
    assert f"expired on {expiry:%Y-%m-%d}" in result.message
    assert "operator must renew" in result.fix
    assert result.server_chain[0].days_left < 0


def test_plain_http_port_is_a_failed_handshake(nginx: NginxSetup, bundle: Bundle) -> None:
    result = verify_url(nginx.url("plain"), bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.TLS_HANDSHAKE_FAILED
    assert "not with TLS" in result.message and "plain http://" in result.message
    assert result.tls_version is None and result.http_status is None


def test_login_page_after_mtls_is_ok_with_a_note(nginx: NginxSetup, bundle: Bundle) -> None:
    report = verify_url(nginx.url("login"), bundle, modes=BUNDLE_ONLY)
    assert report.ok and report.results[0].http_status == 401
    assert "wants a login next" in report.verdict.note


def test_server_error_after_mtls_is_http_error(nginx: NginxSetup, bundle: Bundle) -> None:
    result = verify_url(nginx.url("broken"), bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.HTTP_ERROR and result.http_status == 502
    assert "works, but the server answered HTTP 502" in result.message


def test_http_error_names_the_path_but_never_the_query(nginx: NginxSetup, bundle: Bundle) -> None:
    url = nginx.url("mtls").rstrip("/") + "/no/such/page?token=secret"
    # nginx `return 200` answers every path: use the 502 server for a non-2xx answer on a path
    report = verify_url(
        nginx.url("broken") + "web/index.html?token=secret", bundle, modes=BUNDLE_ONLY
    )
    assert "for /web/index.html." in report.results[0].message
    assert "secret" not in str(report.to_json())
    assert verify_url(url, bundle, modes=BUNDLE_ONLY).ok


def test_closed_port_is_connection_refused(bundle: Bundle) -> None:
    from support.servers import free_port

    result = verify_url(f"https://127.0.0.1:{free_port()}/", bundle, modes=BUNDLE_ONLY).results[0]
    assert result.outcome is VerifyOutcome.CONNECTION_REFUSED
    assert "connection refused" in result.message and "port" in result.fix
    assert result.timings.dns is not None and result.timings.handshake is None


def test_name_under_invalid_is_dns_failed(bundle: Bundle) -> None:
    report = verify_url("https://cluster-ui.invalid:2113/", bundle)
    # a lookup that failed fails the same way in the other trust mode: it is not tried twice
    assert [(r.trust, r.outcome) for r in report.results] == [
        (TrustMode.BUNDLE, VerifyOutcome.DNS_FAILED)
    ]
    assert report.outcome is VerifyOutcome.DNS_FAILED
    assert "cluster-ui.invalid could not be looked up" in report.verdict.message
    assert "typos" in report.verdict.fix


def test_server_without_client_cert_demand_still_works_with_a_ca_only_bundle(
    nginx: NginxSetup, kurrent: pki.KurrentBundle
) -> None:
    ca_only = bundle_of({"ca.crt": kurrent.ca.cert_pem})
    report = verify_url(nginx.url("optional"), ca_only, modes=BUNDLE_ONLY)
    assert report.ok and "TLS to 127.0.0.1" in report.verdict.message
    assert "no client cert" in report.verdict.message
    assert report.results[0].client_certificate is None


def test_p12_only_bundle_presents_its_client_certificate(
    nginx: NginxSetup, kurrent: pki.KurrentBundle
) -> None:
    p12_only = bundle_of({"bundle.p12": kurrent.files()["bundle.p12"]})
    assert p12_only.p12 is not None and p12_only.ca_certs
    assert verify_url(nginx.url("mtls"), p12_only, modes=BUNDLE_ONLY).ok


def test_server_cert_from_a_ca_the_computer_trusts_is_ok_with_a_note(
    nginx: NginxSetup,
    bundle: Bundle,
    cluster: Cluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The UI may use a certificate from a CA the OS already trusts; the bundle's CA then only
    vouches for client certificates, and the bundle mode alone cannot trust the server."""
    store = tmp_path / "os-store.pem"
    store.write_bytes(cluster.other_ca.cert_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(store))
    report = verify_url(nginx.url("other_ca"), bundle)
    assert report.result(TrustMode.BUNDLE).outcome is VerifyOutcome.SERVER_UNTRUSTED  # type: ignore[union-attr]
    assert report.result(TrustMode.SYSTEM).ok  # type: ignore[union-attr]
    assert report.ok and "only vouches for client certificates" in report.verdict.note


def test_nginx_over_tls13_refuses_a_missing_or_foreign_client_cert_by_http(
    nginx: NginxSetup, bundle: Bundle, cluster: Cluster, kurrent: pki.KurrentBundle
) -> None:
    """nginx (like Kurrent Cloud's front end) refuses with 400 pages over TLS 1.3 too."""
    url = nginx.url("mtls13")
    good = verify_url(url, bundle, modes=BUNDLE_ONLY).results[0]
    assert good.ok and good.tls_version == "TLSv1.3"
    ca_only = bundle_of({"ca.crt": kurrent.ca.cert_pem})
    missing = verify_url(url, ca_only, modes=BUNDLE_ONLY).results[0]
    assert missing.outcome is VerifyOutcome.CLIENT_CERT_REQUIRED and missing.http_status == 400
    wrong = bundle_of(identity_files(kurrent.ca, cluster.other_client))
    foreign = verify_url(url, wrong, modes=BUNDLE_ONLY).results[0]
    assert foreign.outcome is VerifyOutcome.CLIENT_CERT_REJECTED and foreign.http_status == 400


def test_client_certificate_from_an_intermediate_ca_sends_its_chain(
    nginx: NginxSetup, kurrent: pki.KurrentBundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nginx trusts only the root: the intermediate must travel with the client certificate.
    In the system mode OpenSSL cannot fill the chain in from the trust store (the intermediate
    is not there), so only sending the bundle's chain makes this pass."""
    store = tmp_path / "os-store.pem"
    store.write_bytes(kurrent.ca.cert_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(store))
    intermediate = make_intermediate(kurrent.ca, "d4f2example-clients-ca")
    client = pki.make_leaf(intermediate, "d4f2example-kurrentdb-client", "p256")
    chained = bundle_of(
        {
            "ca.crt": kurrent.ca.cert_pem + intermediate.cert_pem,
            "tls.crt": client.cert_pem,
            "tls.key": client.key_pem(),
        }
    )
    assert [c.subject for c in chained.client_chain] == [intermediate.cert.subject]
    report = verify_url(nginx.url("mtls"), chained, modes=(TrustMode.SYSTEM,))
    assert report.ok, report.verdict.message


def test_a_german_run_keeps_its_last_verification_in_english_without_connecting_again(
    nginx: NginxSetup, bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """last-verify.json feeds the support report, whose document reads the same in every
    language: a German run shows German and stores the English judgement of the same
    connections, made once."""
    verify_url(nginx.url("mtls"), bundle)
    in_english = load_last_verification()
    made: list[str] = []
    real = replay.exchange

    def counted(target, *rest):  # type: ignore[no-untyped-def]
        made.append(target.display)
        return real(target, *rest)

    monkeypatch.setattr(replay, "exchange", counted)
    i18n.use_languages(["de"])
    try:
        german = verify_url(nginx.url("mtls"), bundle)
    finally:
        i18n.use_languages([])
    assert german.verdict.message.startswith("Das Bundle funktioniert mit seiner eigenen CA")
    assert len(made) == 2  # one connection per trust mode, none for the English judgement
    saved = load_last_verification()
    assert in_english is not None and saved is not None
    for key in ("outcome", "message", "fix", "note"):
        assert _no_ms(saved[key]) == _no_ms(in_english[key])
        for mode in ("bundle", "system"):
            assert _no_ms(saved["modes"][mode][key]) == _no_ms(in_english["modes"][mode][key])
    assert saved["message"].startswith("The bundle works with its own CA")
    assert saved["checked_at"] == german.checked_at


def _no_ms(text: str) -> str:
    return re.sub(r"\d+ ms", "N ms", text)
