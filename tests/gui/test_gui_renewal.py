"""The wizard renews like the command line: a bundle of an installed cluster gets the renewal plan
(install the new items, then remove the old), through the same core decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core.bundle import Bundle, read_bundle
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.model import Scope
from clustertrust.core.source import load_source
from clustertrust.gui.services import Services
from clustertrust.gui.session import Opened, Session
from clustertrust.gui.wizard import INSTALL, PLAN, ClusterTrustWizard
from clustertrust.gui.workers import JobControl, JobSignals
from pytestqt.qtbot import QtBot
from support import pki


@pytest.fixture(scope="module")
def old() -> pki.KurrentBundle:
    return pki.kurrent_bundle("c1gui", "p256")


@pytest.fixture(scope="module")
def new() -> pki.KurrentBundle:
    return pki.kurrent_bundle("c1gui", "p256")  # the vendor's rotation: same CA name, new keys


def bundle_of(kit: pki.KurrentBundle, folder: Path) -> Bundle:
    return read_bundle(load_source(str(pki.write_files(folder, kit.files()))))


def test_a_renewed_bundle_replaces_the_old_one_in_the_wizard(
    qtbot: QtBot, tmp_path: Path, old: pki.KurrentBundle, new: pki.KurrentBundle
) -> None:
    # GIVEN the old bundle installed in a sandbox through the wizard's services
    services = Services(sandbox=tmp_path / "sandbox")
    first = services.plan_install(bundle_of(old, tmp_path / "old"), Scope.USER)
    assert first.renewal is None
    services.apply(first, JobControl(JobSignals()))
    old_shas = {r.sha256 for r in first.setup.ledger.records()}
    # WHEN the renewed bundle is opened and the wizard goes through Plan and Install
    renewed = bundle_of(new, tmp_path / "new")
    session = Session(
        opened=Opened(load_source(str(tmp_path / "new")), renewed, check_bundle(renewed))
    )
    wizard = ClusterTrustWizard(session, services)
    qtbot.addWidget(wizard)
    wizard.ensure_pages()
    plan_page = wizard.page(PLAN)
    plan_page.initializePage()
    qtbot.waitUntil(lambda: session.plan is not None, timeout=20_000)
    # THEN the plan is the renewal: new items in, then the old ones out, said in plain words
    assert session.plan.renewal is not None
    summaries = [s.summary for s in session.plan.plan.steps]
    assert any(s.startswith("Remove") for s in summaries), summaries
    assert "renews an installed cluster" in plan_page.prompts.text()
    install_page = wizard.page(INSTALL)
    install_page.initializePage()
    qtbot.waitUntil(lambda: install_page.finished_ok, timeout=30_000)
    left = {r.sha256 for r in first.setup.ledger.records()}
    assert left and not left & old_shas  # only the new certificates remain
    assert all(state == "done" for state in install_page.steps.states)
