"""Options several commands share. Passwords: `--password PW` (seen by other users in the process
list), `--password-stdin` (the first line of standard input), else the rule of
core.actions.opening (the Kurrent default, then one the wizard was asked to remember), and last,
on a terminal, a prompt that does not echo."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr, translatable

if TYPE_CHECKING:
    from clustertrust.core.actions.bundles import Bundle
    from clustertrust.core.actions.opening import Opened

HELP = translatable(
    "PKCS#12 or private-key password, if not 'kurrent' (other users can see it: prefer "
    "--password-stdin, or leave it out to be asked)"
)


def add_password_options(parser: argparse.ArgumentParser) -> None:
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--password", metavar="PW", help=tr(HELP))
    given.add_argument(
        "--password-stdin",
        action="store_true",
        help=tr("read the password from the first line of standard input"),
    )


def given_password(args: argparse.Namespace) -> str | None:
    if not getattr(args, "password_stdin", False):
        return getattr(args, "password", None)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InputError(
            tr("--password-stdin was given but standard input held no password."),
            tr(
                "Pipe the password in, e.g. "
                "`clustertrust install BUNDLE --password-stdin < pw.txt`."
            ),
        )
    return line


def bundle_from(args: argparse.Namespace, source: str) -> Bundle:
    return opened_from(args, source).bundle


def opened_from(args: argparse.Namespace, source: str) -> Opened:
    """Open the bundle at `source` (core.actions.opening), asking for its password on a terminal
    when none at hand opens it and none was given."""
    from clustertrust.core.actions.opening import NeedsPassword, open_bundle

    password = given_password(args)
    try:
        return open_bundle(source, password)
    except NeedsPassword as needed:
        if password is not None or not sys.stdin.isatty():
            raise
        print(f"clustertrust: {needed.message}", file=sys.stderr)
        import getpass  # only on a terminal that must be asked

        prompt = tr("Password for {origin} (not shown as you type): ")
        asked = getpass.getpass(prompt.format(origin=needed.source.origin))
        return open_bundle(source, asked, source=needed.source)
