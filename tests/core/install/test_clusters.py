"""Cluster names and consumer names: what a person recognises, from ledger facts alone."""

from __future__ import annotations

import pytest
from clustertrust.core.install.clusters import cluster_name, consumer_key, consumer_name


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("d4f2example-ca", "d4f2example"),  # Kurrent Cloud: `<cluster id>-ca`
        ("kuma-ca", "kuma"),
        ("Cybertec Postgres Operator CA", "Cybertec Postgres Operator CA"),
        ("-ca", "-ca"),
    ],
)
def test_cluster_name_from_the_ca(subject: str, name: str) -> None:
    assert cluster_name(subject) == name


@pytest.mark.parametrize(
    ("store", "location", "name"),
    [
        ("nss", "/home/a/.pki/nssdb", "Chromium"),
        ("nss", "/home/a/.local/share/pki/nssdb", "Chromium"),
        ("nss", "/home/a/snap/chromium/current/.pki/nssdb", "Chromium (snap)"),
        (
            "nss",
            "/home/a/.mozilla/firefox/x1y2.default-release",
            "Firefox (profile default-release)",
        ),
        (
            "nss",
            "/home/a/snap/firefox/common/.mozilla/firefox/q.work",
            "Firefox (profile work) (snap)",
        ),
        ("nss", "/srv/demo/nssdb", "Browser certificate database"),
        (
            "identity-files",
            "/home/a/.local/share/clustertrust/identities/ab",
            "Command-line clients",
        ),
        ("linux-anchors", "/usr/local/share/ca-certificates/x.crt", "System trust store"),
        ("windows-certutil", "CurrentUser\\Root", "System trust store"),
        ("macos-keychain", "login.keychain-db", "System trust store"),
    ],
)
def test_consumer_names_a_person_knows(store: str, location: str, name: str) -> None:
    assert consumer_name(store, location) == name


def test_each_browser_database_is_its_own_consumer_other_stores_are_one() -> None:
    assert consumer_key("nss", "/a") != consumer_key("nss", "/b")
    assert consumer_key("linux-anchors", "/a") == consumer_key("linux-anchors", "/b")
