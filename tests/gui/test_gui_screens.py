"""Pictures of every wizard page and of the clusters window, in a light and a dark palette, for
people to look at (test-artifacts/gui/screens-*). Each picture is taken once the page has settled,
and the few facts a picture should show are asserted too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clustertrust.core.demo import DemoCluster
from clustertrust.core.install import plan as plans
from clustertrust.core.model import Scope
from clustertrust.gui.app import demo_wizard
from clustertrust.gui.manage import ManageWindow
from clustertrust.gui.services import Services
from clustertrust.gui.theme import is_dark
from clustertrust.gui.wizard import BUNDLE, DONE, INSTALL, PLAN, REVIEW, VERIFY
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from support.gui_support import Driver, dark_palette, save_png

WAIT = 30_000


@pytest.fixture(params=["light", "dark"])
def theme(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    if request.param == "dark":
        app.setPalette(dark_palette())  # type: ignore[arg-type]
    assert is_dark() == (request.param == "dark")
    yield request.param
    app.setPalette(before)


def test_every_page_and_the_clusters_window(qtbot: QtBot, demo: DemoCluster, theme: str) -> None:
    wizard = demo_wizard(demo)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    driver = Driver(qtbot, wizard)
    name = f"screens-{theme}"
    save_png(wizard, f"{name}-1-welcome")
    shots = (
        (BUNDLE, "2-bundle", lambda: wizard.session.opened is not None),
        (REVIEW, "3-review", lambda: True),
        (PLAN, "4-plan", lambda: wizard.session.plan is not None),
        (INSTALL, "5-install", lambda: wizard.currentPage().isComplete()),
        (VERIFY, "6-verify", lambda: wizard.session.verified is not None),
        (DONE, "7-done", lambda: wizard.currentPage().settings_box.isVisible()),
    )
    for page_id, label, settled in shots:
        driver.forward()
        driver.wait_page(page_id)
        qtbot.waitUntil(settled, timeout=WAIT)
        driver.wait_idle()
        if page_id == PLAN:
            save_png(wizard, f"{name}-{label}")
            page = wizard.currentPage()
            page.details_button.click()
            save_png(wizard, f"{name}-{label}-commands")
            page.details_button.click()
            continue
        save_png(wizard, f"{name}-{label}")
    assert wizard.session.verified.ok and wizard.currentPage().title() == "All set"

    # a returning user: the welcome page lists the installed cluster, then the clusters window
    again = demo_wizard(demo)
    qtbot.addWidget(again)
    again.show()
    welcome = again.currentPage()
    qtbot.waitUntil(welcome.installed.isVisible, timeout=WAIT)
    assert demo.pki.cluster_id in welcome.installed.text()
    save_png(again, f"{name}-1-welcome-returning")
    window = ManageWindow(Services(sandbox=demo.sandbox), wizard.session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: len(window.cards) == 1 and not window.jobs.busy(), timeout=WAIT)
    save_png(window, f"{name}-8-clusters")


def test_clusters_window_with_a_cluster_missing_an_item(
    qtbot: QtBot, demo: DemoCluster, theme: str
) -> None:
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.source.load import SourceData, load_source
    from support import pki

    services = Services(sandbox=demo.sandbox)
    bundle = read_bundle(load_source(demo.bundle_url, context=demo.download_context()))
    planned = services.plan_install(bundle, Scope.USER)
    plans.apply_plan(planned.plan, planned.setup.ledger)
    for anchor in (demo.sandbox / "anchors").iterdir():
        anchor.unlink()
    # and a second cluster whose client certificate expires in 10 days
    soon = pki.kurrent_bundle("c7soon", not_before=pki.NOW - pki.dt.timedelta(days=80), days=90)
    soon_bundle = read_bundle(
        SourceData("soon.tar.gz", (("soon.tar.gz", pki.tar_bytes(soon.files())),))
    )
    second = services.plan_install(soon_bundle, Scope.USER)
    plans.apply_plan(second.plan, second.setup.ledger)
    window = ManageWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: len(window.cards) == 2 and not window.jobs.busy(), timeout=WAIT)
    window.resize(860, 640)
    assert window.cards[0].repair_button.isEnabled()
    expiring = window.card("c7soon")
    assert expiring.expiry["Client certificate"].property("kind") == "warning"
    assert expiring.state.property("kind") == "warning"
    save_png(window, f"screens-{theme}-8-clusters-missing")
