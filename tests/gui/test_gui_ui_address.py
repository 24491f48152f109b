"""One remembered UI address per cluster, for the wizard, the clusters window and the terminal:
the ledger keeps it (core.install.addresses). A user-scope install into Chromium and Firefox
databases in a temporary HOME; the terminal is a separate `clustertrust` process on that HOME;
nginx demands the client certificate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clustertrust.core import paths
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.demo import DemoCluster
from clustertrust.core.install import plan as plans
from clustertrust.core.install.addresses import known_ui_urls
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.services import Services
from clustertrust.gui.session import SETTINGS_FILE, Session
from clustertrust.gui.wizard import DONE, VERIFY
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot
from support import browsers, pki
from support.cli_runs import cli
from support.gui_support import Driver, wizard_with_bundle
from support.tls_peers import NginxSetup

WAIT = 60_000


def terminal(*args: str, home: Path) -> tuple[int, Any]:
    """`clustertrust ARGS --json` in its own process on the same HOME: exit code and document."""
    done = cli(home, *args, "--json", cwd=home)
    return done.code, json.loads(done.out) if done.out else done.err


@pytest.fixture
def installed(isolated_dirs: Path, kurrent_tgz: Path) -> Path:
    """Installed for "Only me" from a terminal; no UI address known yet."""
    browsers.chromium(isolated_dirs)
    browsers.firefox(isolated_dirs, {"default-release": True})
    code, document = terminal("install", str(kurrent_tgz), "--yes", home=isolated_dirs)
    assert code == 0, document
    assert ui_urls(isolated_dirs) == [""]
    return isolated_dirs


def ui_urls(home: Path) -> list[str]:
    """What `clustertrust status --json` says each cluster's UI address is."""
    code, document = terminal("status", home=home)
    assert code == 0, document
    return [cluster["ui_url"] for cluster in document["clusters"]]


def verifies_at(home: Path) -> tuple[int, str]:
    """`clustertrust verify` with no address: its exit code and where it connected."""
    code, document = terminal("verify", home=home)
    return code, document["url"] if isinstance(document, dict) and "url" in document else ""


def wizard_settings() -> dict[str, str]:
    path = paths.config_dir() / SETTINGS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def open_clusters_window(qtbot: QtBot, services: Services) -> ManageWindow:
    window = ManageWindow(services, Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.cards) and not window.jobs.busy(), timeout=WAIT)
    return window


def answer_address(monkeypatch: pytest.MonkeyPatch, url: str) -> list[str]:
    """The clusters window's "which address?" question gets `url`; returns what was asked."""
    asked: list[str] = []

    def ask(parent: object, title: str, label: str, **kwargs: object) -> tuple[str, bool]:
        asked.append(label)
        return url, True

    monkeypatch.setattr(QInputDialog, "getText", ask)
    return asked


def test_an_address_proven_in_the_wizard_is_what_the_terminal_verifies_and_lists(
    qtbot: QtBot, installed: Path, kurrent_tgz: Path, nginx: NginxSetup
) -> None:
    # GIVEN the wizard on its Verify page for the installed bundle: no address to fill in yet
    wizard, session = wizard_with_bundle(qtbot, kurrent_tgz)
    wizard.show()
    wizard.setStartId(VERIFY)
    wizard.restart()
    driver = Driver(qtbot, wizard)
    driver.wait_idle()  # the address lookup found nothing
    page = wizard.currentPage()
    assert page.url.text() == "" and session.verified is None
    # WHEN the person types the address, verifies and goes on to Done
    url = nginx.url("mtls")
    qtbot.keyClicks(page.url, url)
    driver.click(page.verify_button)
    qtbot.waitUntil(lambda: session.verified is not None, timeout=WAIT)
    assert session.verified.ok, session.verified.verdict
    driver.forward()
    driver.wait_page(DONE)
    assert wizard.currentPage().verdict.kind == "ok"
    driver.wait_idle()
    # THEN the terminal knows it: `verify` needs no address, `status` lists it
    assert verifies_at(installed) == (0, url)
    assert ui_urls(installed) == [url]
    assert not any(key.startswith("ui_url:") for key in wizard_settings())  # in the ledger only


def test_an_address_the_terminal_proved_shows_on_the_clusters_card(
    qtbot: QtBot, installed: Path, nginx: NginxSetup
) -> None:
    url = nginx.url("mtls")
    code, document = terminal("verify", url, home=installed)
    assert code == 0, document
    window = open_clusters_window(qtbot, Services())
    [card] = window.cards
    assert card.address.plain() == url


def test_an_address_given_in_the_clusters_window_is_what_the_terminal_uses(
    qtbot: QtBot, installed: Path, nginx: NginxSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the clusters window, which knows no address for the cluster
    url = nginx.url("mtls")
    asked = answer_address(monkeypatch, url)
    window = open_clusters_window(qtbot, Services())
    opened: list[str] = []
    window.open_url = lambda address: opened.append(address.toString()) or True
    # WHEN the person opens the cluster UI and gives its address when asked
    Driver(qtbot, window).click(window.cards[0].open_button)
    qtbot.waitUntil(lambda: window.status.kind == "ok", timeout=WAIT)
    # THEN the browser opens it, the card shows it, and the terminal uses it
    assert len(asked) == 1 and opened == [url]
    assert window.cards[0].address.plain() == url
    assert ui_urls(installed) == [url]
    assert verifies_at(installed) == (0, url)


def test_a_bad_address_given_in_the_clusters_window_is_refused_and_not_kept(
    qtbot: QtBot, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_address(monkeypatch, "http://cluster.example/")
    window = open_clusters_window(qtbot, Services())
    opened: list[str] = []
    window.open_url = lambda address: opened.append(address.toString()) or True
    Driver(qtbot, window).click(window.cards[0].open_button)
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=WAIT)
    assert "https://" in window.status.text()
    assert opened == [] and ui_urls(installed) == [""]


def test_addresses_an_older_wizard_kept_move_to_the_ledger_once(
    qtbot: QtBot, installed: Path, nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    # GIVEN the settings an older version wrote: the address by cluster name, and the last one
    url = nginx.url("mtls")
    link = "https://console.example/certificate_bundle.tar.gz"
    settings = paths.config_dir() / SETTINGS_FILE
    settings.parent.mkdir(parents=True, exist_ok=True)
    old = {"ui_url:d4f2example": url, "cluster_url": url, "last_url": link}
    settings.write_text(json.dumps(old))
    # WHEN the clusters window lists the clusters for the first time
    window = open_clusters_window(qtbot, Services())
    # THEN the address is the ledger's: on the card, for the terminal; the old keys are gone
    assert window.cards[0].address.plain() == url
    assert wizard_settings() == {"last_url": link}
    assert ui_urls(installed) == [url]
    assert verifies_at(installed) == (0, url)


def test_the_verify_page_adopts_an_older_address_too(
    qtbot: QtBot, installed: Path, nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    url = nginx.url("mtls")
    settings = paths.config_dir() / SETTINGS_FILE
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"ui_url:d4f2example": url}))
    wizard, session = wizard_with_bundle(qtbot, kurrent_tgz)
    page = wizard.page(VERIFY)
    page.initializePage()
    qtbot.waitUntil(lambda: page.url.text() == url, timeout=WAIT)
    qtbot.waitUntil(lambda: session.verified is not None, timeout=WAIT)
    assert session.verified.ok, session.verified.verdict
    assert wizard_settings() == {}
    assert ui_urls(installed) == [url]


def test_the_wizards_renewal_plan_adopts_an_older_address_for_its_check(
    installed: Path, tmp_path: Path
) -> None:
    # GIVEN an older wizard's address for the installed cluster, and its renewed bundle
    url = "https://d4f2example.example:2113/"
    settings = paths.config_dir() / SETTINGS_FILE
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"ui_url:d4f2example": url}))
    renewed = pki.write_files(tmp_path / "renewed", pki.kurrent_bundle().files())
    # WHEN the Plan page plans it (the first address read of these services)
    planned = Services().plan_install(read_bundle(load_source(str(renewed))), Scope.USER)
    # THEN the renewal is checked at that address, which the ledger now keeps
    assert planned.renewal is not None and planned.renewal.verify_url == url
    assert wizard_settings() == {}


def test_the_demo_keeps_its_address_in_its_sandbox_and_leaves_the_users_alone(
    qtbot: QtBot, demo: DemoCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the user's own older settings, and the demo bundle installed into the sandbox
    settings = paths.config_dir() / SETTINGS_FILE
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"ui_url:d4f2example": "https://real.example:2113/"}))
    before = settings.read_bytes()
    services = Services(sandbox=demo.sandbox)
    source = load_source(demo.bundle_url, context=demo.download_context())
    planned = services.plan_install(read_bundle(source), Scope.USER)
    plans.apply_plan(planned.plan, planned.setup.ledger)
    # WHEN the demo's clusters window is given the demo's address
    answer_address(monkeypatch, demo.ui_url)
    window = open_clusters_window(qtbot, services)
    window.open_url = lambda address: True
    Driver(qtbot, window).click(window.cards[0].open_button)
    qtbot.waitUntil(lambda: window.status.kind == "ok", timeout=WAIT)
    # THEN the sandbox's ledger has it; the user's ledger and settings are untouched
    assert window.cards[0].address.plain() == demo.ui_url
    sandbox = Ledger(demo.sandbox / "ledger.json")
    assert known_ui_urls(sandbox)[demo.pki.cluster_id] == demo.ui_url
    assert not Ledger().path.exists()
    assert settings.read_bytes() == before
