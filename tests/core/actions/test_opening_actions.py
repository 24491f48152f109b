"""actions.open_bundle, the one way both front ends open a bundle: read, checked, described, what
it renews, and the password rule (given, the Kurrent default, then the remembered one), with real
bundles and the in-memory keyring every test gets."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from clustertrust.core import actions
from clustertrust.core.actions.opening import CA_TITLE, CLIENT_WITH_KEY, PASSWORD_SECRET
from clustertrust.core.errors import InputError, PasswordNeeded
from clustertrust.core.model import Scope
from clustertrust.core.secrets import SERVICE
from clustertrust.platform.identity_files import IdentityFilesStore
from support import pki
from support.cloud_server import LockedKeyring, MemoryKeyring
from support.machines import FakeMachine, MemoryStore
from support.rotation import CLUSTER, Rotation, kurrent_tgz

PASSWORD = "s3cret-pw"


@pytest.fixture
def locked_p12(tmp_path: Path, kurrent: pki.KurrentBundle) -> Path:
    path = tmp_path / "client.p12"
    path.write_bytes(pki.p12_bytes(kurrent.client, [kurrent.ca], password=PASSWORD.encode()))
    return path


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    stores = [MemoryStore("/home/u/.mozilla/firefox/a1b2.default"), IdentityFilesStore(tmp_path)]
    return FakeMachine(tmp_path / "ledger.json", lambda host: stores)


def test_a_bundle_is_read_checked_and_described_ca_first(kurrent_tgz: Path) -> None:
    opened = actions.open_bundle(str(kurrent_tgz))
    assert opened.source.origin == str(kurrent_tgz)
    assert opened.bundle.client_cert is not None and opened.bundle.has_key
    assert [f for f in opened.findings if f.severity.value == "error"] == []
    titles = [title for title, _ in opened.summaries]
    assert titles == [CA_TITLE, CLIENT_WITH_KEY]
    assert opened.password is None  # the Kurrent default opened it
    assert opened.renews == ""  # no machine asked


def test_with_a_machine_it_says_which_installed_cluster_it_renews(
    machine: FakeMachine, tmp_path: Path, rotation: Rotation
) -> None:
    first = kurrent_tgz(tmp_path, "first", rotation.ca1, rotation.client1)
    renewed = kurrent_tgz(tmp_path, "renewed", rotation.ca1, rotation.client2)
    opened = actions.open_bundle(str(first), machine=machine)
    assert opened.renews == ""  # nothing installed yet
    actions.apply_changes(actions.plan_changes(machine, opened.bundle, Scope.USER))
    assert actions.open_bundle(str(renewed), machine=machine).renews == CLUSTER


def test_a_bundle_that_needs_a_password_hands_back_what_was_fetched(locked_p12: Path) -> None:
    with pytest.raises(actions.NeedsPassword) as needed:
        actions.open_bundle(str(locked_p12))
    assert isinstance(needed.value, PasswordNeeded) and isinstance(needed.value, InputError)
    locked_p12.unlink()  # asked again, it opens what was fetched, without reading the file
    opened = actions.open_bundle(str(locked_p12), PASSWORD, source=needed.value.source)
    assert opened.bundle.has_key and opened.password == PASSWORD


def test_a_remembered_password_opens_it_named_by_any_path_to_it(
    locked_p12: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert actions.remember_password(str(locked_p12), PASSWORD) == ""
    assert memory_keyring.entries == {(SERVICE, PASSWORD_SECRET + str(locked_p12)): PASSWORD}
    monkeypatch.chdir(locked_p12.parent)  # `clustertrust inspect client.p12` in its folder
    opened = actions.open_bundle(locked_p12.name)
    assert opened.bundle.has_key and opened.password == PASSWORD


def test_a_given_password_is_the_only_one_tried_after_the_default(
    locked_p12: Path, memory_keyring: MemoryKeyring
) -> None:
    actions.remember_password(str(locked_p12), PASSWORD)
    with pytest.raises(actions.NeedsPassword):
        actions.open_bundle(str(locked_p12), "typed-wrong")


def test_an_out_of_date_remembered_password_asks_again(locked_p12: Path) -> None:
    actions.remember_password(str(locked_p12), "the-old-one")
    with pytest.raises(actions.NeedsPassword):
        actions.open_bundle(str(locked_p12))


def test_a_shut_keyring_keeps_nothing_and_says_why(locked_p12: Path) -> None:
    keyring.set_keyring(LockedKeyring())
    said = actions.remember_password(str(locked_p12), PASSWORD)
    assert said.startswith("The password was not saved: the keyring is not available.")
    assert actions.stored_password(str(locked_p12)) is None
    with pytest.raises(actions.NeedsPassword):  # asked, not an error about the keyring
        actions.open_bundle(str(locked_p12))
