"""The Plan page offers "Everyone on this computer" only where platform says it can be done, and
says why not before anyone chooses (elevation.system_scope_from_window, tested per OS in
tests/platform/test_elevation.py)."""

from __future__ import annotations

import pytest
from clustertrust.core.actions.opening import certificate_summaries
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.demo import DemoCluster
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui.pages import plan as plan_page
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import PLAN, ClusterTrustWizard
from clustertrust.platform.elevation import NOT_ROOT_MACOS, SystemScope
from pytestqt.qtbot import QtBot


def plan_page_for(
    qtbot: QtBot, demo: DemoCluster, session: Session
) -> tuple[ClusterTrustWizard, plan_page.PlanPage]:
    source = load_source(demo.bundle_url, context=demo.download_context())
    bundle = read_bundle(source)
    session.opened = Opened(
        source, bundle, check_bundle(bundle), None, certificate_summaries(bundle)
    )
    wizard = ClusterTrustWizard(session, Services())
    qtbot.addWidget(wizard)
    wizard.ensure_pages()
    page = wizard.page(PLAN)
    assert isinstance(page, plan_page.PlanPage)
    return wizard, page


def test_a_system_scope_that_cannot_be_done_is_not_offered_and_says_why(
    qtbot: QtBot, demo: DemoCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        plan_page, "system_scope_from_window", lambda: SystemScope(False, NOT_ROOT_MACOS)
    )
    session = Session(scope="system")  # chosen on an earlier run where it was possible
    _wizard, page = plan_page_for(qtbot, demo, session)
    page.initializePage()
    qtbot.waitUntil(lambda: session.plan is not None, timeout=30_000)
    assert not page.system_scope.isEnabled() and page.user_scope.isChecked()
    assert page.system_line.text() == NOT_ROOT_MACOS
    assert page.system_scope.accessibleDescription() == NOT_ROOT_MACOS
    assert session.scope == "user"


def test_a_possible_system_scope_is_offered(
    qtbot: QtBot, demo: DemoCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_page, "system_scope_from_window", lambda: SystemScope(True))
    session = Session()
    _wizard, page = plan_page_for(qtbot, demo, session)
    page.initializePage()
    qtbot.waitUntil(lambda: session.plan is not None, timeout=30_000)
    assert page.system_scope.isEnabled()
    assert page.system_line.text() == Services().scope_lines()[Scope.SYSTEM]
