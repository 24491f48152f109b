"""What the wizard's pages share: the chosen bundle, the plan, the results; and the few settings
and secrets it remembers (the last bundle link in the config folder, passwords only in the
keyring). A cluster's UI address is not one of them: the ledger keeps it (core.install.addresses),
and the addresses older versions kept here are handed over to it once (`old_ui_urls`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for types: the wizard paints before the certificate machinery loads
    import ssl

    from clustertrust.core.actions.bundles import Bundle, CertificateSummary, Finding, SourceData
    from clustertrust.core.errors import BundleError

SETTINGS_FILE = "wizard.json"
OLD_UI_URL = "ui_url:"  # + a cluster's name: where versions before the ledger's kept its address
OLD_LAST_UI_URL = "cluster_url"  # the last address verified, whatever the cluster


@dataclass
class Opened:
    """A bundle read and checked, ready for review."""

    source: SourceData
    bundle: Bundle
    findings: list[Finding]
    password: str | None = field(repr=False, default=None)
    # (title, summary) per certificate, worked out on the worker so the Review page only shows
    summaries: list[tuple[str, CertificateSummary]] = field(default_factory=list)
    renews: str = ""  # the installed cluster this bundle renews ("" for a new one)
    # The UI address its source named (a Kurrent Cloud cluster's): offered on the Verify page,
    # never the cluster's address until a verification proves it and the ledger keeps it.
    offered_url: str = ""


class NeedsPassword(Exception):
    """The bundle's PKCS#12 file or key wants a password other than the Kurrent default."""

    def __init__(self, source: SourceData, error: BundleError) -> None:
        super().__init__(error.message)
        self.source = source
        self.error = error


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
