"""The subcommands and their parser. Only the chosen command's module is imported (each brings
its own dependencies); help and unknown commands load them all."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any, NoReturn

from clustertrust.core.i18n import tr

from . import argparse_words

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


class _Parser(argparse.ArgumentParser):
    """argparse's own words around ours in the person's language too ("usage:", the section
    titles, -h, "error:" and the complaints in that line): each entry point that builds text runs
    inside argparse_words.in_our_language()."""

    def __init__(self, **kwargs: Any) -> None:
        with argparse_words.in_our_language():
            super().__init__(**kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> Any:
        with argparse_words.in_our_language():
            return super().parse_args(*args, **kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        with argparse_words.in_our_language():
            return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        with argparse_words.in_our_language():
            return super().format_usage()

    def format_help(self) -> str:
        with argparse_words.in_our_language():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with argparse_words.in_our_language():
            super().error(message)


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
