"""What renewals to a cluster did not finish removing (model.left_behind): the items the clusters
window's "Remove older certificates…" removes. Never an item of the cluster's current CA or
client; never one of another cluster."""

from __future__ import annotations

from clustertrust.core import model
from clustertrust.core.model import Kind, Record, State

STORES = (("nss", "/home/a/.pki/nssdb"), ("identity_files", "/home/a/.local/share/ct"))


def items(sha: str, subject: str, kind: Kind, when: str, **more: str) -> list[Record]:
    """One certificate as an install records it, in a browser database and the identity files."""
    return [
        Record(
            sha256=sha,
            sha1=sha[:8],
            subject=subject,
            not_after="2030-01-01T00:00:00+00:00",
            kind=kind.value,
            store=store,
            location=location,
            name=subject,
            scope="user",
            installed_at=when,
            state=State.DONE.value,
            **more,
        )
        for store, location in STORES
    ]


def listed(records: list[Record]) -> dict[str, set[str]]:
    """Each cluster by its current CA: the fingerprints of what it left behind."""
    clusters = model.left_behind(model.superseded(model.cluster_groups(records)))
    return {c.ca.sha256 if c.ca else "": {r.sha256 for r in c.older} for c in clusters}


def test_a_same_ca_renewal_leaves_the_older_client_on_the_same_card() -> None:
    records = [
        *items("ca1", "d4f2-ca", Kind.CA, "2026-01-01T00:00:00"),
        *items("old", "client", Kind.IDENTITY, "2026-01-01T00:00:00", issuer="ca1"),
        *items("new", "client", Kind.IDENTITY, "2026-06-01T00:00:00", issuer="ca1"),
    ]
    clusters = model.left_behind(model.cluster_groups(records))
    assert [c.client.sha256 for c in clusters if c.client] == ["new"]
    assert [(r.sha256, r.store) for r in clusters[0].older] == [
        ("old", "nss"),
        ("old", "identity_files"),
    ]


def test_a_new_ca_renewal_leaves_the_old_clusters_items_to_the_newer_card() -> None:
    records = [
        *items("ca1", "d4f2-ca", Kind.CA, "2026-01-01T00:00:00"),
        *items("c1", "client", Kind.IDENTITY, "2026-01-01T00:00:00", issuer="ca1"),
        *items("ca2", "d4f2-ca", Kind.CA, "2026-06-01T00:00:00", renews="ca1"),
        *items("c2", "client", Kind.IDENTITY, "2026-06-01T00:00:00", issuer="ca2"),
    ]
    assert listed(records) == {"ca1": set(), "ca2": {"ca1", "c1"}}


def test_what_an_earlier_renewal_left_is_the_newest_clusters_too() -> None:
    records = [
        *items("ca1", "d4f2-ca", Kind.CA, "2026-01-01T00:00:00"),
        *items("ca2", "d4f2-ca", Kind.CA, "2026-03-01T00:00:00", renews="ca1"),
        *items("ca3", "d4f2-ca", Kind.CA, "2026-06-01T00:00:00", renews="ca2"),
    ]
    assert listed(records) == {"ca1": set(), "ca2": {"ca1"}, "ca3": {"ca1", "ca2"}}


def test_nothing_left_behind_and_another_cluster_of_the_same_ca_name_is_not_older() -> None:
    records = [
        *items("ca1", "Easy-RSA CA", Kind.CA, "2026-01-01T00:00:00"),
        *items("c1", "alice", Kind.IDENTITY, "2026-01-01T00:00:00", issuer="ca1"),
        *items("ca2", "Easy-RSA CA", Kind.CA, "2026-06-01T00:00:00"),
        *items("c2", "bob", Kind.IDENTITY, "2026-06-01T00:00:00", issuer="ca2"),
    ]
    assert listed(records) == {"ca1": set(), "ca2": set()}


def test_a_renewal_within_the_same_second_makes_the_later_client_current() -> None:
    """installed_at has whole seconds and a renewed client often expires when the old one does:
    on such a tie the one written to the ledger later is the current client."""
    records = [
        *items("ca1", "d4f2-ca", Kind.CA, "2026-01-01T00:00:00"),
        *items("old", "client", Kind.IDENTITY, "2026-01-01T00:00:00", issuer="ca1"),
        *items("new", "client", Kind.IDENTITY, "2026-01-01T00:00:00", issuer="ca1"),
    ]
    (cluster,) = model.left_behind(model.cluster_groups(records))
    assert cluster.client is not None and cluster.client.sha256 == "new"
    assert {r.sha256 for r in cluster.older} == {"old"}
