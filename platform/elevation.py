"""How a system-scope step gets root on Linux: uid 0, pkexec on a desktop, sudo in a terminal;
and, for every OS, whether the wizard's window can offer "Everyone on this computer" at all.

The privileged work itself is our own minimal subcommand (`clustertrust privileged ...`, see
cli/privileged_cmd.py); this module only picks the prefix that runs it and recognises a refusal.
Windows and macOS have no such helper: their system scope works only when ClusterTrust itself
already runs elevated (Windows "Run as administrator") or as root (macOS, `sudo` in Terminal),
and system_scope_from_window says so before the user chooses.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core.errors import OperationFailed
from clustertrust.core.i18n import tr, translatable
from clustertrust.platform import winsession
from clustertrust.platform.runner import CommandResult

SEARCH_DIRS = ("/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin")
PKEXEC_REFUSED = (126, 127)  # 126: the dialog was dismissed; 127: not authorized (pkexec(1))
# sudo(8) exits 1 for every failure of its own (a wrong password three times, not in sudoers,
# Ctrl-C at the prompt), in words it translates; otherwise with the command's own status.
SUDO_OWN_FAILURE = 1
# So the privileged helper never exits 1: its own failures exit HELPER_FAILED (bad input 2).
HELPER_FAILED = 70  # EX_SOFTWARE (sysexits.h)
START_MODULE = "clustertrust.cli.privileged_start"


class Method(enum.StrEnum):
    DIRECT = "direct"  # already root
    PKEXEC = "pkexec"
    SUDO = "sudo"
    NONE = "none"  # no way to get root here


@dataclass(frozen=True)
class Elevation:
    method: Method
    prefix: tuple[str, ...] = ()

    @property
    def prompts(self) -> bool:
        return self.method in (Method.PKEXEC, Method.SUDO)


def find_tool(
    name: str, dirs: tuple[str, ...] = SEARCH_DIRS, root: Path = Path("/")
) -> Path | None:
    """An absolute path: /usr/sbin is not on every user's PATH, and PATH must not pick our root."""
    for folder in dirs:
        path = root / folder.lstrip("/") / name
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def choose(
    uid: int | None = None,
    env: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    reason: str = "",
) -> Elevation:
    """How to run a privileged step here. `reason`: the sentence sudo's prompt starts with."""
    uid = os.geteuid() if uid is None else uid
    env = os.environ if env is None else env
    interactive = sys.stdin.isatty() if interactive is None else interactive
    if uid == 0:
        return Elevation(Method.DIRECT)
    pkexec, sudo = find_tool("pkexec"), find_tool("sudo")
    if pkexec and (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return Elevation(Method.PKEXEC, (str(pkexec),))
    if sudo and interactive:
        why = reason or tr("ClusterTrust needs administrator rights to change system trust.")
        asked = tr("Password for %u: ")  # sudo puts the user's name for %u
        prompt = f"{why} {asked}"
        return Elevation(Method.SUDO, (str(sudo), "-p", prompt, "--"))
    return Elevation(Method.NONE)


def self_command() -> tuple[str, ...]:
    """How to start the privileged helper under pkexec/sudo, isolated from the caller; the
    caller appends `privileged VERB --name NAME`.

    `-I` keeps the working folder, PYTHON* variables and user site-packages off the import path:
    sudo keeps the working folder, and a `clustertrust/` package there would otherwise run as root.
    The helper is started as a file (cli/privileged_start.py), not as `-m clustertrust.cli.main`,
    so that an import that fails as root exits HELPER_FAILED, not Python's 1 (sudo's refusal).
    """
    if getattr(sys, "frozen", False):  # a PyInstaller build: the executable is the program
        return (sys.executable,)
    spec = importlib.util.find_spec(START_MODULE)  # its file, not an import (platform <- cli)
    if spec is None or spec.origin is None:
        raise OperationFailed(
            tr(
                "ClusterTrust's privileged helper ({module}) is missing from its installation, so "
                "nothing was changed."
            ).format(module=START_MODULE),
            tr("Reinstall ClusterTrust, or use --scope user."),
        )
    return (sys.executable, "-I", spec.origin)


def refused(elevation: Elevation, result: CommandResult) -> bool:
    """Whether a failed elevated command means the user said no (exit 3), not an error.

    Numbers only: pkexec's own codes; for sudo, its one failure code, which the helper never uses.
    """
    if elevation.method is Method.PKEXEC:
        return result.returncode in PKEXEC_REFUSED
    if elevation.method is Method.SUDO:
        return result.returncode == SUDO_OWN_FAILURE
    return False


@dataclass(frozen=True)
class SystemScope:
    """Whether "Everyone on this computer" can be done from the wizard's window; if not, why,
    in words the window shows next to that choice before anyone picks it."""

    possible: bool
    why_not: str = ""


NOT_ELEVATED_WINDOWS = translatable(
    "Not available: installing for everyone needs ClusterTrust started as administrator "
    "(right-click it, Run as administrator), and this window was not. It does not ask Windows "
    "for it itself."
)
NOT_ROOT_MACOS = translatable(
    "Not available here: macOS lets only root change the System keychain, and this window does "
    "not run as root. In Terminal: sudo clustertrust install --scope system BUNDLE (macOS then "
    "asks for an administrator password)."
)
NO_PROMPT_LINUX = translatable(
    "Not available here: the administrator password is asked through pkexec, which needs a "
    "desktop session and /usr/bin/pkexec. In a terminal: sudo clustertrust install --scope "
    "system BUNDLE."
)


def system_scope_from_window(
    platform: str = sys.platform,
    uid: int | None = None,
    env: Mapping[str, str] | None = None,
    elevated: Callable[[], bool] = winsession.elevated,
) -> SystemScope:
    """A window has no terminal, so on Linux only root or pkexec will do (never sudo)."""
    if platform == "win32":
        return SystemScope(True) if elevated() else SystemScope(False, NOT_ELEVATED_WINDOWS)
    uid = os.geteuid() if uid is None else uid
    if platform == "darwin":
        return SystemScope(True) if uid == 0 else SystemScope(False, NOT_ROOT_MACOS)
    if choose(uid, env, interactive=False).method is Method.NONE:
        return SystemScope(False, NO_PROMPT_LINUX)
    return SystemScope(True)
