"""A cluster's UI address, kept once in the ledger for the wizard and the command line: found by
the cluster's CA, else by its name; stored as `verify` shows it; older addresses adopted once."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError
from clustertrust.core.install.addresses import (
    adopt_ui_urls,
    cluster_of,
    known_ui_urls,
    remember_bundle_ui_url,
    remember_ui_url,
    remembered_url,
)
from clustertrust.core.install.ledger import ClusterEntry, Ledger
from clustertrust.core.model import Kind, Scope, record_for
from support import pki

UI = "https://d4f2example.kurrent.cloud:2113/"


def installed(bundle: Bundle) -> Ledger:
    """A ledger that lists the bundle's CA as installed."""
    assert bundle.ca is not None
    ledger = Ledger()
    record = record_for(bundle.ca, Kind.CA, "nss", "/tmp/db", "nick", Scope.USER)
    ledger.mark_done(ledger.write_intent(record))
    return ledger


def test_an_address_remembered_for_a_bundle_is_found_for_it(bundle: Bundle) -> None:
    ledger = installed(bundle)
    remember_bundle_ui_url(ledger, bundle, UI)
    assert remembered_url(ledger, bundle) == UI
    assert ledger.clusters() == [ClusterEntry(certinfo.sha256(bundle.ca), "d4f2example", UI)]


def test_it_is_kept_as_verify_shows_it_without_credentials_or_query(bundle: Bundle) -> None:
    kept = remember_bundle_ui_url(Ledger(), bundle, " https://me:secret@ui.example:2113/web?t=1 ")
    assert kept == "https://ui.example:2113/web"
    assert "secret" not in Ledger().path.read_text()


def test_a_bad_address_changes_nothing(bundle: Bundle) -> None:
    ledger = installed(bundle)
    before = ledger.path.read_bytes()
    with pytest.raises(InputError):
        remember_bundle_ui_url(ledger, bundle, "http://ui.example/")
    assert ledger.path.read_bytes() == before


def test_a_renewed_bundle_with_a_new_ca_finds_its_cluster_by_name(bundle: Bundle) -> None:
    """By name when the renewal is corroborated by its client's name (model.same_cluster); a
    CA name alone may be another cluster's (tests/core/install/test_same_named_cas.py)."""
    ledger = installed(bundle)
    assert bundle.ca is not None and bundle.client_cert is not None
    client = record_for(bundle.client_cert, Kind.IDENTITY, "nss", "/tmp/db", "me", Scope.USER)
    ledger.mark_done(ledger.write_intent(replace(client, issuer=certinfo.sha256(bundle.ca))))
    remember_bundle_ui_url(ledger, bundle, UI)
    renewed = replace(bundle, ca_certs=(pki.make_ca("d4f2example-ca", "p256").cert,))
    assert cluster_of(renewed) == cluster_of(bundle) == "d4f2example"
    assert remembered_url(ledger, renewed) == UI


def test_another_cluster_has_no_address_yet(bundle: Bundle) -> None:
    ledger = installed(bundle)
    remember_bundle_ui_url(ledger, bundle, UI)
    other = replace(bundle, ca_certs=(pki.make_ca("e5a1other-ca", "p256").cert,))
    assert remembered_url(ledger, other) == ""


def test_by_name_alone_it_goes_to_the_installed_cluster_of_that_name(bundle: Bundle) -> None:
    ledger = installed(bundle)
    remember_ui_url(ledger, "d4f2example", UI)
    assert [c.ui_url for c in ledger.clusters()] == [UI]  # keyed by the installed CA


def test_a_cluster_without_a_ca_is_remembered_by_its_name(bundle: Bundle) -> None:
    client_only = replace(bundle, ca_certs=())
    name = cluster_of(client_only)
    assert name == "d4f2example-kurrentdb-client"
    remember_bundle_ui_url(Ledger(), client_only, UI)
    remember_bundle_ui_url(Ledger(), client_only, "https://moved.example/")
    assert [c.to_json() for c in Ledger().remembered_clusters()] == [
        {"ca_sha256": "", "name": name, "ui_url": "https://moved.example/"}
    ]
    assert remembered_url(Ledger(), client_only) == "https://moved.example/"


def test_known_addresses_by_ca_or_name_from_the_ledgers_clusters() -> None:
    ledger = Ledger()
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_text(
        json.dumps(
            {
                "format": 1,
                "records": [],
                "clusters": [
                    {"ca_sha256": "ab" * 32, "name": "c1", "ui_url": "https://c1:2113/"},
                    {"name": "c2", "ui_url": "https://c2/"},
                    {"ca_sha256": "cd" * 32, "name": "c3", "ui_url": ""},
                    {"name": 3, "ui_url": "https://junk/"},
                    "nonsense",
                ],
            }
        )
    )
    assert known_ui_urls(ledger) == {
        "ab" * 32: "https://c1:2113/",
        "c1": "https://c1:2113/",
        "c2": "https://c2/",
    }


def test_adopting_old_addresses_keeps_what_the_ledger_knows(bundle: Bundle) -> None:
    ledger = installed(bundle)
    remember_bundle_ui_url(ledger, bundle, UI)
    adopted = adopt_ui_urls(
        ledger,
        {
            "d4f2example": "https://older.example/",  # the ledger's is newer
            "e5a1other": "https://other.example:2113/",
            "broken": "not an address at all",
        },
    )
    assert adopted == ["e5a1other"]
    assert known_ui_urls(ledger) == {
        certinfo.sha256(bundle.ca): UI,
        "d4f2example": UI,
        "e5a1other": "https://other.example:2113/",
    }
