"""KurrentDB discovery is decided once: a cluster name discovers its nodes, an IP address is one
node; the wizard's Done page and `configure kurrentdb` give the same connection string."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from clustertrust.cli.main import main
from clustertrust.core.bundle import read_bundle
from clustertrust.core.install import plan as plans
from clustertrust.core.install.addresses import remember_bundle_ui_url
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope, Setup
from clustertrust.core.source import load_source
from clustertrust.gui.services import Services
from clustertrust.platform.identity_files import IdentityFilesStore


@pytest.mark.parametrize(
    ("host", "scheme"),
    [("10.0.0.5", "kurrentdb"), ("abc.mesdb.example", "kurrentdb+discover")],
)
def test_wizard_and_cli_agree_on_discovery(
    kurrent_tgz: Path, capsys: pytest.CaptureFixture[str], host: str, scheme: str
) -> None:
    bundle = read_bundle(load_source(str(kurrent_tgz)))
    ledger = Ledger()
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [IdentityFilesStore()], ledger), ledger)
    assert main(["configure", "kurrentdb", "--host", host, "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)["connection_string"]
    remember_bundle_ui_url(ledger, bundle, f"https://{host}:2113/")  # the ledger's address
    session = SimpleNamespace(
        opened=SimpleNamespace(bundle=bundle),
        installed=SimpleNamespace(setup=Setup((), ledger)),
        verified=None,
    )
    from_wizard = dict(Services().client_settings(session))["KurrentDB connection string"]
    assert from_cli.startswith(f"{scheme}://{host}:2113?")
    assert from_wizard == from_cli
