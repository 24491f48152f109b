"""Outcomes the Windows and macOS adapters report in their own words (both exit 1)."""

from __future__ import annotations

from clustertrust.core.errors import OperationFailed

DIALOG_TIMEOUT = 600.0  # a person reading an OS confirmation dialog, not a stalled program


class NeedsDesktop(OperationFailed):
    """The OS must show a confirmation dialog and this session has no desktop to show it on."""


class NotAnswered(OperationFailed):
    """The OS confirmation dialog stayed unanswered until the time limit; nothing was changed."""


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes"
