"""Background work for the windows: a QRunnable that runs one plain core/platform function.

The function gets a `JobControl` to report progress and steps and to ask whether it was cancelled;
results and errors come back to the GUI thread as queued signals.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable
from typing import Any

from clustertrust.core.actions.runtime import CancelToken
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

COLLECT_EVERY_MS = 500


class JobSignals(QObject):
    progress = Signal(int, int)  # done, total (-1 when unknown)
    step = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception, usually a ClusterTrustError
    finished = Signal()


class JobControl:
    """What a running job may do: report, and check for a cancel request."""

    def __init__(self, signals: JobSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()
        self._on_cancel: list[Callable[[], None]] = []

    def progress(self, done: int, total: int | None = None) -> None:
        self._signals.progress.emit(done, -1 if total is None else total)

    def step(self, item: object) -> None:
        self._signals.step.emit(item)

    def cancel(self) -> None:
        self._cancel.set()
        for callback in self._on_cancel:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Also run `callback` on cancel (e.g. to close a blocked socket at once)."""
        self._on_cancel.append(callback)
        if self._cancel.is_set():
            callback()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel_token(self, what: str) -> CancelToken:
        """A token for core network calls that this job's cancel trips at once."""
        token = CancelToken(what)
        self.on_cancel(token.cancel)
        return token


class Job(QRunnable):
    """Runs `work(control)` on the thread pool; never lets an exception escape the thread."""

    def __init__(self, work: Callable[[JobControl], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it until `finished`
        self.signals = JobSignals()
        self.control = JobControl(self.signals)
        self._work = work
        self.done = threading.Event()

    def run(self) -> None:
        try:
            result = self._work(self.control)
        except Exception as error:  # reported to the window, which shows it
            self._emit(self.signals.failed, error)
        else:
            self._emit(self.signals.succeeded, result)
        finally:
            self.done.set()
            self._emit(self.signals.finished)

    def _emit(self, signal: Any, *args: object) -> None:
        # RuntimeError: the window (and the signals' receivers) closed meanwhile
        with contextlib.suppress(RuntimeError):
            signal.emit(*args)


class JobRunner(QObject):
    """Starts jobs for one window, and cancels and waits for them when the window closes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool.globalInstance()
        self.jobs: list[Job] = []

    def start(
        self,
        work: Callable[[JobControl], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
    ) -> Job:
        job = Job(work)
        if on_success:
            job.signals.succeeded.connect(on_success)
        if on_failure:
            job.signals.failed.connect(on_failure)
        self.jobs.append(job)  # kept for the window's life: the pool thread may still be unwinding
        self.pool.start(job)
        return job

    def busy(self) -> bool:
        return any(not job.done.is_set() for job in self.jobs)

    def cancel_all(self, wait_ms: int = 10_000) -> bool:
        """Ask every job to stop and wait for them; True when all have stopped."""
        for job in self.jobs:
            job.control.cancel()
        return all(job.done.wait(wait_ms / 1000) for job in self.jobs)


class GuiThreadCollector(QObject):
    """Python's cyclic collector, run on the GUI thread only. Left automatic, a collection starts
    on whichever thread allocates, and a worker reading a bundle would then free a closed
    window's Qt objects on the wrong thread (a segfault, seen once in the test suite)."""

    def __init__(self, parent: QObject | None = None, every_ms: int = COLLECT_EVERY_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start(every_ms)

    def collect_due(self) -> None:
        """Collect the oldest generation over its threshold, as the automatic collector would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Automatic collection again (tests), after a last collection on this thread."""
        self.timer.stop()
        gc.collect()
        gc.enable()
