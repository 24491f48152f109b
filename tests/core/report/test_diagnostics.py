"""The helpdesk lines (the clusters window's Copy diagnostics) say how long a certificate has
left in the words both front ends use (core.install.expiry.days_left), in every language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clustertrust.core import actions, i18n
from clustertrust.core.model import Certificate, Cluster
from clustertrust.core.report import text
from clustertrust.core.report.diagnostics import diagnostics


@pytest.fixture(params=["en", "de"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.use_languages([request.param])
    yield request.param
    i18n.use_languages(["en"])


def cluster(ca_days: int, client_days: int) -> Cluster:
    ca = Certificate("ab" * 32, "c1-ca", "2027-01-01T00:00:00+00:00", ca_days)
    client = Certificate("cd" * 32, "c1-client", "2027-01-01T00:00:00+00:00", client_days)
    return Cluster("c1", ca, client, ())


@pytest.mark.parametrize(("ca_days", "client_days"), [(-3, 1), (0, 80)])
def test_diagnostics_say_days_left_as_the_front_ends_do(
    language: str, ca_days: int, client_days: int
) -> None:
    lines = diagnostics([cluster(ca_days, client_days)], "Linux").splitlines()
    ca_line = next(line for line in lines if "c1-ca" in line)
    client_line = next(line for line in lines if "c1-client" in line)
    assert ca_line.endswith(": " + actions.days_left(ca_days)), ca_line
    assert client_line.endswith(": " + actions.days_left(client_days)), client_line
    if language == "de" and ca_days < 0:
        assert ca_line.endswith(": abgelaufen"), ca_line
    if language == "en":
        assert client_line.endswith(("1 day left", "80 days left")), client_line


@pytest.mark.parametrize("days", [-3, 1, 80])
def test_the_support_report_says_days_left_the_same_way(language: str, days: int) -> None:
    item = {
        "subject": "c1-ca",
        "kind": "ca",
        "store": "nss",
        "present": True,
        "sha256": "ab" * 32,
        "expires": "2027-01-01",
        "days_left": days,
        "location": "/tmp/db",
        "scope": "user",
        "state": "done",
        "installed_at": "2026-12-01T00:00:00+00:00",
        "source": "bundle.tar.gz",
    }
    expires = next(line for line in text._item(item) if "2027-01-01" in line)
    assert expires.endswith(f"2027-01-01 ({actions.days_left(days)})"), expires
