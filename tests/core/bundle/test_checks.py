"""GIVEN bundles with one fault each, WHEN checked, THEN exactly the right finding appears."""

from __future__ import annotations

import datetime as dt

import pytest
from clustertrust.core.bundle.checks import (
    Finding,
    Severity,
    check_bundle,
    has_errors,
    store_refusals,
)
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.source.load import SourceData
from cryptography.x509.oid import ExtendedKeyUsageOID
from support import openssl_pki, pki


def findings_for(files: dict[str, bytes]) -> list[Finding]:
    return check_bundle(read_bundle(SourceData("test", tuple(files.items()))))


def codes(findings: list[Finding]) -> dict[str, Severity]:
    return {f.code: f.severity for f in findings}


@pytest.fixture(scope="module")
def ca() -> pki.Issued:
    return pki.make_ca("cluster-ca")


def pem_set(ca: pki.Issued, client: pki.Issued) -> dict[str, bytes]:
    return {"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem, "tls.key": client.key_pem()}


def test_good_bundle_has_only_the_quiet_unconstrained_note(ca: pki.Issued) -> None:
    # An ordinary private CA has no name constraints and there is nothing to act on: info only.
    found = findings_for(pem_set(ca, pki.make_leaf(ca, "client")))
    assert codes(found) == {"ca_unconstrained": Severity.INFO}
    assert not has_errors(found)


def test_name_constrained_ca_has_no_finding() -> None:
    ca = pki.make_ca("constrained", permitted_dns=["cluster.example"])
    assert findings_for(pem_set(ca, pki.make_leaf(ca, "client"))) == []


def test_ca_without_ca_true_is_an_error() -> None:
    not_ca = pki.make_ca("not-a-ca", ca=False)
    assert codes(findings_for({"ca.crt": not_ca.cert_pem}))["ca_not_ca"] is Severity.ERROR


def test_ca_without_key_cert_sign_is_an_error() -> None:
    ca = pki.make_ca("no-sign", key_cert_sign=False)
    assert "keyCertSign" in next(f.message for f in findings_for({"ca.crt": ca.cert_pem}))


def test_key_that_does_not_match(ca: pki.Issued) -> None:
    client, stranger = pki.make_leaf(ca, "client"), pki.make_leaf(ca, "other")
    files = {"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem, "tls.key": stranger.key_pem()}
    # The stranger's key matches no certificate here, so the client is still `client`.
    assert codes(findings_for(files))["key_mismatch"] is Severity.ERROR


def test_client_signed_by_another_ca_same_name(ca: pki.Issued) -> None:
    impostor = pki.make_ca("cluster-ca")  # same subject, different key: names alone would pass
    client = pki.make_leaf(impostor, "client")
    found = codes(findings_for(pem_set(ca, client)))
    assert found["client_not_issued_by_ca"] is Severity.ERROR


def test_a_server_only_leaf_is_left_out_with_a_warning_when_no_client_remains(
    ca: pki.Issued,
) -> None:
    server_only = pki.make_leaf(ca, "client", eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    bundle = read_bundle(SourceData("test", tuple(pem_set(ca, server_only).items())))
    assert bundle.client_cert is None and not bundle.has_key
    assert codes(check_bundle(bundle))["server_cert_left_out"] is Severity.WARNING


def test_client_without_any_eku_is_informational(ca: pki.Issued) -> None:
    assert codes(findings_for(pem_set(ca, pki.make_leaf(ca, "c", eku=[]))))[
        "client_eku_absent"
    ] is (Severity.INFO)


@pytest.mark.parametrize(
    ("start_offset", "days", "code", "severity"),
    [
        (-100, 90, "expired", Severity.ERROR),
        (5, 90, "not_yet_valid", Severity.ERROR),
        (-80, 90, "expiring_soon", Severity.WARNING),
    ],
)
def test_validity(
    ca: pki.Issued, start_offset: int, days: int, code: str, severity: Severity
) -> None:
    start = pki.NOW + dt.timedelta(days=start_offset)
    client = pki.make_leaf(ca, "client", not_before=start, days=days)
    found = findings_for(pem_set(ca, client))
    assert codes(found)[code] is severity
    if code == "expiring_soon":
        assert "in 9 days" in next(f.message for f in found if f.code == code)


def test_weak_rsa_key(ca: pki.Issued) -> None:
    weak = pki.make_leaf(ca, "client", "rsa1024")
    assert codes(findings_for(pem_set(ca, weak)))["weak_key"] is Severity.ERROR


def test_sha1_signatures(tmp_path) -> None:
    # cryptography no longer signs with SHA-1, so the openssl command makes these.
    openssl_pki.make_bundle(tmp_path, "old", digest="sha1")
    files = {n: (tmp_path / n).read_bytes() for n in ("ca.crt", "tls.crt", "tls.key")}
    found = findings_for(files)
    severities = sorted(f.severity.value for f in found if f.code == "weak_signature")
    assert severities == ["error", "warning"]  # the client's matters; the root's self-signature not


def test_missing_ca_and_missing_key(ca: pki.Issued) -> None:
    client = pki.make_leaf(ca, "client")
    found = codes(findings_for({"tls.crt": client.cert_pem}))
    assert found["ca_missing"] is Severity.ERROR
    assert found["client_key_missing"] is Severity.WARNING


def test_p12_and_pem_disagree(kurrent: pki.KurrentBundle) -> None:
    other = pki.kurrent_bundle("other")
    files = kurrent.files() | {"bundle.p12": other.files()["bundle.p12"]}
    assert codes(findings_for(files))["p12_pem_mismatch"] is Severity.ERROR


def test_errors_sort_first(ca: pki.Issued) -> None:
    found = findings_for({"tls.crt": pki.make_leaf(ca, "c").cert_pem})
    order = [f.severity for f in found]
    assert order == sorted(order, key=list(Severity).index)


def test_left_out_findings_keep_the_case_of_file_names_and_subjects() -> None:
    ca = pki.make_ca("Easy-RSA CA")
    client = pki.make_leaf(ca, "Client One")
    server = pki.make_leaf(ca, "Web Server", client=False, server_names=["web.example"])
    files = pem_set(ca, client) | {"Private/CA.key": ca.key_pem(), "Server.crt": server.cert_pem}
    messages = {f.code: f.message for f in findings_for(files)}
    assert messages["key_left_out"] == (
        "The private key in Private/CA.key of 'Easy-RSA CA' is not installed."
    )
    assert messages["server_cert_left_out"].startswith("The server certificate 'Web Server' is")


def test_only_a_store_that_refuses_the_bundles_key_type_is_named() -> None:
    class Store:
        def __init__(self, name: str, refuses: frozenset[str] = frozenset()) -> None:
            self.name, self.title, self.refuses_key_types = name, name.upper(), refuses

    stores = [Store("nss", frozenset({"Ed25519"})), Store("files")]
    ed = pki.make_ca("Ed CA", "ed25519")
    bundle = read_bundle(SourceData("t", (("ca.crt", ed.cert_pem),)))
    assert store_refusals(bundle, stores) == {  # type: ignore[arg-type]
        "nss": "it cannot hold Ed25519 keys ('Ed CA'), so nothing goes there; these can: FILES."
    }
    rsa = read_bundle(SourceData("t", (("ca.crt", pki.make_ca("RSA CA").cert_pem),)))
    assert store_refusals(rsa, stores) == {}  # type: ignore[arg-type]
