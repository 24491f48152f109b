"""The use cases of core.actions against a fake Machine: status, repair, removal and the identity
`verify` uses, with browsers kept in memory (support/machines.py) and real identity files."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from clustertrust.core import actions, certinfo
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import ClusterTrustError, CommandError, InputError
from clustertrust.core.install.clusters import expected_steps
from clustertrust.core.model import Record, Scope, Step, bundle_records
from clustertrust.core.source.load import load_source
from clustertrust.platform.identity_files import IdentityFilesStore
from support import pki
from support.machines import FakeMachine, MemoryStore
from support.rotation import make_rotation
from support.tls_peers import bundle_of, identity_files

DEFAULT = "/home/u/.mozilla/firefox/a1b2.default-release"
WORK = "/home/u/.mozilla/firefox/c3d4.work"
NEW = "/home/u/.mozilla/firefox/e5f6.made-later"
FILES = "Command-line clients"
CLIENT = "d4f2example-kurrentdb-client"


@pytest.fixture
def browsers() -> MemoryStore:
    return MemoryStore(DEFAULT, WORK)


@pytest.fixture
def machine(browsers: MemoryStore, tmp_path: Path) -> FakeMachine:
    files = IdentityFilesStore(tmp_path / "identities")
    return FakeMachine(tmp_path / "ledger.json", lambda host: [browsers, files])


@pytest.fixture
def installed(machine: FakeMachine, bundle: Bundle) -> FakeMachine:
    actions.apply_changes(actions.plan_changes(machine, bundle, Scope.USER))
    return machine


def states(machine: FakeMachine) -> dict[str, str]:
    (cluster,) = actions.cluster_status(machine)
    return {c.name: c.state.value for c in cluster.consumers}


def only_cluster(machine: FakeMachine) -> actions.Cluster:
    (cluster,) = actions.cluster_status(machine)
    return cluster


def other_bundle(tmp_path: Path, cluster_id: str) -> Bundle:
    path = tmp_path / f"{cluster_id}.tar.gz"
    path.write_bytes(pki.tar_bytes(pki.kurrent_bundle(cluster_id).files()))
    return read_bundle(load_source(str(path)))


# cluster_status


def test_status_lists_the_cluster_and_every_consumer_it_set_up(installed: FakeMachine) -> None:
    cluster = only_cluster(installed)
    assert cluster.name == "d4f2example" and cluster.complete
    assert states(installed) == {
        "Firefox (profile default-release)": "ok",
        "Firefox (profile work)": "ok",
        FILES: "ok",
    }
    kind, words = actions.cluster_state(cluster)
    assert kind == "ok" and words.startswith("set up")
    assert actions.repair_needed([cluster]) == ("", ())


def test_an_item_taken_out_is_missing(installed: FakeMachine, browsers: MemoryStore) -> None:
    ca = only_cluster(installed).ca
    assert ca is not None
    browsers.held.discard(next(k for k in browsers.held if k[2] == WORK and k[0] == ca.sha256))
    assert states(installed)["Firefox (profile work)"] == "missing"
    assert states(installed)["Firefox (profile default-release)"] == "ok"
    cluster = only_cluster(installed)
    assert not cluster.complete and actions.cluster_state(cluster)[0] == "error"
    words, remedies = actions.repair_needed([cluster])
    assert "missing" in words and remedies == (actions.Remedy(actions.Action.REPAIR),)


@pytest.mark.parametrize("why", ["broken", "unavailable"])
def test_a_store_that_cannot_be_asked_is_unknown_never_set_up(
    installed: FakeMachine, browsers: MemoryStore, why: str
) -> None:
    browsers.broken, browsers.available = why == "broken", why != "unavailable"
    cluster = only_cluster(installed)
    browser_items = [i for i in cluster.items if i.record.store == browsers.name]
    assert browser_items and all(i.present is None for i in browser_items)
    assert states(installed)["Firefox (profile work)"] == "unknown"
    kind, words = actions.cluster_state(cluster)
    assert kind == "warning" and "set up" not in words and "cannot be checked" in words
    line = actions.consumer_line(next(c for c in cluster.consumers if c.store == "nss"))
    assert not line.startswith("✓")


def test_a_profile_made_after_the_install_is_not_covered(
    installed: FakeMachine, browsers: MemoryStore
) -> None:
    browsers.profiles.append(NEW)
    assert states(installed)["Firefox (profile made-later)"] == "not_covered"
    assert [c.location for c in actions.not_covered(only_cluster(installed))] == [NEW]
    words, remedies = actions.repair_needed([only_cluster(installed)])
    assert "not set up yet" in words and remedies == (actions.Remedy(actions.Action.REPAIR),)


# expected_steps


def test_expected_steps_reach_every_profile_found_now(
    installed: FakeMachine, browsers: MemoryStore
) -> None:
    browsers.profiles.append(NEW)
    cluster = only_cluster(installed)
    steps = expected_steps(cluster, installed.setup().stores)
    in_browsers = {(s.record.location, s.record.kind) for s in steps if s.record.store == "nss"}
    assert in_browsers == {(p, k) for p in (DEFAULT, WORK, NEW) for k in ("ca", "identity")}
    assert cluster.ca is not None  # each identity is tied to its cluster's CA
    assert {s.record.issuer for s in steps if s.record.kind == "identity"} == {cluster.ca.sha256}


def test_expected_steps_are_none_without_the_identity_files(
    installed: FakeMachine, tmp_path: Path
) -> None:
    shutil.rmtree(tmp_path / "identities")
    assert expected_steps(only_cluster(installed), installed.setup().stores) == []


# plan_repair


def test_repair_puts_back_what_is_missing_and_covers_a_new_profile(
    installed: FakeMachine, browsers: MemoryStore
) -> None:
    lost = next(k for k in browsers.held if k[2] == DEFAULT)
    browsers.held.discard(lost)
    browsers.profiles.append(NEW)
    changes = actions.plan_repair(installed)
    assert changes.repair is not None
    assert [s.record.key for s in changes.repair.put_back] == [lost]
    assert {s.record.location for s in changes.repair.new} == {NEW}
    actions.apply_changes(changes)
    assert set(states(installed).values()) == {"ok"}
    assert actions.plan_repair(installed).is_empty


def test_repair_does_not_touch_a_store_that_cannot_be_asked(
    installed: FakeMachine, browsers: MemoryStore
) -> None:
    browsers.profiles.append(NEW)
    browsers.broken = True
    assert actions.plan_repair(installed).is_empty


def test_repair_without_the_identity_files_names_what_it_cannot_put_back(
    installed: FakeMachine, browsers: MemoryStore, tmp_path: Path
) -> None:
    browsers.held.discard(next(k for k in browsers.held if k[2] == WORK))
    shutil.rmtree(tmp_path / "identities")
    changes = actions.plan_repair(installed)
    assert changes.repair is not None and changes.is_empty
    assert len(changes.repair.cannot) == 2  # the browser item and the identity files
    assert any("Firefox (profile work)" in what for what, _ in changes.repair.cannot)


# plan_removal


def test_removal_by_fingerprint_takes_that_certificate_everywhere(
    installed: FakeMachine, browsers: MemoryStore, bundle: Bundle
) -> None:
    assert bundle.client_cert is not None
    client = certinfo.sha256(bundle.client_cert)
    actions.apply_changes(actions.plan_removal(installed, [client[:12].upper()]))
    assert {r.kind for r in installed.ledger.records()} == {"ca"}
    assert all(k[0] != client for k in browsers.held)


def test_removal_of_everything_empties_the_ledger_and_the_stores(
    installed: FakeMachine, browsers: MemoryStore
) -> None:
    actions.apply_changes(actions.plan_removal(installed, everything=True))
    assert installed.ledger.records() == [] and browsers.held == set()


@pytest.mark.parametrize("typed", [[], ["00FF00FF"]])
def test_removal_of_nothing_or_of_an_unknown_fingerprint_is_bad_input(
    installed: FakeMachine, typed: list[str]
) -> None:
    with pytest.raises(InputError):
        actions.plan_removal(installed, typed)


# the identity verify uses


def test_verify_uses_the_identity_of_the_cluster_at_the_address(
    installed: FakeMachine, bundle: Bundle, tmp_path: Path
) -> None:
    first = only_cluster(installed)
    actions.remember_ui_url(installed, first, "https://first.example:2113/")
    time.sleep(1.1)  # the ledger keeps install times to the second: the other is newer
    other = other_bundle(tmp_path, "elsewhere")
    actions.apply_changes(actions.plan_changes(installed, other, Scope.USER))

    def client(url: str) -> str:
        found = actions.identity_at(installed, url).client_cert
        return certinfo.sha256(found) if found else ""

    assert bundle.client_cert is not None and other.client_cert is not None
    assert client("https://first.example:2113/") == certinfo.sha256(bundle.client_cert)
    assert client("https://unknown.example/") == certinfo.sha256(other.client_cert)


# a renewal whose removal of the old items failed


class StuckBrowsers(MemoryStore):
    """Browsers whose removals fail, as a certutil that exits with an error."""

    def plan_remove(self, record: Record) -> list[Step]:
        def fail() -> None:
            raise CommandError(("certutil", "-F"), 255, "")

        return [replace(step, run=fail) for step in super().plan_remove(record)]


def test_a_half_renewed_cluster_is_one_cluster_to_status_verify_and_the_identity_lookup(
    tmp_path: Path, kurrent: pki.KurrentBundle, bundle: Bundle
) -> None:
    browsers = StuckBrowsers(DEFAULT, WORK)
    files = IdentityFilesStore(tmp_path / "identities")
    machine = FakeMachine(tmp_path / "ledger.json", lambda host: [browsers, files])
    actions.apply_changes(actions.plan_changes(machine, bundle, Scope.USER))
    time.sleep(1.1)  # the ledger keeps install times to the second: the renewal is newer
    renewed = bundle_of(identity_files(kurrent.ca, pki.make_leaf(kurrent.ca, CLIENT)), "renewed")
    with pytest.raises(ClusterTrustError, match="could not be removed"):
        actions.apply_changes(actions.plan_renewal(machine, renewed))

    assert renewed.client_cert is not None and bundle.client_cert is not None
    old, new = certinfo.sha256(bundle.client_cert), certinfo.sha256(renewed.client_cert)
    cluster = only_cluster(machine)  # one CA, both clients: the old one left beside the new
    assert cluster.client is not None and cluster.client.sha256 == new
    assert {r.sha256 for r in cluster.records if r.kind == "identity"} == {old, new}
    assert certinfo.sha256(actions.identity_at(machine, "https://ui.example/").client_cert) == new
    superseded = bundle_records(machine.ledger.records(), renewed).superseded
    assert {(r.sha256, r.location) for r in superseded} == {(old, DEFAULT), (old, WORK)}


def test_the_old_ca_a_new_ca_renewal_left_is_named_and_never_put_back(tmp_path: Path) -> None:
    rotation = make_rotation()
    browsers = StuckBrowsers(DEFAULT, WORK)
    files = IdentityFilesStore(tmp_path / "identities")
    machine = FakeMachine(tmp_path / "ledger.json", lambda host: [browsers, files])
    first = bundle_of(identity_files(rotation.ca1, rotation.client1), "first")
    actions.apply_changes(actions.plan_changes(machine, first, Scope.USER))
    renewed = bundle_of(identity_files(rotation.ca2, rotation.client3), "renewed")
    with pytest.raises(ClusterTrustError, match="could not be removed"):
        actions.apply_changes(actions.plan_renewal(machine, renewed))

    old_ca = certinfo.sha256(rotation.ca1.cert)
    browsers.held.discard(next(k for k in browsers.held if k[0] == old_ca))  # one goes missing
    by_ca = {c.ca.sha256: c for c in actions.cluster_status(machine) if c.ca is not None}
    old, new = by_ca.pop(old_ca), by_ca.popitem()[1]
    assert old.superseded and not new.superseded
    assert actions.cluster_state(old) == (
        "warning",
        "replaced by a newer CA of the same name: remove it",
    )
    assert actions.repair_needed([old, new]) == ("", ())
    assert actions.plan_repair(machine).is_empty
