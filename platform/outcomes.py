"""Outcomes the Windows and macOS adapters report in their own words (both exit 1)."""

from __future__ import annotations

from collections.abc import Sequence

from clustertrust.core.errors import OperationFailed
from clustertrust.core.i18n import tr
from clustertrust.platform.runner import CommandResult, CommandTimedOut, Runner

DIALOG_TIMEOUT = 600.0  # a person reading an OS confirmation dialog, not a stalled program


class NeedsDesktop(OperationFailed):
    """The OS must show a confirmation dialog and this session has no desktop to show it on."""


class NotAnswered(OperationFailed):
    """The OS confirmation dialog stayed unanswered until the time limit; nothing was changed."""


def minutes(seconds: float) -> str:
    return tr("{count} minutes").format(count=f"{seconds / 60:.0f}")


def run_with_dialog(
    runner: Runner, argv: Sequence[str], dialog: str, what: str, fix: str
) -> CommandResult:
    """A command that may show an OS dialog: a person gets DIALOG_TIMEOUT, then NotAnswered
    ("`dialog` was not answered within …, so ClusterTrust did not `what`."); `dialog`, `what`
    and `fix` are already in the user's language."""
    try:
        return runner.run(argv, timeout=DIALOG_TIMEOUT, check=False)
    except CommandTimedOut as error:
        message = tr("{dialog} was not answered within {time}, so ClusterTrust did not {what}.")
        raise NotAnswered(
            message.format(dialog=dialog, time=minutes(DIALOG_TIMEOUT), what=what), fix
        ) from error
