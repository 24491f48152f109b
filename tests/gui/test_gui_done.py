"""The Done page says which macOS prompt to expect when a browser first uses the client key."""

from __future__ import annotations

from pathlib import Path

from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.demo import DemoCluster
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.gui.pages.done import expected_prompts
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import DONE, ClusterTrustWizard
from clustertrust.platform import macos
from pytestqt.qtbot import QtBot
from support.recording import RecordingRunner


def mac_plan(bundle: Bundle, tmp_path: Path) -> plans.Plan:
    store = macos.MacKeychainStore(RecordingRunner(), app_exists=lambda _: False)
    return plans.plan_install(bundle, Scope.USER, [store], Ledger(tmp_path / "ledger.json"))


def test_a_macos_identity_install_expects_the_keychain_prompt(
    bundle: Bundle, tmp_path: Path
) -> None:
    assert expected_prompts(mac_plan(bundle, tmp_path)) == macos.KEY_PROMPT
    assert "Always Allow" in macos.KEY_PROMPT
    assert expected_prompts(None) == ""


def test_the_done_page_shows_it(
    qtbot: QtBot, demo: DemoCluster, bundle: Bundle, tmp_path: Path
) -> None:
    source = load_source(demo.bundle_url, context=demo.download_context())
    opened = read_bundle(source)
    session = Session(opened=Opened(source, opened, check_bundle(opened)))
    wizard = ClusterTrustWizard(session, Services(sandbox=demo.sandbox))
    qtbot.addWidget(wizard)
    wizard.ensure_pages()
    done = wizard.page(DONE)
    done.initializePage()
    assert done.prompts.isHidden()  # the demo plan has no keychain step
    session.plan = mac_plan(bundle, tmp_path)
    done.initializePage()
    assert done.prompts.text() == macos.KEY_PROMPT and not done.prompts.isHidden()
