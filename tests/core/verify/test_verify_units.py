"""Pieces of verify that need no server: the address, and how the macOS and Windows verifiers'
error codes (as truststore passes them on) map to outcomes.

macOS and Windows cannot run here, so their verifier errors are built the way truststore builds
them (SSLCertVerificationError with verify_code and verify_message). The codes come from Apple's
Security/SecBase.h (errSecHostNameMismatch -67602, errSecCertificateExpired -67818,
errSecNotTrusted -67843) and Windows winerror.h (CERT_E_CN_NO_MATCH 0x800B010F, CERT_E_EXPIRED
0x800B0101, CERT_E_UNTRUSTEDROOT 0x800B0109); the messages are the system texts for those codes.
"""

from __future__ import annotations

import ssl
import sys

import pytest
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError
from clustertrust.core.target import parse_target
from clustertrust.core.verify.alerts import http_refusal
from clustertrust.core.verify.certs import server_cert_problem
from clustertrust.core.verify.result import TrustMode, VerifyOutcome
from clustertrust.core.verify.situation import Situation
from support import pki
from support.tls_peers import Cluster, bundle_of

MACOS_NAME = "\u201ccluster-ui\u201d certificate name does not match input"
MACOS_EXPIRED = "\u201ccluster-ui\u201d certificate is expired"
MACOS_UNTRUSTED = "\u201ccluster-ui\u201d certificate is not trusted"
WINDOWS_NAME = "The certificate's CN name does not match the passed value."
WINDOWS_EXPIRED = (
    "A required certificate is not within its validity period when verifying against the "
    "current system clock or the timestamp in the signed file."
)
WINDOWS_UNTRUSTED = (
    "A certificate chain processed, but terminated in a root certificate which is not trusted "
    "by the trust provider."
)


def verifier_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(message)
    error.verify_code = code
    error.verify_message = message
    return error


_BUNDLES: dict[int, Bundle] = {}


def situation(cluster: Cluster, url: str, trust: TrustMode = TrustMode.SYSTEM) -> Situation:
    """Reading the bundle opens its p12 (a slow KDF): read it once per cluster."""
    if id(cluster) not in _BUNDLES:
        _BUNDLES[id(cluster)] = bundle_of(cluster.bundle.files())
    return Situation(parse_target(url), trust, _BUNDLES[id(cluster)], 10.0)


@pytest.mark.parametrize(
    ("platform", "code", "message", "outcome"),
    [
        ("darwin", -67602, MACOS_NAME, VerifyOutcome.HOSTNAME_MISMATCH),
        ("darwin", -67818, MACOS_EXPIRED, VerifyOutcome.SERVER_CERT_EXPIRED),
        ("darwin", -67843, MACOS_UNTRUSTED, VerifyOutcome.SERVER_UNTRUSTED),
        ("win32", 0x800B010F, WINDOWS_NAME, VerifyOutcome.HOSTNAME_MISMATCH),
        ("win32", 0x800B0101, WINDOWS_EXPIRED, VerifyOutcome.SERVER_CERT_EXPIRED),
        ("win32", 0x800B0109, WINDOWS_UNTRUSTED, VerifyOutcome.SERVER_UNTRUSTED),
    ],
)
def test_os_verifier_codes_map_to_outcomes(
    monkeypatch: pytest.MonkeyPatch,
    cluster: Cluster,
    platform: str,
    code: int,
    message: str,
    outcome: VerifyOutcome,
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    leaf = {
        VerifyOutcome.SERVER_CERT_EXPIRED: cluster.expired_server,
        VerifyOutcome.SERVER_UNTRUSTED: cluster.other_server,
    }.get(outcome, cluster.server)
    at = situation(cluster, "https://cluster-ui.example:2113/")
    found = server_cert_problem(verifier_error(code, message), [leaf.cert_der], at)
    assert found.outcome is outcome, found.message


def test_same_code_number_means_openssl_in_bundle_mode(
    monkeypatch: pytest.MonkeyPatch, cluster: Cluster
) -> None:
    """The bundle's CA is always checked by OpenSSL, whatever the OS.
    10 is X509_V_ERR_CERT_HAS_EXPIRED there."""
    monkeypatch.setattr(sys, "platform", "win32")
    at = situation(cluster, "https://127.0.0.1:2113/", TrustMode.BUNDLE)
    error = verifier_error(10, "certificate has expired")
    found = server_cert_problem(error, [cluster.expired_server.cert_der], at)
    assert found.outcome is VerifyOutcome.SERVER_CERT_EXPIRED


def test_unlisted_os_code_is_judged_from_the_chain(
    monkeypatch: pytest.MonkeyPatch, cluster: Cluster
) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    unknown = verifier_error(-67635, "Certificate verification failed")
    named = situation(cluster, "https://elsewhere.example/")
    assert (
        server_cert_problem(unknown, [cluster.server.cert_der], named).outcome
        is VerifyOutcome.HOSTNAME_MISMATCH
    )
    right_name = situation(cluster, "https://localhost/")
    stale = server_cert_problem(unknown, [cluster.expired_server.cert_der], right_name)
    assert stale.outcome is VerifyOutcome.SERVER_CERT_EXPIRED
    fine = server_cert_problem(unknown, [cluster.other_server.cert_der], right_name)
    assert fine.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert "someone-else-ca" in fine.message


def test_wildcard_names_cover_exactly_one_label(
    monkeypatch: pytest.MonkeyPatch, cluster: Cluster
) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    wildcard = pki.make_leaf(
        cluster.other_ca, "ui", "p256", client=False, server_names=["*.cluster.example"]
    )
    unknown = verifier_error(1, "Certificate verification failed")
    for host, outcome in [
        ("ui.cluster.example", VerifyOutcome.SERVER_UNTRUSTED),
        ("a.ui.cluster.example", VerifyOutcome.HOSTNAME_MISMATCH),
        ("cluster.example", VerifyOutcome.HOSTNAME_MISMATCH),
    ]:
        at = situation(cluster, f"https://{host}/")
        assert server_cert_problem(unknown, [wildcard.cert_der], at).outcome is outcome, host


@pytest.mark.parametrize(
    ("url", "host", "port", "path", "display"),
    [
        ("cluster.example", "cluster.example", 443, "/", "https://cluster.example/"),
        ("https://c.example:2113", "c.example", 2113, "/", "https://c.example:2113/"),
        ("https://[::1]:2113/ui", "::1", 2113, "/ui", "https://[::1]:2113/ui"),
        (
            "https://u:p@c.example/a b?t=1",
            "c.example",
            443,
            "/a%20b?t=1",
            "https://c.example/a%20b",
        ),
        (" HTTPS://C.example/ ", "c.example", 443, "/", "https://c.example/"),
    ],
)
def test_addresses_people_paste(url: str, host: str, port: int, path: str, display: str) -> None:
    target = parse_target(url)
    assert (target.host, target.port, target.path, target.display) == (host, port, path, display)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://c.example/",
        "ftp://c.example/",
        "https://",
        "https://c.example:0/",
        "https://c.example:x/",
        "https://c .example/",
    ],
)
def test_addresses_that_are_bad_input(url: str) -> None:
    with pytest.raises(InputError) as info:
        parse_target(url)
    assert info.value.exit_code == 2 and info.value.fix


@pytest.mark.parametrize(
    ("status", "body", "with_cert", "outcome"),
    [
        (496, b"", True, VerifyOutcome.CLIENT_CERT_REQUIRED),
        (495, b"", True, VerifyOutcome.CLIENT_CERT_REJECTED),
        (495, b"", False, VerifyOutcome.CLIENT_CERT_REQUIRED),
        (
            400,
            b"<h1>400 Bad Request</h1>No required SSL certificate was sent",
            True,
            VerifyOutcome.CLIENT_CERT_REQUIRED,
        ),
        (
            400,
            b"<center>The SSL certificate error</center>",
            True,
            VerifyOutcome.CLIENT_CERT_REJECTED,
        ),
        (400, b"<h1>400 Bad Request</h1>", True, None),
        (200, b"No required SSL certificate was sent", True, None),
    ],
)
def test_nginx_style_http_refusals(
    cluster: Cluster, status: int, body: bytes, with_cert: bool, outcome: VerifyOutcome | None
) -> None:
    files = cluster.bundle.files() if with_cert else {"ca.crt": cluster.bundle.ca.cert_pem}
    at = Situation(parse_target("https://127.0.0.1/"), TrustMode.BUNDLE, bundle_of(files), 10.0)
    found = http_refusal(status, body, at)
    assert (found.outcome if found else None) is outcome
