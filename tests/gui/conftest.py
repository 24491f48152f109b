"""Every GUI test leaves no work behind: a job still running (an install the test did not wait
for) would hold one of the thread pool's few threads, and the next test's work would queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

SETTLE_MS = 120_000


@pytest.fixture(autouse=True)
def no_work_left_behind(qtbot: QtBot) -> Iterator[None]:
    yield
    for widget in QApplication.topLevelWidgets():
        jobs = getattr(widget, "jobs", None)
        if jobs is not None and hasattr(jobs, "cancel_all"):
            jobs.cancel_all(SETTLE_MS)
    assert QThreadPool.globalInstance().waitForDone(SETTLE_MS), "a job is still running"
