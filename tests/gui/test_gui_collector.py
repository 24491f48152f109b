"""Python's cyclic collector runs on the GUI thread only (GuiThreadCollector, which application()
installs and tests/gui/conftest.py installs for every GUI test): a worker's allocations never free
a window's Qt objects on the worker's thread."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

freed_on: list[str] = []  # the names of the threads that freed a Probe


class Probe:
    """A reference cycle, as a closed window with signal lambdas is, noting who frees it."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        freed_on.append(threading.current_thread().name)


def allocate(into: list[object]) -> None:
    """Enough new containers to set off an automatic collection (threshold 700); they stay."""
    into.extend([i] for i in range(20_000))


def test_a_cycle_dropped_while_a_worker_allocates_is_freed_on_the_gui_thread(qtbot: QtBot) -> None:
    freed_on.clear()
    Probe()
    kept: list[object] = []
    worker = threading.Thread(target=allocate, args=(kept,), name="pool worker")
    worker.start()
    worker.join()
    assert freed_on == []  # the worker's allocations collected nothing
    qtbot.waitUntil(lambda: freed_on != [], timeout=5000)
    assert freed_on == [threading.current_thread().name]
