"""Stopping network work from another thread (the wizard's Cancel button): blocked socket calls
return at once instead of waiting for their timeout. And one time limit for a whole piece of
network work (`Deadline`): every wait gets what is left of it, so a server that trickles its
answer a byte at a time cannot stretch it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from clustertrust.core.errors import Cancelled
from clustertrust.core.i18n import tr, translatable

CANCELLED = {
    "verification": translatable("The verification was cancelled."),
    "check": translatable("The check was cancelled."),
    "download": translatable("The download was cancelled."),
}

if TYPE_CHECKING:  # the wizard's first page imports this module; sockets come later
    import socket


class CancelToken:
    """Lets another thread stop a download or verification; `what` names it in the message."""

    def __init__(self, what: str = "verification") -> None:
        """`what`: "verification", "check" or "download" (the words of CANCELLED)."""
        self.what = what
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            for sock in self._sockets:
                _shutdown(sock)

    def check(self) -> None:
        if self.cancelled:
            said = CANCELLED.get(self.what, CANCELLED["verification"])
            raise Cancelled(tr(said), tr("Run it again when you are ready."))

    @contextmanager
    def watching(self, sock: socket.socket) -> Iterator[socket.socket]:
        with self._lock:
            self._sockets.add(sock)
        try:
            self.check()
            yield sock
        finally:
            with self._lock:
                self._sockets.discard(sock)


def _shutdown(sock: socket.socket) -> None:
    import socket

    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """`seconds` from now, for every wait of one piece of work together."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """The seconds left; TimeoutError once there are none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return left

    def bound(self, sock: socket.socket) -> socket.socket:
        """`sock`, its next wait limited to what is left."""
        sock.settimeout(self.left())
        return sock
