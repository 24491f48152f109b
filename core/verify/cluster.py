"""Verification by consumer, on top of the real connections, and remembering the cluster's
address (core.actions.verify does, once the cluster's CA vouches for the server there).

report = verify_url(url, bundle, inventory=inventory)   # run.py hands over to this module
report.consumers   # one ConsumerResult per browser database, the system store, the clients
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.i18n import tr
from clustertrust.core.install.addresses import remember_bundle_ui_url
from clustertrust.core.install.identity import IdentityPaths
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.remedy import Remedy, removal_of
from clustertrust.core.source.load import load_source
from clustertrust.core.verify.advice import install_source
from clustertrust.core.verify.consumers import Inventory, cluster_records, find_consumers
from clustertrust.core.verify.judge import Proof, judge
from clustertrust.core.verify.result import (
    Consumer,
    ConsumerKind,
    ConsumerResult,
    TrustMode,
    VerifyOutcome,
    VerifyReport,
    VerifyResult,
)
from clustertrust.core.verify.situation import chain_reaches, parse_chain
from clustertrust.core.verify.verdict import by_consumer

Connect = Callable[[Bundle], VerifyResult]  # one real connection trusting the bundle's own CA
_NETWORK = {VerifyOutcome.DNS_FAILED, VerifyOutcome.CONNECTION_REFUSED, VerifyOutcome.TIMEOUT}


def consumers_report(
    report: VerifyReport, where: str, bundle: Bundle, inventory: Inventory, connect: Connect
) -> VerifyReport:
    consumers = find_consumers(inventory, bundle)
    proof = _proof(report, where, bundle, inventory, consumers, connect)
    judged = tuple(ConsumerResult(c, judge(c, proof, inventory)) for c in consumers)
    verdict = by_consumer(judged, proof.answer, report.verdict)
    older, remedies = older_note(consumers)
    note = " ".join(n for n in (verdict.note, older) if n)
    verdict = replace(verdict, note=note, note_remedies=(*verdict.note_remedies, *remedies))
    return replace(report, verdict=verdict, consumers=judged)


def older_note(consumers: list[Consumer]) -> tuple[str, tuple[Remedy, ...]]:
    """Names what a renewal left behind, so a ✓ hides nothing stale ("" when nothing is), and
    the removal of exactly those certificates: the command line says the command, the
    windows their own button (core/remedy.py)."""
    older = {r.sha256: r.subject for c in consumers for r in c.older}
    if not older:
        return "", ()
    message = tr(
        "ClusterTrust's records still list older certificates of this cluster beside the ones "
        "verified: {items} (a renewal did not finish removing them). Remove them."
    )
    removal = removal_of(older)
    return message.format(items=", ".join(sorted(set(older.values())))), (removal,)


def _proof(
    report: VerifyReport,
    where: str,
    bundle: Bundle,
    inventory: Inventory,
    consumers: list[Consumer],
    connect: Connect,
) -> Proof:
    own = report.result(TrustMode.BUNDLE)
    system = report.result(TrustMode.SYSTEM)
    base = own or report.results[0]
    files_consumer = next(c for c in consumers if c.kind is ConsumerKind.FILES)
    files = _files_connection(files_consumer, bundle, own, connect)
    answer = next((r for r in (own, system, files) if r is not None and r.ok), None)
    folder = files_consumer.location if files_consumer.covered else ""
    source = install_source(bundle, list(cluster_records(inventory.ledger, bundle).own), folder)
    covered = frozenset(c.kind for c in consumers if c.covered)
    return Proof(where, base, answer, system, files, bundle, source, covered)


def _files_connection(
    consumer: Consumer, bundle: Bundle, own: VerifyResult | None, connect: Connect
) -> VerifyResult | None:
    """Command-line clients connect with the files on disk: the same as the bundle when they
    hold the same certificates, otherwise one more real connection with those files."""
    if not consumer.records or (own is not None and own.outcome in _NETWORK):
        return None  # nothing to connect with, or the network already failed once
    record = consumer.records[0]
    files = IdentityPaths.at(Path(record.location), record.sha256)
    try:
        on_disk = read_bundle(load_source(str(files.folder)))
    except (ClusterTrustError, OSError):
        return None  # judged from the store: the files are missing or changed
    if own is not None and _same_identity(on_disk, bundle):
        return own
    try:
        return connect(on_disk)
    except ClusterTrustError:
        return None  # a key that does not fit its certificate: the store check tells


def _same_identity(one: Bundle, other: Bundle) -> bool:
    def shas(bundle: Bundle) -> tuple[list[str], str]:
        client = certinfo.sha256(bundle.client_cert) if bundle.client_cert else ""
        return [certinfo.sha256(c) for c in bundle.ca_certs], client

    return shas(one) == shas(other)


def remember_cluster(ledger: Ledger, bundle: Bundle, report: VerifyReport) -> bool:
    """Keep the address as the cluster's once the server there is the cluster's: the chain it
    sent leads to the bundle's CA (signatures, not names), whatever else the verdict says. A
    server the CA does not vouch for is never remembered as the cluster's; returns whether
    the address was kept."""
    if not any(_vouched(result.chain_der, bundle) for result in report.results):
        return False
    remember_bundle_ui_url(ledger, bundle, report.url)
    return True


def _vouched(chain_der: tuple[bytes, ...], bundle: Bundle) -> bool:
    return chain_reaches(parse_chain(list(chain_der)), bundle.ca_certs)
