"""The trust host is on the record: a CA trusted for one host only (macOS `add-trusted-cert -s
HOST`, `install --only-host`) is reported present by `status`, and put back or renewed for that
host only, never for every host. Against the fake security(1) of tests/platform/test_macos.py,
modelled on Apple's source (support/fake_security.py, which cites it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import actions, certinfo
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.model import Kind, Record, Scope, TrustStore
from clustertrust.core.source.load import load_source
from clustertrust.platform import macos
from clustertrust.platform.identity_files import IdentityFilesStore
from cryptography import x509
from support import pki
from support.fake_security import FakeSecurity
from support.machines import FakeMachine
from support.recording import RecordingRunner

HOST = "abc.mesdb.eventstore.cloud"
ENGLISH = {-25263: "No Trust Settings were found."}  # actions/runner-images#4734 (macOS 11)


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeSecurity:
    return FakeSecurity(runner, dict(ENGLISH))


@pytest.fixture
def machine(runner: RecordingRunner, tmp_path: Path) -> FakeMachine:
    def stores(host: str) -> list[TrustStore]:
        keychain = macos.MacKeychainStore(runner, host, lambda: False, lambda app: False)
        return [keychain, IdentityFilesStore(tmp_path / "identities")]

    return FakeMachine(tmp_path / "ledger.json", stores)


def install_for_host(machine: FakeMachine, bundle: Bundle) -> None:
    changes = actions.plan_changes(machine, bundle, Scope.USER, trust_host=HOST)
    actions.apply_changes(changes)


def ca_record(machine: FakeMachine) -> Record:
    return next(
        r for r in machine.ledger.records() if r.kind == Kind.CA.value and r.store == macos.NAME
    )


def keychain_ca(cluster: actions.Cluster) -> bool | None:
    return next(
        i.present for i in cluster.items if i.record.store == macos.NAME and i.record.kind == "ca"
    )


def trusted_hosts(fake: FakeSecurity, ca: x509.Certificate | None) -> list[object]:
    assert ca is not None
    settings = (fake.trust["user"] or {}).get(certinfo.sha1(ca).upper(), [])
    return [c.get("kSecTrustSettingsPolicyString") for c in settings]


def test_status_sees_a_ca_trusted_for_its_host_only(
    machine: FakeMachine, fake: FakeSecurity, bundle: Bundle
) -> None:
    install_for_host(machine, bundle)
    assert ca_record(machine).trust_host == HOST
    assert trusted_hosts(fake, bundle.ca) == [HOST]
    (cluster,) = actions.cluster_status(machine)  # every store: none was made with the host
    assert keychain_ca(cluster) is True


def test_repair_puts_the_trust_back_for_that_host_only(
    machine: FakeMachine, fake: FakeSecurity, bundle: Bundle
) -> None:
    install_for_host(machine, bundle)
    fake.trust["user"] = {}  # the trust setting removed in Keychain Access
    (cluster,) = actions.cluster_status(machine)
    assert keychain_ca(cluster) is False
    repair = actions.plan_repair(machine)
    (step,) = repair.repair.put_back
    assert f"-s {HOST}" in step.commands[0]
    actions.apply_changes(repair)
    assert trusted_hosts(fake, bundle.ca) == [HOST]


def test_a_renewal_with_a_new_ca_trusts_it_for_the_same_host(
    machine: FakeMachine, fake: FakeSecurity, bundle: Bundle, tmp_path: Path
) -> None:
    install_for_host(machine, bundle)
    renewed = pki.kurrent_bundle()  # a new CA of the same name: `d4f2example-ca`
    path = tmp_path / "renewed.tar.gz"
    path.write_bytes(pki.tar_bytes(renewed.files()))
    new = read_bundle(load_source(str(path)))
    changes = actions.plan_changes(machine, new, Scope.USER)  # no host given this time
    assert changes.renewal is not None
    actions.apply_changes(changes)
    assert trusted_hosts(fake, new.ca) == [HOST]
    assert ca_record(machine).trust_host == HOST
