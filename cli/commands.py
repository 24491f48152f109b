"""The subcommands and their parser. Only the chosen command's module is imported (each brings
its own dependencies); help and unknown commands load them all."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from clustertrust.core.i18n import tr

# command -> module in this package; the order is the order of `clustertrust --help`
COMMANDS = {
    "inspect": "inspect_cmd",
    "install": "install_cmd",
    "verify": "verify_cmd",
    "status": "status_cmd",
    "uninstall": "uninstall_cmd",
    "repair": "repair_cmd",
    "report": "report_cmd",
    "demo": "demo_cmd",
    "renew": "renew_cmd",
    "cloud": "cloud_cmd",
    "configure": "configure_cmd",
    "privileged": "privileged_cmd",
}
# Commands that read the bundle they are given and no file of ours: no log, no clean-up either.
# The root helper neither: a sudo that keeps HOME must not make root write into a user's folders.
BUNDLE_ONLY = {"inspect", "privileged"}


class _Version(argparse.Action):
    """--version reads the package metadata only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from clustertrust.core import __version__

        print(f"clustertrust {__version__}")
        parser.exit()


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, tr("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse's own words around ours in the person's language too: "usage:", the section
    titles, -h and the "error:" line (argparse's messages inside that line stay English)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(**kwargs)
        self._positionals.title = tr("positional arguments")
        self._optionals.title = tr("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = tr("show this help message and exit")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, tr("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="clustertrust",
        description=tr(
            "Install and trust a cluster's private CA and client certificate, then "
            "prove the mutual-TLS connection. Without a command, opens the wizard."
        ),
    )
    parser.add_argument("--version", action=_Version, nargs=0, help=tr("show the version and exit"))
    parser.add_argument("-v", "--verbose", action="store_true", help=tr("mirror the log to stderr"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _commands_for(list(argv)):
        importlib.import_module(f"{__package__}.{COMMANDS[name]}").register(commands)
    return parser


def _commands_for(argv: list[str]) -> list[str]:
    """The chosen command; every command for help, an unknown name (argparse lists the choices)
    or no arguments (the whole parser); none for --version or -v alone."""
    chosen = next((a for a in argv if not a.startswith("-")), None)
    before = argv[: argv.index(chosen)] if chosen else argv
    if not argv or any(a in ("-h", "--help") for a in before) or chosen not in (None, *COMMANDS):
        return list(COMMANDS)
    return [chosen] if chosen else []
