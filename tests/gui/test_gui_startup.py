"""The first window comes up before the work behind it loads: its start-up is measured in
benchmarks/startup.py (target 1.5x a bare QWizard); this keeps the biggest cost out of it. When
gui/advice.py imported a core.actions that loaded every stage, the window took 2.0x."""

from __future__ import annotations

import json
import os
import subprocess
import sys

FIRST_WINDOW = """
import json, sys
import clustertrust.cli.main
from clustertrust.gui.app import application
from clustertrust.gui.wizard import ClusterTrustWizard
app = application()
wizard = ClusterTrustWizard()
wizard.show()
print(json.dumps(sorted(sys.modules)))
"""
LATER = ("cryptography", "clustertrust.core.bundle", "clustertrust.core.install")


def test_the_first_window_loads_no_bundle_reader_ledger_or_cryptography() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_WINDOW],
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert [name for name in loaded if name.startswith(LATER)] == []
