"""actions.clients: the files a client points at and the rows the wizard lists, from the machine's
own ledger (the demo's sandbox keeps its own), with real identity files written by the install."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import actions
from clustertrust.core.actions import clients
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError
from clustertrust.core.model import Scope
from clustertrust.platform.identity_files import IdentityFilesStore
from support.machines import FakeMachine, MemoryStore

UI = "https://orders.example.com:2113"


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    stores = [MemoryStore("/home/u/.mozilla/firefox/a1b2.default"), IdentityFilesStore(tmp_path)]
    return FakeMachine(tmp_path / "ledger.json", lambda host: stores)


@pytest.fixture
def installed(machine: FakeMachine, bundle: Bundle) -> FakeMachine:
    actions.apply_changes(actions.plan_changes(machine, bundle, Scope.USER))
    return machine


def test_the_rows_name_the_installed_files(
    installed: FakeMachine, tmp_path: Path, bundle: Bundle
) -> None:
    rows = clients.client_settings(installed, bundle)
    assert [label for label, _ in rows] == [
        clients.CA_FILE,
        clients.CLIENT_CERTIFICATE,
        clients.CLIENT_KEY,
    ]  # no address known: no connection string
    for _, value in rows:
        assert Path(value).is_file() and Path(value).is_relative_to(tmp_path)


def test_an_address_just_verified_gives_the_connection_string_first(
    installed: FakeMachine, bundle: Bundle
) -> None:
    label, text = clients.client_settings(installed, bundle, UI)[0]
    assert label == clients.CONNECTION_STRING
    assert text.startswith("kurrentdb+discover://orders.example.com:2113?")


def test_the_address_the_ledger_keeps_wins_over_the_one_just_verified(
    installed: FakeMachine, bundle: Bundle
) -> None:
    (cluster,) = actions.cluster_status(installed)
    actions.remember_ui_url(installed, cluster, UI)
    _, text = clients.client_settings(installed, bundle, "https://elsewhere.example.com:2113")[0]
    assert "orders.example.com" in text and "elsewhere" not in text


def test_a_bundle_not_installed_has_no_rows(machine: FakeMachine, bundle: Bundle) -> None:
    assert clients.client_settings(machine, bundle, UI) == []


def test_client_files_come_from_the_machines_ledger(installed: FakeMachine, tmp_path: Path) -> None:
    files = clients.client_files(installed)
    assert files.key is not None and files.key.is_relative_to(tmp_path)


def test_no_installed_identity_says_install_first(machine: FakeMachine) -> None:
    with pytest.raises(InputError, match="No client identity files are installed"):
        clients.client_files(machine)


def test_a_ca_only_bundle_points_at_a_copy_of_its_ca(machine: FakeMachine, bundle: Bundle) -> None:
    files = clients.client_files(machine, bundle=bundle)
    assert files.ca.is_file() and files.cert is None and files.key is None


def test_the_mysql_client_is_the_chosen_one_else_the_installed_one() -> None:
    def nothing_asked() -> None:
        raise AssertionError("the installed client was looked for")

    chosen = clients.mysql_flavour("mariadb", nothing_asked)  # type: ignore[arg-type]
    assert chosen is clients.MysqlFlavour.MARIADB
    found = clients.mysql_flavour(None, lambda: clients.MysqlFlavour.MYSQL)
    assert found is clients.MysqlFlavour.MYSQL
    with pytest.raises(InputError, match="No mysql or mariadb client"):
        clients.mysql_flavour(None, lambda: None)
