"""Verification by consumer, decided in core: the chain read from the handshake, a missing
intermediate told from another cluster's CA, each consumer judged against a stand-in for the
NSS tools, and the verdict covering only what the install set up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Availability, Kind, Record, Scope, record_for
from clustertrust.core.remedy import Action, Remedy, for_terminal
from clustertrust.core.verify.cluster import older_note
from clustertrust.core.verify.connect import certificate_list
from clustertrust.core.verify.consumers import ChainCheck, Inventory, find_consumers
from clustertrust.core.verify.judge import Proof, judge
from clustertrust.core.verify.result import (
    Consumer,
    ConsumerKind,
    ConsumerResult,
    Diagnosis,
    TrustMode,
    VerifyOutcome,
    VerifyResult,
)
from clustertrust.core.verify.situation import missing_intermediate
from clustertrust.core.verify.verdict import by_consumer
from support import pki
from support.rotation import CLUSTER, Rotation, client_of
from support.tls_peers import bundle_of, identity_files


def handshake(body: bytes) -> bytes:
    return b"\x0b" + len(body).to_bytes(3, "big") + body


def entries(certs: list[bytes], tls13: bool) -> bytes:
    out = b""
    for der in certs:
        out += len(der).to_bytes(3, "big") + der + (b"\x00\x00" if tls13 else b"")
    return out


@pytest.mark.parametrize("tls13", [False, True])
def test_certificate_list_reads_every_certificate_the_server_sent(tls13: bool) -> None:
    certs = [b"leaf-der", b"intermediate-der"]
    listed = entries(certs, tls13)
    body = (b"\x00" if tls13 else b"") + len(listed).to_bytes(3, "big") + listed
    assert certificate_list(handshake(body), tls13) == certs


@pytest.mark.parametrize(
    "body", [b"", b"\x00\x00\x09abc", b"\x00\x00\x04\x00\x00\x09a", b"\x00\x00\x03\x00\x00\x00"]
)
def test_certificate_list_of_a_malformed_message_is_empty(body: bytes) -> None:
    assert certificate_list(handshake(body), False) == []


@pytest.fixture(scope="module")
def root() -> pki.Issued:
    return pki.make_ca("d4f2example-ca", "p256")


def leaf_under(issuer: pki.Issued) -> list:  # type: ignore[type-arg]
    return [pki.make_leaf(issuer, "cluster-ui", "p256", client=False).cert]


def test_a_leaf_from_the_clusters_own_intermediate_is_a_missing_intermediate(
    root: pki.Issued,
) -> None:
    intermediate = pki.make_intermediate(root, "d4f2example-intermediate", "p256")
    assert missing_intermediate(leaf_under(intermediate), (root.cert,), None)


def test_an_intermediate_that_also_issued_the_client_certificate_is_ours(root: pki.Issued) -> None:
    intermediate = pki.make_intermediate(root, "issuing-ca-2", "p256")
    client = pki.make_leaf(intermediate, "me", "p256").cert
    assert missing_intermediate(leaf_under(intermediate), (root.cert,), client)
    assert not missing_intermediate(leaf_under(intermediate), (root.cert,), None)


def test_another_clusters_ca_or_a_rotated_one_is_not_a_missing_intermediate(
    root: pki.Issued,
) -> None:
    other = pki.make_ca("someone-else-ca", "p256")
    rotated = pki.make_ca("d4f2example-ca", "p256")
    assert not missing_intermediate(leaf_under(other), (root.cert,), None)
    assert not missing_intermediate(leaf_under(rotated), (root.cert,), None)
    assert not missing_intermediate(leaf_under(root), (root.cert,), None)  # complete


# judging, with a stand-in for the NSS tools


@dataclass
class FakeBrowsers:
    """Answers as platform/nss.py would, from what the test says each database holds."""

    holds: dict[str, dict[str, bool]]
    trusted: set[str] = field(default_factory=set)
    error: int = -8179
    store_name: str = "nss"

    def browser_databases(self) -> Sequence[str]:
        return list(self.holds)

    def check_chain(self, location: str, chain_der: Sequence[bytes]) -> ChainCheck:
        return ChainCheck(True) if location in self.trusted else ChainCheck(False, self.error)

    def keys_by_certificate(self, location: str) -> dict[str, bool]:
        return self.holds[location]


def answered(
    trust: TrustMode = TrustMode.BUNDLE, outcome: VerifyOutcome = VerifyOutcome.OK
) -> VerifyResult:
    return VerifyResult(
        "https://ui:2113/", trust, Diagnosis(outcome, f"{outcome.value}"), http_status=200
    )


def proof(bundle: Bundle, base: VerifyResult | None = None) -> Proof:
    base = base or answered()
    answer = base if base.ok else None
    return Proof("ui:2113", base, answer, None, None, bundle, "bundle.tgz")


def browser(bundle: Bundle, folder: str, covered: bool) -> Consumer:
    records = ()
    if covered:
        assert bundle.ca is not None
        records = (record_for(bundle.ca, Kind.CA, "nss", folder, "n", Scope.USER),)
    return Consumer(ConsumerKind.BROWSER, f"Browser {folder}", folder, records)


def shas(bundle: Bundle) -> tuple[str, str]:
    assert bundle.ca is not None and bundle.client_cert is not None
    return certinfo.sha256(bundle.ca), certinfo.sha256(bundle.client_cert)


def judged(bundle: Bundle, fake: FakeBrowsers, folder: str, covered: bool = True) -> Diagnosis:
    inventory = Inventory(Ledger(), fake)
    return judge(browser(bundle, folder, covered), proof(bundle), inventory)


def test_a_database_that_trusts_the_chain_and_holds_the_identity_works(bundle: Bundle) -> None:
    ca, client = shas(bundle)
    fake = FakeBrowsers({"db": {ca: False, client: True}}, trusted={"db"})
    assert judged(bundle, fake, "db").outcome is VerifyOutcome.OK


def test_the_ca_gone_from_a_covered_database_names_it_and_says_how_to_put_it_back(
    bundle: Bundle,
) -> None:
    _, client = shas(bundle)
    diagnosis = judged(bundle, FakeBrowsers({"db": {client: True}}), "db")
    assert diagnosis.outcome is VerifyOutcome.SERVER_UNTRUSTED
    assert diagnosis.message.startswith("Browser db no longer holds the cluster's CA")
    assert diagnosis.fix.startswith("Put it back with Repair")
    assert diagnosis.terminal_fix.endswith("Run: clustertrust repair")


def test_a_certificate_without_its_key_is_no_identity(bundle: Bundle) -> None:
    ca, client = shas(bundle)
    fake = FakeBrowsers({"db": {ca: False, client: False}}, trusted={"db"})
    assert judged(bundle, fake, "db").outcome is VerifyOutcome.CLIENT_CERT_REQUIRED


def test_an_uncovered_database_is_not_set_up_in_neutral_words(bundle: Bundle) -> None:
    diagnosis = judged(bundle, FakeBrowsers({"db": {}}), "db", covered=False)
    assert diagnosis.outcome is VerifyOutcome.NOT_SET_UP
    assert diagnosis.message.startswith("Not set up:")
    for word in ("fail", "again", "error", "refuse"):
        assert word not in (diagnosis.message + diagnosis.fix).lower()


def test_an_uncovered_database_that_works_anyway_is_ok(bundle: Bundle) -> None:
    ca, client = shas(bundle)
    fake = FakeBrowsers({"db": {ca: False, client: True}}, trusted={"db"})
    assert judged(bundle, fake, "db", covered=False).ok


def test_a_network_failure_is_the_same_for_every_covered_consumer(bundle: Bundle) -> None:
    down = answered(outcome=VerifyOutcome.CONNECTION_REFUSED)
    inventory = Inventory(Ledger(), FakeBrowsers({"db": {}}))
    covered = judge(browser(bundle, "db", True), proof(bundle, down), inventory)
    uncovered = judge(browser(bundle, "db", False), proof(bundle, down), inventory)
    assert covered == down.diagnosis
    assert uncovered.outcome is VerifyOutcome.NOT_SET_UP


# the verdict


def result(name: str, covered: bool, outcome: VerifyOutcome) -> ConsumerResult:
    records = (Record("a" * 64, "", name, "", "ca", "nss", name, "n", "user"),) if covered else ()
    consumer = Consumer(ConsumerKind.BROWSER, name, name, records)
    return ConsumerResult(consumer, Diagnosis(outcome, f"{name} says {outcome.value}", "do x"))


FALLBACK = Diagnosis(VerifyOutcome.SERVER_UNTRUSTED, "nothing installed", "install it")


def test_ok_when_every_covered_consumer_is_ok_whatever_the_uncovered_ones_say() -> None:
    consumers = (
        result("Chromium", True, VerifyOutcome.OK),
        result("System trust store", False, VerifyOutcome.NOT_SET_UP),
    )
    verdict = by_consumer(consumers, answered(), FALLBACK)
    assert verdict.outcome is VerifyOutcome.OK
    assert (
        "Chromium" in verdict.message
        and "Not set up by this install: System trust store" in verdict.note
    )


def test_a_failing_covered_consumer_is_the_verdict_with_its_fix() -> None:
    consumers = (
        result("Chromium", True, VerifyOutcome.OK),
        result("Firefox", True, VerifyOutcome.SERVER_UNTRUSTED),
    )
    verdict = by_consumer(consumers, answered(), FALLBACK)
    assert (verdict.outcome, verdict.message, verdict.fix) == (
        VerifyOutcome.SERVER_UNTRUSTED,
        "Firefox says server_untrusted",
        "do x",
    )


def test_with_nothing_of_this_cluster_installed_the_trust_modes_decide() -> None:
    consumers = (result("Chromium", False, VerifyOutcome.NOT_SET_UP),)
    assert by_consumer(consumers, answered(), FALLBACK) == FALLBACK


def test_the_json_of_a_consumer_has_the_contract_fields() -> None:
    document = result("Chromium", True, VerifyOutcome.OK).to_json()
    assert {k: document[k] for k in ("name", "covered", "ok", "outcome")} == {
        "name": "Chromium",
        "covered": True,
        "ok": True,
        "outcome": "ok",
    }
    assert {"message", "fix"} <= set(document)


def test_after_a_network_failure_the_identity_files_are_not_tried_again(
    tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    from clustertrust.core.verify.cluster import _files_connection

    other = pki.make_leaf(kurrent.ca, "another-client", "p256")  # files unlike the bundle
    folder = pki.write_files(tmp_path / "identity", identity_files(kurrent.ca, other))
    record = record_for(other.cert, Kind.IDENTITY, "identity-files", str(folder), "t", Scope.USER)
    files = Consumer(ConsumerKind.FILES, "Command-line clients", str(folder), (record,))
    tried: list[Bundle] = []

    def connect(on_disk: Bundle) -> VerifyResult:
        tried.append(on_disk)
        return answered()

    bundle = bundle_of(kurrent.files())
    assert _files_connection(files, bundle, answered(), connect) is not None
    down = answered(outcome=VerifyOutcome.TIMEOUT)
    assert _files_connection(files, bundle, down, connect) is None
    assert len(tried) == 1


# which records verify covers: the one rule (core.model.bundle_records) on a half-renewed
# cluster, with the ledger a renewal whose removal of the old items failed leaves behind


def bundle_from(ca: pki.Issued, client: pki.Issued) -> Bundle:
    return bundle_of(pki.KurrentBundle(ca, client, CLUSTER).files())


def fingerprint(issued: pki.Issued) -> str:
    return certinfo.sha256(issued.cert)


def installed(
    ledger: Ledger, store: str, folder: str, ca: pki.Issued, *clients: pki.Issued
) -> None:
    """What an install of the CA and these clients into one database left in the ledger."""
    items = [record_for(ca.cert, Kind.CA, store, folder, "ca", Scope.USER)]
    for client in clients:
        record = record_for(client.cert, Kind.IDENTITY, store, folder, "client", Scope.USER)
        items.append(replace(record, issuer=fingerprint(ca)))
    for record in items:
        ledger.mark_done(ledger.write_intent(record))


def at(consumers: list[Consumer], location: str) -> Consumer:
    return next(c for c in consumers if c.location == location)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "ledger.json")


def test_a_same_ca_renewal_whose_removal_failed_names_the_old_client_it_left(
    ledger: Ledger, rotation: Rotation
) -> None:
    r = rotation
    installed(ledger, "nss", "db", r.ca1, r.client1, r.client2)  # client1 was not removed
    consumers = find_consumers(
        Inventory(ledger, FakeBrowsers({"db": {}})), bundle_from(r.ca1, r.client2)
    )
    db = at(consumers, "db")
    assert {x.sha256 for x in db.records} == {fingerprint(r.ca1), fingerprint(r.client2)}
    assert [x.sha256 for x in db.older] == [fingerprint(r.client1)]
    note, remedies = older_note(consumers)
    assert "did not finish removing" in note and "clustertrust" not in note, note
    assert remedies == (Remedy(Action.UNINSTALL, (fingerprint(r.client1)[:16],)),)
    said = for_terminal(note, remedies)  # as the command line and --json say it
    assert f"clustertrust uninstall {fingerprint(r.client1)[:16]}" in said, said
    assert fingerprint(r.ca1)[:16] not in said  # the CA is the renewed cluster's own


def test_a_database_the_new_ca_renewal_left_with_the_old_ca_only_is_judged_not_set_aside(
    ledger: Ledger, rotation: Rotation
) -> None:
    """Before, the database held nothing of the new bundle's certificates, so verify called it
    "not set up" in neutral words and could say ✓ while it trusted only the old CA."""
    r = rotation
    installed(ledger, "nss", "old", r.ca1, r.client1)
    installed(ledger, "nss", "new", r.ca2, r.client3)  # the renewal did not reach "old"
    new_bundle = bundle_from(r.ca2, r.client3)
    fake = FakeBrowsers(
        {
            "new": {fingerprint(r.ca2): False, fingerprint(r.client3): True},
            "old": {fingerprint(r.ca1): False, fingerprint(r.client1): True},
        },
        trusted={"new"},
    )
    inventory = Inventory(ledger, fake)
    old = at(find_consumers(inventory, new_bundle), "old")
    assert old.covered and old.records == ()
    assert {x.sha256 for x in old.older} == {fingerprint(r.ca1), fingerprint(r.client1)}
    diagnosis = judge(old, proof(new_bundle), inventory)
    assert diagnosis.outcome is VerifyOutcome.SERVER_UNTRUSTED, diagnosis
    assert "Repair" in diagnosis.fix, diagnosis.fix


def test_identity_files_holding_only_the_old_client_are_not_called_working(
    ledger: Ledger, rotation: Rotation, tmp_path: Path
) -> None:
    r = rotation
    folder = str(tmp_path / "files")
    record = record_for(r.client1.cert, Kind.IDENTITY, "identity-files", folder, "", Scope.USER)
    ledger.mark_done(ledger.write_intent(replace(record, issuer=fingerprint(r.ca1))))
    installed(ledger, "nss", "db", r.ca1, r.client2)  # a renewal that did not reach the files
    new_bundle = bundle_from(r.ca1, r.client2)
    files = next(
        c
        for c in find_consumers(Inventory(ledger, files=FilesStore()), new_bundle)
        if c.kind is ConsumerKind.FILES
    )
    assert files.covered and files.location == folder
    diagnosis = judge(files, proof(new_bundle), Inventory(ledger, files=FilesStore()))
    assert diagnosis.outcome is VerifyOutcome.CLIENT_CERT_REQUIRED, diagnosis


def test_the_older_bundle_verified_after_a_half_done_renewal_calls_nothing_newer_older(
    ledger: Ledger, rotation: Rotation
) -> None:
    r = rotation
    installed(ledger, "nss", "db", r.ca1, r.client1)
    installed(ledger, "nss", "db", r.ca2, r.client3)  # the renewal's, written later
    old_bundle = bundle_from(r.ca1, r.client1)
    consumers = find_consumers(Inventory(ledger, FakeBrowsers({"db": {}})), old_bundle)
    assert at(consumers, "db").covered and at(consumers, "db").older == ()
    assert older_note(consumers) == ("", ())


def test_a_bundle_whose_cluster_is_not_installed_covers_nothing(
    ledger: Ledger, rotation: Rotation
) -> None:
    installed(ledger, "nss", "db", rotation.ca1, rotation.client1)
    ca = pki.make_ca("another-cluster-ca")
    other = bundle_from(ca, client_of(ca, rotation.ca1.cert.not_valid_before_utc))
    consumers = find_consumers(Inventory(ledger, FakeBrowsers({"db": {}})), other)
    assert not any(c.covered for c in consumers)
    assert older_note(consumers) == ("", ())


class FilesStore:
    """The identity files store as verify asks it: every item it is asked about is there."""

    name = "identity-files"

    def detect(self) -> Availability:
        return Availability(True)

    def is_installed(self, record: Record) -> bool:
        return True
