"""What the wizard's pages share: the chosen bundle, the plan, the results; and the few settings
and secrets it remembers (the last cluster in the config folder, passwords only in the keyring)."""

from __future__ import annotations

import json
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clustertrust.core import paths, secrets
from clustertrust.core.bundle import Bundle, read_bundle
from clustertrust.core.checks import Finding, check_bundle
from clustertrust.core.errors import BundleError, Cancelled, OperationFailed
from clustertrust.core.sources import SourceData, load_source

from .workers import JobControl

PASSWORD_SECRET = "bundle-password:"  # + the bundle's origin
SETTINGS_FILE = "wizard.json"


@dataclass
class Opened:
    """A bundle read and checked, ready for review."""

    source: SourceData
    bundle: Bundle
    findings: list[Finding]
    password: str | None = field(repr=False, default=None)


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
    sandbox: Any = None  # the adapters' sandbox configuration for the demo
    opened: Opened | None = None
    scope: str = ""
    plan: Any = None
    installed: Any = None
    cluster_url: str = ""
    verified: Any = None
    clicks: int = 0  # wizard button presses since the bundle was chosen (the happy path target)


def open_bundle(
    spec: str,
    control: JobControl,
    *,
    source: SourceData | None = None,
    password: str | None = None,
    context: ssl.SSLContext | None = None,
) -> Opened:
    """Fetch (unless already fetched), read and check a bundle. Runs on a worker thread."""

    def progress(done: int, total: int | None) -> None:
        if control.cancelled():
            raise Cancelled("The download was cancelled.", "Start it again when you are ready.")
        control.progress(done, total)

    source = source or load_source(spec, progress=progress, context=context)
    password = password or stored_password(source.origin)
    try:
        bundle = read_bundle(source, password=password)
    except BundleError as error:
        if "password" in error.message.lower():
            raise NeedsPassword(source, error) from error
        raise
    return Opened(source, bundle, check_bundle(bundle), password)


def stored_password(origin: str) -> str | None:
    """A password the user asked us to remember for this bundle; None when the keyring is shut."""
    try:
        return secrets.load_secret(PASSWORD_SECRET + origin)
    except OperationFailed:
        return None


def remember_password(origin: str, password: str) -> str:
    """Save to the OS keyring (only on the user's request); returns "" or why it failed."""
    try:
        secrets.save_secret(PASSWORD_SECRET + origin, password)
    except OperationFailed as error:
        return f"The password was not saved: the keyring is not available. {error.fix}"
    return ""


def load_settings() -> dict[str, str]:
    try:
        data = json.loads((paths.config_dir() / SETTINGS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def save_settings(**values: str) -> None:
    """Remember the last cluster (source and UI address). Never passwords or tokens."""
    folder = paths.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    settings = {**load_settings(), **{k: v for k, v in values.items() if v}}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".wizard-")
    with os.fdopen(fd, "w") as out:
        json.dump(settings, out, indent=2)
    Path(tmp).replace(folder / SETTINGS_FILE)
