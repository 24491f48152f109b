"""Two clusters whose CAs carry the same default name (easy-rsa's "Easy-RSA CA", trustme,
cert-manager) are two clusters: installing the second never marks the first as renewed, nor
plans its removal; a renewal is recognised by what corroborates it (the same client name, or
the link a renewal wrote), and a real one still replaces the old CA."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import actions, certinfo, model
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.core.install import addresses, renewal
from clustertrust.core.install import plan as plans
from clustertrust.core.install.identity import kept_ca_fingerprints
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform.detect import SandboxMachine
from support import pki

DEFAULT_NAME = "Easy-RSA CA"  # what easy-rsa calls every CA it makes unless told otherwise


def cluster_files(folder: Path, client_name: str) -> Path:
    """A bundle of a CA with the default name (its own key) and a client it issued."""
    ca = pki.make_ca(DEFAULT_NAME)
    return pki.write_files(folder, pki.KurrentBundle(ca, pki.make_leaf(ca, client_name)).files())


def opened(folder: Path) -> Bundle:
    return read_bundle(load_source(str(folder)))


def install(machine: SandboxMachine, bundle: Bundle) -> None:
    """The install use case both front ends call, into the sandbox's stores and ledger."""
    changes = actions.plan_changes(machine, bundle, Scope.USER)
    assert changes.renewal is None, changes.text()
    actions.apply_changes(changes)


def first_installed(
    tmp_path: Path, first: str, second: str
) -> tuple[SandboxMachine, Bundle, Bundle]:
    """A sandbox machine with a cluster of a default-named CA installed (client `first`), and the
    bundle of another CA of that name (client `second`), not installed yet."""
    machine = SandboxMachine(tmp_path / "machine")
    installed = opened(cluster_files(tmp_path / "first", first))
    other = opened(cluster_files(tmp_path / "second", second))
    install(machine, installed)
    return machine, installed, other


def ca_sha(bundle: Bundle) -> str:
    assert bundle.ca is not None
    return certinfo.sha256(bundle.ca)


def superseded_by_ca(ledger: Ledger) -> dict[str, bool]:
    groups = model.superseded(model.cluster_groups(ledger.records(), kept_ca_fingerprints))
    return {c.ca.sha256: c.superseded for c in groups if c.ca is not None}


def test_a_second_cluster_with_a_same_named_ca_is_a_separate_cluster(tmp_path: Path) -> None:
    machine, a, b = first_installed(tmp_path, "alice", "bob")
    ledger = machine.setup().ledger
    addresses.remember_bundle_ui_url(ledger, a, "https://a.example:8443/")

    assert renewal.replaced_records(b, ledger) == []  # nothing of A is B's to replace
    changes = actions.plan_changes(machine, b, Scope.USER)
    assert changes.renewal is None
    assert any("separate cluster" in tr(note) for note in changes.plan.notes), changes.plan.notes
    install(machine, b)
    assert addresses.remembered_url(ledger, b) == ""  # A's address is not B's
    assert {c.ca.sha256: c.ui_url for c in actions.cluster_status(machine) if c.ca} == {
        ca_sha(a): "https://a.example:8443/",
        ca_sha(b): "",
    }
    addresses.remember_bundle_ui_url(ledger, b, "https://b.example:8443/")

    shown = {c.ca.sha256: c for c in actions.cluster_status(machine) if c.ca is not None}
    assert set(shown) == {ca_sha(a), ca_sha(b)}
    assert not any(c.superseded for c in shown.values())
    missing = [
        (i.record.store, i.record.subject)
        for c in shown.values()
        for i in c.items
        if i.present is False
    ]
    assert missing == []
    assert superseded_by_ca(ledger) == {ca_sha(a): False, ca_sha(b): False}
    for bundle in (a, b):
        found = model.bundle_records(ledger.records(), bundle, kept_ca_fingerprints)
        assert found.superseded == () and found.left_behind == ()
        assert {r.sha256 for r in found.own} == model.bundle_fingerprints(bundle)
    with pytest.raises(InputError, match="separate cluster"):
        actions.plan_renewal(machine, b)


def test_a_same_named_ca_with_the_same_client_name_is_still_a_renewal(tmp_path: Path) -> None:
    machine, old, new = first_installed(tmp_path, "admin", "admin")
    replaced = renewal.replaced_records(new, machine.setup().ledger)
    assert {r.sha256 for r in replaced} == model.bundle_fingerprints(old)
    assert actions.plan_changes(machine, new, Scope.USER).renewal is not None


def test_a_renewal_named_by_fingerprint_is_remembered_as_one(tmp_path: Path) -> None:
    machine, old, new = first_installed(tmp_path, "alice", "bob")
    ledger = machine.setup().ledger
    changes = actions.plan_renewal(machine, new, replaces=[ca_sha(old)[:16]])
    assert changes.renewal is not None
    plans.apply_plan(changes.renewal.install, ledger)  # as a renewal whose removal failed

    linked = [r for r in ledger.records() if r.sha256 == ca_sha(new)]
    assert linked and all(r.renews == ca_sha(old) for r in linked)
    assert superseded_by_ca(ledger) == {ca_sha(old): True, ca_sha(new): False}
    left = model.bundle_records(ledger.records(), new, kept_ca_fingerprints).left_behind
    assert {r.sha256 for r in left} == model.bundle_fingerprints(old)


def test_a_cluster_chosen_to_renew_is_renewed_by_a_bundle_of_its_ca_name(tmp_path: Path) -> None:
    """The clusters window's Renew on one cluster names it, as `renew --replaces` does."""
    machine, old, new = first_installed(tmp_path, "alice", "bob")
    chosen = next(c for c in actions.cluster_status(machine) if c.ca is not None)
    changes = actions.plan_renewal(machine, new, cluster=chosen)
    assert changes.renewal is not None
    assert {r.sha256 for r in changes.renewal.replaced} == model.bundle_fingerprints(old)


def test_verify_by_address_uses_the_client_of_the_cluster_at_that_address(tmp_path: Path) -> None:
    """`verify URL` without a bundle: the address remembered for A is A's, even when B, installed
    later with a CA of the same name, has none yet (B's client is the newest installed)."""
    machine, a, b = first_installed(tmp_path, "alice", "bob")
    ledger = machine.setup().ledger
    addresses.remember_bundle_ui_url(ledger, a, "https://a.example:8443/")
    install(machine, b)

    assert addresses.cas_at(ledger, "https://a.example:8443/") == {ca_sha(a)}
    chosen = actions.identity_at(machine, "https://a.example:8443/")
    assert chosen.client_cert is not None
    assert certinfo.common_name(chosen.client_cert.subject) == "alice"
