"""What the wizard's pages share: the chosen bundle, the plan, the results; and the few settings
and secrets it remembers (the last bundle link in the config folder, passwords only in the
keyring). A cluster's UI address is not one of them: the ledger keeps it (core.install.addresses),
and the addresses older versions kept here are handed over to it once (`old_ui_urls`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# A bundle opened, and the password it needs, are core.actions' (this loads no bundle reader).
from clustertrust.core.actions.opening import NeedsPassword, Opened

if TYPE_CHECKING:
    import ssl

__all__ = ["NeedsPassword", "Opened", "Session"]

SETTINGS_FILE = "wizard.json"
OLD_UI_URL = "ui_url:"  # + a cluster's name: where versions before the ledger's kept its address
OLD_LAST_UI_URL = "cluster_url"  # the last address verified, whatever the cluster


@dataclass
class Session:
    """State that flows one way through the pages: bundle → plan → install → verify → done."""

    demo: Any = None  # a running core.demo.DemoCluster, when this is the demo
    source_context: ssl.SSLContext | None = None  # trusts the demo's download server
    opened: Opened | None = None
    scope: str = ""
    plan: Any = None
    installed: Any = None
    verified: Any = None  # the verification report; the ledger keeps a proven address

    def offered_url(self) -> str:
        """An address to check first: the bundle source's, or the demo's own."""
        offered = self.opened.offered_url if self.opened else ""
        return offered or (str(self.demo.ui_url) if self.demo is not None else "")


def load_settings() -> dict[str, str]:
    from clustertrust.core.actions.runtime import config_dir

    try:
        data = json.loads((config_dir() / SETTINGS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def save_settings(**values: str) -> None:
    """Remember the last bundle link. Never passwords or tokens."""
    _write_settings({**load_settings(), **{k: v for k, v in values.items() if v}})


def old_ui_urls() -> dict[str, str]:
    """Cluster UI addresses an older version kept here, by cluster name."""
    settings = load_settings()
    return {k[len(OLD_UI_URL) :]: v for k, v in settings.items() if k.startswith(OLD_UI_URL)}


def forget_old_ui_urls() -> None:
    settings = load_settings()
    kept = {k: v for k, v in settings.items() if not _old_ui_url(k)}
    if kept != settings:
        _write_settings(kept)


def _old_ui_url(key: str) -> bool:
    return key.startswith(OLD_UI_URL) or key == OLD_LAST_UI_URL


def _write_settings(settings: dict[str, str]) -> None:
    from clustertrust.core.actions.runtime import config_dir, write_atomic

    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / SETTINGS_FILE, json.dumps(settings, indent=2).encode("utf-8"))
