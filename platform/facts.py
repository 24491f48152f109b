"""Facts about this computer for the support report: OS, WSL, store mechanisms, tool versions.

Tool versions come through the one runner. On Linux they are read from the package manager
(certutil and update-ca-certificates print no version); on macOS and Windows the store tools ship
with the OS, so the OS version is theirs.
"""

from __future__ import annotations

import platform as stdlib_platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from clustertrust.core.model import Setup, TrustStore
from clustertrust.platform import detect, elevation, linux, nss
from clustertrust.platform.runner import CommandError, Runner

NOT_INSTALLED = "not installed"


@dataclass(frozen=True)
class Tool:
    name: str
    path: str | None
    version: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def machine_facts(setup: Setup, runner: Runner) -> dict[str, Any]:
    """What core.report.collect needs to know about this computer."""
    return {
        "system": system_facts(),
        "stores": [store_facts(store) for store in setup.stores],
        "tools": [tool.to_json() for tool in tool_versions(runner)],
    }


def system_facts(system: str = sys.platform) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "os": stdlib_platform.system() or system,
        "release": stdlib_platform.release(),
        "platform": stdlib_platform.platform(),
        "machine": stdlib_platform.machine(),
        "wsl": system.startswith("linux") and detect.is_wsl(),
    }
    if system.startswith("linux"):
        try:
            facts["distribution"] = stdlib_platform.freedesktop_os_release().get("PRETTY_NAME", "")
        except OSError:
            facts["distribution"] = "unknown (no /etc/os-release)"
    elif system == "darwin":
        facts["distribution"] = f"macOS {stdlib_platform.mac_ver()[0]}"
    elif system == "win32":
        release, version, _, _ = stdlib_platform.win32_ver()
        facts["distribution"] = f"Windows {release} ({version})"
    return facts


def store_facts(store: TrustStore) -> dict[str, Any]:
    try:
        availability = store.detect()
        available, reason = availability.available, availability.reason
    except (CommandError, OSError) as exc:
        available, reason = False, f"detection failed: {exc}"
    facts: dict[str, Any] = {"name": store.name, "title": store.title, "available": available}
    if reason:
        facts["reason"] = reason
    databases = getattr(store, "databases", None)
    if isinstance(databases, list):
        facts["databases"] = [f"{d.name}: {d.folder}" for d in databases]
    return facts


def tool_versions(runner: Runner, system: str = sys.platform) -> list[Tool]:
    if system == "win32":
        return [_windows_certutil(runner)]
    if system == "darwin":
        return [_macos_security(runner)]
    return _linux_tools(runner)


def _first_line(runner: Runner, argv: tuple[str, ...]) -> str | None:
    try:
        result = runner.run(argv, check=False, timeout=10)
    except CommandError:
        return None
    lines = [ln.strip() for ln in result.output.splitlines() if ln.strip()]
    return lines[0] if result.returncode == 0 and lines else None


def _package(runner: Runner, debian: str, rpm: str) -> str:
    """Installed version from dpkg or rpm, whichever this distribution has."""
    for tool, argv in (
        ("dpkg-query", ("-W", "-f", "${Version}", debian)),
        ("rpm", ("-q", "--qf", "%{VERSION}-%{RELEASE}", rpm)),
    ):
        path = elevation.find_tool(tool)
        if path and (version := _first_line(runner, (str(path), *argv))):
            return f"{debian if tool == 'dpkg-query' else rpm} {version}"
    return "version unknown"


def _linux_tools(runner: Runner) -> list[Tool]:
    certutil = elevation.find_tool("certutil", nss.TOOL_DIRS)
    tools = [
        Tool(
            "certutil (NSS)",
            str(certutil) if certutil else None,
            _package(runner, "libnss3", "nss") if certutil else NOT_INSTALLED,
        )
    ]
    family = linux.detect_family()
    if family and family.refresh:
        refresh = Path(family.refresh[0])
        tools.append(
            Tool(refresh.name, str(refresh), _package(runner, "ca-certificates", "ca-certificates"))
        )
    else:
        tools.append(Tool("system trust refresh tool", None, NOT_INSTALLED))
    openssl = elevation.find_tool("openssl")
    version = _first_line(runner, (str(openssl), "version")) if openssl else None
    tools.append(Tool("openssl", str(openssl) if openssl else None, version or NOT_INSTALLED))
    return tools


def _macos_security(runner: Runner) -> Tool:
    version = _first_line(runner, ("/usr/bin/sw_vers", "-productVersion"))
    return Tool("security", "/usr/bin/security", f"macOS {version}" if version else "unknown")


def _windows_certutil(runner: Runner) -> Tool:
    version = _first_line(runner, ("cmd.exe", "/d", "/c", "ver"))
    return Tool("certutil.exe", "certutil.exe", version or "unknown")
