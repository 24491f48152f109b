"""Time from process start to the first wizard page painted, next to a bare QWizard in the same
run, and each process's peak memory.

Run: python benchmarks/startup.py [--rounds N] [--platform offscreen|xcb]
Target: ClusterTrust's median <= 1.5x the bare QWizard's median. Three variants are timed: the
bare QWizard, the wizard alone (gui/ and what it imports), and the real `clustertrust` entry
(cli/main.py first, then the wizard), so the cost of each layer is visible. Each round is a
fresh process (a cold start apart from the OS file cache), the variants taking turns; the clock
starts just before the process is spawned and stops when the first paint inside the first page
arrives.
"""

from __future__ import annotations

import os
import sys

# This file's folder must not be on sys.path: benchmarks/inspect.py would shadow the stdlib.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import json
import statistics
import subprocess
import time

TARGET_RATIO = 1.5

# Both children stop the clock on the first Paint inside the wizard's first page (the page or a
# widget on it: a page that scrolls paints only its viewport's contents), then report.
_REPORT = r"""
import json, os, resource, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
class FirstPaint(QObject):
    def __init__(self, page):
        super().__init__()
        self.page = page
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not hasattr(self, "at"):
            if watched is self.page or self.page.isAncestorOf(watched):
                self.at = time.time()
                QTimer.singleShot(0, app.quit)
        return False
def report(window):
    spy = FirstPaint(window.currentPage())
    app.installEventFilter(spy)
    app.exec()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"painted_at": spy.at, "peak_mib": peak_kib / 1024}), flush=True)
    os._exit(0)  # measured: the module globals' teardown (window after app) may crash, rarely
"""

BARE = (
    _REPORT
    + r"""
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage
app = QApplication(sys.argv[:1])
wizard = QWizard()
page = QWizardPage()
page.setTitle("Welcome")
QVBoxLayout(page).addWidget(QLabel("A bare wizard page."))
wizard.addPage(page)
wizard.show()
report(wizard)
"""
)

# The wizard alone: what gui/ itself costs.
WIZARD_ONLY = (
    _REPORT
    + r"""
from clustertrust.gui.app import application
from clustertrust.gui.wizard import ClusterTrustWizard
app = application()
wizard = ClusterTrustWizard()
wizard.show()
report(wizard)
"""
)

# The same path as `clustertrust` with no arguments: the CLI entry module, then the wizard.
CLUSTERTRUST = (
    _REPORT
    + r"""
import clustertrust.cli.main
from clustertrust.gui.app import application
from clustertrust.gui.wizard import ClusterTrustWizard
app = application()
wizard = ClusterTrustWizard()
wizard.show()
report(wizard)
"""
)


def one_round(code: str, platform: str) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": platform}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the child failed (exit {done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["painted_at"] - started, result["peak_mib"]


def measure(
    variants: dict[str, str], rounds: int, platform: str
) -> dict[str, tuple[list[float], list[float]]]:
    """Each round runs every variant once, so a change in the machine's load (it is shared)
    falls on all of them alike."""
    found: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in variants}
    for _ in range(rounds):
        for name, code in variants.items():
            elapsed, peak = one_round(code, platform)
            found[name][0].append(elapsed)
            found[name][1].append(peak)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    one_round(BARE, args.platform)  # warm the file cache for both, untimed
    one_round(CLUSTERTRUST, args.platform)
    results = {}
    variants = {
        "bare QWizard": BARE,
        "wizard, gui/ only": WIZARD_ONLY,
        "clustertrust (CLI+GUI)": CLUSTERTRUST,
    }
    for name, (seconds, memory) in measure(variants, args.rounds, args.platform).items():
        results[name] = statistics.median(seconds)
        print(
            f"{name:23s} first page painted: median {statistics.median(seconds) * 1000:6.0f} ms"
            f" (min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f}),"
            f" peak memory median {statistics.median(memory):.0f} MiB"
        )
    for name in ("wizard, gui/ only", "clustertrust (CLI+GUI)"):
        ratio = results[name] / results["bare QWizard"]
        verdict = "within" if ratio <= TARGET_RATIO else "OVER"
        print(f"{name}: {ratio:.2f}x the bare QWizard ({verdict} the {TARGET_RATIO:g}x target)")
    load = os.getloadavg()[0]
    print(f"{args.rounds} rounds each, QT_QPA_PLATFORM={args.platform}, load average {load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
