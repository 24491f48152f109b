"""A verification keeps its address as the cluster's only where the cluster's CA vouches for the
server there: the chain the server sent leads to the bundle's CA by signature, whatever else
the verdict says. Reports are built from real certificates; no connection is needed."""

from __future__ import annotations

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.install.addresses import known_ui_urls
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.verify.cluster import remember_cluster
from clustertrust.core.verify.result import (
    Diagnosis,
    TrustMode,
    VerifyOutcome,
    VerifyReport,
    VerifyResult,
)
from support import pki

URL = "https://cluster-ui.example:2113/"


def report_from(server: pki.Issued, outcome: VerifyOutcome, *sent: pki.Issued) -> VerifyReport:
    diagnosis = Diagnosis(outcome, "as the test says")
    chain = tuple(c.cert_der for c in (server, *sent))
    result = VerifyResult(URL, TrustMode.BUNDLE, diagnosis, chain_der=chain)
    return VerifyReport(URL, diagnosis, (result,))


def test_a_server_of_another_ca_is_never_the_clusters_address(bundle: Bundle) -> None:
    other = pki.make_leaf(pki.make_ca("elsewhere-ca"), "cluster-ui", "p256", client=False)
    ledger = Ledger()
    assert not remember_cluster(ledger, bundle, report_from(other, VerifyOutcome.OK))
    assert known_ui_urls(ledger) == {}


def test_a_server_the_ca_issued_is_kept_whatever_the_verdict(
    bundle: Bundle, kurrent: pki.KurrentBundle
) -> None:
    server = pki.make_leaf(kurrent.ca, "cluster-ui", "p256", client=False)
    ledger = Ledger()
    report = report_from(server, VerifyOutcome.HOSTNAME_MISMATCH)
    assert remember_cluster(ledger, bundle, report)
    assert known_ui_urls(ledger)["d4f2example"] == URL


def test_through_an_intermediate_only_when_the_server_sends_it(
    bundle: Bundle, kurrent: pki.KurrentBundle
) -> None:
    middle = pki.make_intermediate(kurrent.ca, "d4f2example-intermediate", "p256")
    server = pki.make_leaf(middle, "cluster-ui", "p256", client=False)
    ledger = Ledger()
    assert not remember_cluster(ledger, bundle, report_from(server, VerifyOutcome.OK))
    assert remember_cluster(ledger, bundle, report_from(server, VerifyOutcome.OK, middle))
