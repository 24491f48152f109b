"""What a person does about a finding, named once for both front ends.

Core words a fix without saying how to start it; the command line appends the command
(`Remedy.command`), the windows name their own button (gui/advice.py). So the window never
tells a person to open a terminal, and the terminal never speaks of buttons.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from clustertrust.core.i18n import tr


class Action(enum.StrEnum):
    """The user actions a fix can point to; the value is the command's name."""

    INSTALL = "install"
    REPAIR = "repair"
    RENEW = "renew"
    UNINSTALL = "uninstall"
    REPORT = "report"
    STATUS = "status"
    INSPECT = "inspect"
    VERIFY = "verify"
    CLOUD_LOGIN = "cloud login"
    CLOUD_CLUSTERS = "cloud clusters"


@dataclass(frozen=True)
class Remedy:
    """An action with the command line's arguments (placeholders such as BUNDLE where the
    window has its own context)."""

    action: Action
    arguments: tuple[str, ...] = ()  # for the command line only: the window has its own context

    @property
    def command(self) -> str:
        import shlex  # only when a command is shown: most runs show none

        return shlex.join(("clustertrust", *self.action.value.split(), *self.arguments))


def removal_of(sha256s: Iterable[str]) -> Remedy:
    """The uninstall of exactly these certificates, each named once by its first 16 hex digits
    (what a renewal left behind: `verify`'s note and `status` name the same command)."""
    return Remedy(Action.UNINSTALL, tuple(dict.fromkeys(sha[:16] for sha in sha256s)))


def for_terminal(words: str, remedies: tuple[Remedy, ...]) -> str:
    """The fix as the command line (and --json) says it: the words, then the commands."""
    if not remedies:
        return words
    commands = "; ".join(dict.fromkeys(r.command for r in remedies))
    return tr("{words} Run: {commands}").format(words=words, commands=commands).strip()
