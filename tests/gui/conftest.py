"""Every GUI test runs with the GUI-thread collector and leaves no work behind: a job still
running (an install the test did not wait for) would hold one of the thread pool's few threads,
and the next test's work would queue.
Also the demo cluster the windows talk to (nginx for the shared Kurrent bundle is in
tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clustertrust.core.demo import DemoCluster, start_demo
from clustertrust.gui.workers import GuiThreadCollector
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from support.gui_support import other_threads

SETTLE_MS = 120_000


@pytest.fixture(autouse=True)
def no_work_left_behind(qtbot: QtBot) -> Iterator[None]:
    collector = GuiThreadCollector()  # as application() installs it for the real windows
    try:
        yield
        for widget in QApplication.topLevelWidgets():
            jobs = getattr(widget, "jobs", None)
            if jobs is not None and hasattr(jobs, "cancel_all"):
                jobs.cancel_all(SETTLE_MS)
        pool = QThreadPool.globalInstance()
        assert pool.waitForDone(SETTLE_MS), f"a job is still running:\n{other_threads()}"
    finally:
        collector.stop()


@pytest.fixture
def demo() -> Iterator[DemoCluster]:
    """The demo cluster (its own CA, UI and bundle download) with a sandbox for the stores."""
    cluster = start_demo()
    yield cluster
    cluster.stop()
