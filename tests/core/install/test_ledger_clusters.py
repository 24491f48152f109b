"""The ledger's clusters: one per installed CA, named after the Kurrent cluster id (or the CA),
with the UI address once remembered; kept beside the records under the "clusters" key."""

from __future__ import annotations

import json

import pytest
from clustertrust.core.install.ledger import ClusterEntry, Ledger, LedgerError, cluster_name
from clustertrust.core.model import Kind, Record, Scope, record_for
from support import pki


@pytest.fixture
def ca_record(kurrent: pki.KurrentBundle) -> Record:
    return record_for(kurrent.ca.cert, Kind.CA, "nss", "/tmp/db", "nick", Scope.USER)


def installed(record: Record) -> Ledger:
    ledger = Ledger()
    ledger.mark_done(ledger.write_intent(record))
    return ledger


def test_each_installed_ca_is_a_cluster_named_after_the_kurrent_cluster_id(
    ca_record: Record,
) -> None:
    assert installed(ca_record).clusters() == [ClusterEntry(ca_record.sha256, "d4f2example")]


@pytest.mark.parametrize(
    ("common_name", "name"),
    [("d4f2example-ca", "d4f2example"), ("CCX Root CA", "CCX Root CA"), ("-ca", "-ca")],
)
def test_cluster_name(common_name: str, name: str) -> None:
    assert cluster_name(common_name) == name


def test_the_address_is_kept_and_survives_later_record_writes(ca_record: Record) -> None:
    ledger = installed(ca_record)
    ledger.remember_cluster(ca_record.sha256, "d4f2example", "https://ui.example:2113/")
    ledger.write_intent(record_for_client(ca_record))  # an install step writes records again
    ledger.remember_cluster(ca_record.sha256, "d4f2example")  # no address: the old one stays
    [cluster] = Ledger().clusters()
    assert cluster.ui_url == "https://ui.example:2113/"
    document = json.loads(Ledger().path.read_text())
    assert document["clusters"] == [cluster.to_json()] and len(document["records"]) == 2


def record_for_client(ca_record: Record) -> Record:
    return Record(**{**ca_record.to_json(), "sha256": "ab" * 32, "kind": Kind.IDENTITY.value})


def test_a_remembered_cluster_shows_only_while_its_ca_is_installed(ca_record: Record) -> None:
    ledger = Ledger()
    ledger.remember_cluster(ca_record.sha256, "d4f2example", "https://ui.example/")
    assert ledger.clusters() == []
    installed(ca_record)
    assert [c.ui_url for c in ledger.clusters()] == ["https://ui.example/"]
    ledger.remove(ledger.records()[0])
    assert ledger.clusters() == []


def test_an_entry_that_is_not_understood_is_left_out(ca_record: Record) -> None:
    ledger = installed(ca_record)
    document = json.loads(ledger.path.read_text())
    document["clusters"] = ["junk", {"name": 3}, {"ca_sha256": ca_record.sha256, "ui_url": 7}]
    ledger.path.write_text(json.dumps(document))
    assert ledger.clusters() == [ClusterEntry(ca_record.sha256, "d4f2example", "")]


def test_a_damaged_ledger_is_never_overwritten_by_remembering(ca_record: Record) -> None:
    ledger = installed(ca_record)
    ledger.path.write_text("{not json")
    with pytest.raises(LedgerError):
        ledger.remember_cluster(ca_record.sha256, "d4f2example", "https://ui.example/")
    assert ledger.path.read_text() == "{not json"
