"""Cluster names and UI addresses: what a person recognises, from ledger facts alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clustertrust.core.install.clusters import cluster_name


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


def test_ui_addresses_from_the_ledgers_clusters_by_ca_or_name(tmp_path: Path) -> None:
    from clustertrust.core.install.clusters import known_ui_urls
    from clustertrust.core.install.ledger import Ledger

    ledger = Ledger(tmp_path / "ledger.json")
    ledger.path.write_text(
        json.dumps(
            {
                "format": 1,
                "records": [],
                "clusters": [
                    {"ca_sha256": "ab" * 32, "name": "c1", "ui_url": "https://c1:2113/"},
                    {"name": "c2", "ui_url": "https://c2/"},
                    {"ca_sha256": "cd" * 32, "name": "c3", "ui_url": ""},
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
