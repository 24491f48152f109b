"""The one place where the current OS picks its trust stores (and where the demo gets a sandbox).

setup = current_setup(Scope.USER)                 # this computer's stores and the ledger
setup = current_setup(Scope.SYSTEM, ["system"])   # only the OS store (--stores system)
setup = all_stores_setup()                        # every store, for status and uninstall
setup = sandbox_setup(root)                       # the demo: everything inside `root`
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import STORE_CHOICES, Scope, Setup, TrustStore
from clustertrust.core.verify.consumers import Inventory
from clustertrust.platform import elevation, linux, macos, nss, windows
from clustertrust.platform.identity_files import IdentityFilesStore
from clustertrust.platform.runner import Runner, SubprocessRunner

WSL_NOTE = translatable(
    "This is Linux under WSL: Windows browsers use the Windows certificate store, which this "
    "does not change. Run ClusterTrust on Windows as well (or, from Windows, "
    "`certutil -user -addstore Root ca.crt`)."
)


def is_wsl(
    env: Mapping[str, str] | None = None, proc_version: Path = Path("/proc/version")
) -> bool:
    env = os.environ if env is None else env
    if env.get("WSL_DISTRO_NAME") or env.get("WSL_INTEROP"):
        return True
    try:
        return "microsoft" in proc_version.read_text(errors="replace").lower()
    except OSError:
        return False


def os_store(runner: Runner, trust_host: str = "") -> TrustStore:
    """The operating system's own store: chosen once, by a plain `if` on the platform.

    `trust_host` restricts the CA's trust to that host where the OS can (macOS `-s host`).
    """
    if sys.platform == "win32":
        return windows.WindowsStore(runner)
    if sys.platform == "darwin":
        return macos.MacKeychainStore(runner, trust_host)
    return linux.LinuxAnchorsStore(runner)


def default_store_names(scope: Scope) -> tuple[str, ...]:
    if sys.platform.startswith("linux") and scope is Scope.USER:
        return ("nss", "files")  # the Linux system store has no per-user part
    return STORE_CHOICES


def current_setup(
    scope: Scope,
    wanted: Sequence[str] | None = None,
    runner: Runner | None = None,
    ledger: Ledger | None = None,
    trust_host: str = "",
) -> Setup:
    """Raises InputError for an unknown store name."""
    runner = runner or SubprocessRunner()
    names = tuple(wanted) if wanted else default_store_names(scope)
    unknown = [n for n in names if n not in STORE_CHOICES]
    if unknown:
        raise InputError(
            tr("Unknown store {names}.").format(names=", ".join(unknown)),
            tr("Choose from {names} (comma-separated).").format(names=", ".join(STORE_CHOICES)),
        )
    makers = {
        "system": lambda: os_store(runner, trust_host),
        "nss": lambda: nss.NssStore(runner),
        "files": lambda: IdentityFilesStore(),
    }
    stores = tuple(makers[n]() for n in STORE_CHOICES if n in names)
    notes = (WSL_NOTE,) if sys.platform.startswith("linux") and is_wsl() else ()
    return Setup(stores, ledger or Ledger(), notes)


def all_stores_setup(
    runner: Runner | None = None, ledger: Ledger | None = None, trust_host: str = ""
) -> Setup:
    return current_setup(Scope.SYSTEM, STORE_CHOICES, runner, ledger, trust_host)


def sandbox_setup(root: Path, runner: Runner | None = None) -> Setup:
    """Stores and a ledger that live entirely inside `root`: the demo never touches real stores.

    An anchors folder with no refresh command, an NSS database (when certutil is installed)
    and identity files, all under `root`; the ledger is `root/ledger.json`.
    """
    runner = runner or SubprocessRunner()
    root.mkdir(parents=True, exist_ok=True)
    anchors = root / "anchors"
    anchors.mkdir(exist_ok=True)
    family = linux.Family("the demo anchors folder", anchors, ".crt", (), (), None)
    stores: list[TrustStore] = [
        linux.LinuxAnchorsStore(
            runner, family, elevation.Elevation(elevation.Method.DIRECT), any_scope=True
        )
    ]
    database = _sandbox_nss_database(root / "nssdb", runner)
    if database is not None:
        stores.append(nss.NssStore(runner, [database]))
    stores.append(IdentityFilesStore(root / "identities"))
    return Setup(tuple(stores), Ledger(root / "ledger.json"))


def _sandbox_nss_database(folder: Path, runner: Runner) -> nss.Database | None:
    certutil = elevation.find_tool("certutil", nss.TOOL_DIRS)
    if certutil is None:
        return None
    if not (folder / "cert9.db").exists():
        folder.mkdir(parents=True, exist_ok=True)
        runner.run((str(certutil), "-N", "-d", f"sql:{folder}", "--empty-password"))
    return nss.Database(folder)


class RealMachine:
    """This computer's stores and the user's ledger, for core.actions."""

    is_sandbox = False

    def __init__(self, runner: Runner | None = None, ledger: Ledger | None = None) -> None:
        self.runner = runner or SubprocessRunner()
        self.ledger = ledger or Ledger()

    def setup(
        self, scope: Scope | None = None, wanted: Sequence[str] | None = None, trust_host: str = ""
    ) -> Setup:
        if scope is None:
            return all_stores_setup(self.runner, self.ledger, trust_host)
        return current_setup(scope, wanted, self.runner, self.ledger, trust_host=trust_host)

    def inventory(self) -> Inventory:
        return current_inventory(self.runner, self.ledger)

    def facts(self) -> dict[str, Any]:
        from clustertrust.platform.facts import machine_facts  # it imports this module

        return machine_facts(self.setup(), self.runner)


class SandboxMachine:
    """The demo: every store and the ledger inside one folder, whatever the scope."""

    is_sandbox = True

    def __init__(self, root: Path, runner: Runner | None = None) -> None:
        self.root = root
        self.runner = runner
        self._lock = threading.Lock()  # the sandbox's NSS database is created once

    def setup(
        self, scope: Scope | None = None, wanted: Sequence[str] | None = None, trust_host: str = ""
    ) -> Setup:
        with self._lock:
            return sandbox_setup(self.root, self.runner)

    def inventory(self) -> None:
        return None

    def facts(self) -> dict[str, Any]:
        from clustertrust.platform.facts import machine_facts

        return machine_facts(self.setup(), self.runner or SubprocessRunner())


def current_inventory(runner: Runner | None = None, ledger: Ledger | None = None) -> Inventory:
    """The consumers verification judges: the browsers' databases (found now, including
    profiles that appeared after the install), the OS store and the identity files."""
    runner = runner or SubprocessRunner()
    return Inventory(
        ledger or Ledger(), nss.NssStore(runner), os_store(runner), IdentityFilesStore()
    )
