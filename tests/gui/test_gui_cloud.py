"""The "From Kurrent Cloud" choice on the Bundle page, against the local Kurrent Cloud imitation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.core.cloud import kurrent as cloud
from clustertrust.core.secrets import SERVICE
from clustertrust.gui.cloud import CloudDialog
from clustertrust.gui.services import Services
from clustertrust.gui.session import Session
from clustertrust.gui.wizard import BUNDLE, ClusterTrustWizard
from pytestqt.qtbot import QtBot
from support import pki
from support.cloud_server import CLIENT_ID, CloudServer, MemoryKeyring, run_cloud_server
from support.gui_support import Driver, other_threads, save_png

ORG, PROJECT, CLUSTER = "org-1", "proj-1", "d4f2example"
REFRESH = "rt-valid-0123456789abcdef"
UI = f"https://{CLUSTER}.mesdb.example:2113"


@pytest.fixture
def cloud_server(tmp_path: Path, kurrent: pki.KurrentBundle) -> Iterator[CloudServer]:
    for server in run_cloud_server(tmp_path / "cloud"):
        server.state.refresh_tokens.add(REFRESH)
        server.state.projects[(ORG, PROJECT)] = {
            CLUSTER: {
                "id": CLUSTER,
                "description": "orders",
                "status": "available",
                "addresses": {"ui": UI},
            },
        }
        server.state.bundles[CLUSTER] = kurrent.files()
        cloud.save_settings(
            cloud.CloudSettings(
                api_url=server.url,
                identity_url=server.url,
                client_id=CLIENT_ID,
                organization=ORG,
                project=PROJECT,
            )
        )
        yield server


def open_dialog(qtbot: QtBot, server: CloudServer) -> tuple[Driver, CloudDialog]:
    wizard = ClusterTrustWizard(Session(), Services(cloud_context=server.context))
    qtbot.addWidget(wizard)
    wizard.show()
    driver = Driver(qtbot, wizard)
    driver.forward()
    driver.wait_page(BUNDLE)
    page = wizard.currentPage()
    driver.click(page.cloud_button)
    dialog = wizard.findChild(CloudDialog)
    assert dialog is not None and dialog.isVisible()
    assert (dialog.organization.text(), dialog.project.text()) == (ORG, PROJECT)
    return driver, dialog


def wait_listed(qtbot: QtBot, dialog: CloudDialog, count: int = 1, timeout: int = 20_000) -> None:
    """Until the dialog lists `count` clusters; when that runs out, says what the dialog shows
    (its banner, whether the listing job still runs), so a timeout under load names its cause."""
    try:
        qtbot.waitUntil(lambda: dialog.clusters.count() == count, timeout=timeout)
    except TimeoutError:
        raise AssertionError(
            f"waited {timeout} ms for {count} cluster(s), {dialog.clusters.count()} listed "
            f"(the listing job running: {dialog.jobs.busy()}, List enabled: "
            f"{dialog.list_button.isEnabled()}); it shows: "
            f"[{dialog.status.kind}] {dialog.status.text() or 'no message'}\n{other_threads()}"
        ) from None


def test_pick_a_cluster_and_its_bundle_and_address_arrive(
    qtbot: QtBot, cloud_server: CloudServer, memory_keyring: MemoryKeyring
) -> None:
    driver, dialog = open_dialog(qtbot, cloud_server)
    qtbot.keyClicks(dialog.token, REFRESH)
    dialog.remember.setChecked(True)
    driver.click(dialog.list_button)
    wait_listed(qtbot, dialog)
    assert "orders" in dialog.clusters.item(0).text()
    save_png(dialog, "02-bundle-kurrent-cloud")
    driver.click(dialog.use_button)
    wizard = driver.wizard
    qtbot.waitUntil(lambda: wizard.session.opened is not None, timeout=20_000)
    assert wizard.session.opened.source.origin.startswith(f"Kurrent Cloud cluster {CLUSTER}")
    assert wizard.session.opened.offered_url == UI  # offered on Verify, not yet remembered
    assert memory_keyring.entries[(SERVICE, cloud.TOKEN_NAME)] == REFRESH


def test_a_refused_token_says_what_to_do(qtbot: QtBot, cloud_server: CloudServer) -> None:
    driver, dialog = open_dialog(qtbot, cloud_server)
    qtbot.keyClicks(dialog.token, "rt-unknown-0123456789")
    driver.click(dialog.list_button)
    qtbot.waitUntil(lambda: dialog.status.kind == "error", timeout=20_000)
    said = dialog.status.text()
    assert "new refresh token" in said and "Kurrent Cloud dialog" in said, said
    assert "clustertrust" not in said, said  # the dialog's own fields, not a terminal command
    assert dialog.clusters.count() == 0 and not dialog.use_button.isEnabled()


def test_without_a_stored_token_it_says_how_to_log_in(
    qtbot: QtBot, cloud_server: CloudServer
) -> None:
    driver, dialog = open_dialog(qtbot, cloud_server)
    driver.click(dialog.list_button)
    qtbot.waitUntil(lambda: dialog.status.kind == "error", timeout=20_000)
    assert "No Kurrent Cloud token is stored" in dialog.status.text()


def test_renew_an_installed_cluster_from_kurrent_cloud_in_the_clusters_window(
    qtbot: QtBot, cloud_server: CloudServer, kurrent: pki.KurrentBundle, tmp_path: Path
) -> None:
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.install import plan as plans
    from clustertrust.core.model import Scope
    from clustertrust.core.source.load import load_source
    from clustertrust.gui.manage import ManageWindow
    from clustertrust.gui.plan_dialog import PlanDialog

    # GIVEN an older bundle of the cluster installed in a sandbox; Kurrent Cloud has the new one
    services = Services(sandbox=tmp_path / "sandbox", cloud_context=cloud_server.context)
    old_kit = pki.kurrent_bundle(CLUSTER)
    old = read_bundle(load_source(str(pki.write_files(tmp_path / "old", old_kit.files()))))
    first = services.plan_install(old, Scope.USER)
    plans.apply_plan(first.plan, first.setup.ledger)
    old_shas = {r.sha256 for r in first.setup.ledger.records()}
    window = ManageWindow(services, Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: len(window.cards) == 1 and not window.jobs.busy(), timeout=20_000)
    # WHEN Renew → From Kurrent Cloud, the cluster is picked and the plan accepted
    window.renew_from_cloud(window.cards[0].cluster)
    dialog = window.dialog
    assert isinstance(dialog, CloudDialog)
    driver = Driver(qtbot, dialog)
    qtbot.keyClicks(dialog.token, REFRESH)
    driver.click(dialog.list_button)
    wait_listed(qtbot, dialog)
    driver.click(dialog.use_button)
    qtbot.waitUntil(lambda: isinstance(window.dialog, PlanDialog), timeout=20_000)
    Driver(qtbot, window.dialog).click(window.dialog.action_button)
    qtbot.waitUntil(lambda: "Renewed" in window.status.text(), timeout=30_000)
    # THEN only the new certificates are installed
    left = {r.sha256 for r in first.setup.ledger.records()}
    assert left and not left & old_shas
    assert kurrent.ca.cert.fingerprint(pki.hashes.SHA256()).hex() in left
