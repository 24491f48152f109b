"""Cluster names: what a person recognises, from ledger facts alone."""

from __future__ import annotations

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
