"""Headless Firefox ESR opening a page on a profile, for the tests that check what a real browser
does with the databases we set up (the page is served by nginx; see servers.ClientLoggingUI)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
# a quiet, offline profile that picks the client certificate itself, as the issue describes
PREFS = {
    "security.default_personal_cert": "Select Automatically",
    "security.OCSP.enabled": 0,
    "security.enterprise_roots.enabled": False,
    "network.proxy.type": 0,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
}
LIMIT = 180.0  # seconds; a loaded machine starts Firefox slowly, a hung one is stopped


def open_in_firefox(home: Path, profile: Path, url: str, seen: Callable[[], bool]) -> float:
    """Headless Firefox opens the page; it is stopped once nginx has seen what it waits for
    (a screenshot run on an error page never ends by itself). Returns the seconds it took."""
    (profile / "user.js").write_text(
        "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFS.items())
    )
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MOZ_HEADLESS": "1"}
    argv = [FIREFOX or "firefox", "--headless", "--no-remote", "--profile", str(profile),
            "--screenshot", str(home / "shot.png"), url]  # fmt: skip
    started = time.monotonic()
    with (home / "firefox.log").open("ab") as output:  # its helpers keep pipes open: a file
        firefox = subprocess.Popen(
            argv, env=env, stdout=output, stderr=output, cwd=home, start_new_session=True
        )
        try:
            while not seen() and firefox.poll() is None and time.monotonic() - started < LIMIT:
                time.sleep(0.2)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(firefox.pid, signal.SIGKILL)
            firefox.wait()
    return time.monotonic() - started


def refusals(error_log: Path) -> int:
    """TLS alerts a client sent nginx about its certificate: 48 is unknown_ca (RFC 8446 6)."""
    return error_log.read_text().count("SSL alert number 48") if error_log.exists() else 0
