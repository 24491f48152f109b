"""Outcomes the Windows and macOS adapters report in their own words (both exit 1)."""

from __future__ import annotations

from collections.abc import Sequence

from clustertrust.core.errors import OperationFailed
from clustertrust.platform.runner import CommandResult, CommandTimedOut, Runner

DIALOG_TIMEOUT = 600.0  # a person reading an OS confirmation dialog, not a stalled program


class NeedsDesktop(OperationFailed):
    """The OS must show a confirmation dialog and this session has no desktop to show it on."""


class NotAnswered(OperationFailed):
    """The OS confirmation dialog stayed unanswered until the time limit; nothing was changed."""


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes"


def run_with_dialog(
    runner: Runner, argv: Sequence[str], dialog: str, what: str, fix: str
) -> CommandResult:
    """A command that may show an OS dialog: a person gets DIALOG_TIMEOUT, then NotAnswered
    ("`dialog` was not answered within …, so ClusterTrust did not `what`.")."""
    try:
        return runner.run(argv, timeout=DIALOG_TIMEOUT, check=False)
    except CommandTimedOut as error:
        raise NotAnswered(
            f"{dialog} was not answered within {minutes(DIALOG_TIMEOUT)}, so ClusterTrust did not "
            f"{what}.",
            fix,
        ) from error
