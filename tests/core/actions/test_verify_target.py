"""`verify` given no address (core.actions.verify_target): the cluster of the bundle given, else
of the newest installed identity, at the address remembered for it; none remembered is a clear
InputError whose remedy the command line says as a command."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import actions
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import InputError
from clustertrust.core.install.addresses import remember_bundle_ui_url
from clustertrust.core.model import Scope
from clustertrust.core.remedy import Action
from clustertrust.core.source.load import load_source
from clustertrust.platform.identity_files import IdentityFilesStore
from support import pki
from support.machines import FakeMachine, MemoryStore

URL = "https://d4f2example.mesdb.example:2113/"


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    browsers, files = MemoryStore("/home/u/.pki/nssdb"), IdentityFilesStore(tmp_path / "ids")
    return FakeMachine(tmp_path / "ledger.json", lambda host: [browsers, files])


@pytest.fixture
def installed(machine: FakeMachine, bundle: Bundle) -> FakeMachine:
    actions.apply_changes(actions.plan_changes(machine, bundle, Scope.USER))
    return machine


def test_the_installed_identity_at_its_remembered_address(
    installed: FakeMachine, bundle: Bundle
) -> None:
    remember_bundle_ui_url(installed.ledger, bundle, URL)
    url, chosen = actions.verify_target(installed)
    assert url == URL
    assert chosen.client_cert == bundle.client_cert  # the installed one, read back from its files


def test_a_given_bundle_names_the_cluster_whose_address_is_used(
    installed: FakeMachine, bundle: Bundle, tmp_path: Path
) -> None:
    remember_bundle_ui_url(installed.ledger, bundle, URL)
    path = tmp_path / "other.tar.gz"
    path.write_bytes(pki.tar_bytes(pki.kurrent_bundle("other").files()))
    other = read_bundle(load_source(str(path)))
    with pytest.raises(InputError):  # the other cluster has no address remembered
        actions.verify_target(installed, other)
    remember_bundle_ui_url(installed.ledger, other, "https://other:2113/")
    assert actions.verify_target(installed, other) == ("https://other:2113/", other)


def test_no_remembered_address_says_how_to_give_one_as_a_remedy_not_in_its_words(
    installed: FakeMachine,
) -> None:
    with pytest.raises(InputError) as raised:
        actions.verify_target(installed)
    error = raised.value
    assert "No cluster UI address is remembered" in error.message
    assert "clustertrust" not in error.fix  # the windows say their own way
    assert [r.action for r in error.remedies] == [Action.VERIFY]
    assert "Run: clustertrust verify https://your-cluster:2113/" in error.terminal_fix


def test_nothing_installed_is_an_input_error(machine: FakeMachine) -> None:
    with pytest.raises(InputError):
        actions.verify_target(machine)


def test_verify_without_an_address_stops_before_connecting_when_none_is_remembered(
    installed: FakeMachine,
) -> None:
    """The command's rule lives in the use case: `verify` given "" asks verify_target, so no
    front end picks the address (the fake machine has no inventory: a connection would fail
    differently)."""
    with pytest.raises(InputError, match="No cluster UI address is remembered"):
        actions.verify(installed, "")
