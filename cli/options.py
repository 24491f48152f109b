"""Options several commands share. Passwords: `--password PW` (seen by other users in the process
list), `--password-stdin` (the first line of standard input), or, on a terminal, a prompt that
does not echo when the bundle turns out to need one."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from clustertrust.core.errors import InputError, PasswordNeeded

if TYPE_CHECKING:
    from clustertrust.core.actions.bundles import Bundle

HELP = "PKCS#12 or private-key password, if not 'kurrent' (other users can see it: prefer "
HELP += "--password-stdin, or leave it out to be asked)"


def add_password_options(parser: argparse.ArgumentParser) -> None:
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--password", metavar="PW", help=HELP)
    given.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )


def given_password(args: argparse.Namespace) -> str | None:
    if not getattr(args, "password_stdin", False):
        return getattr(args, "password", None)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InputError(
            "--password-stdin was given but standard input held no password.",
            "Pipe the password in, e.g. `clustertrust install BUNDLE --password-stdin < pw.txt`.",
        )
    return line


def bundle_from(args: argparse.Namespace, source: str) -> Bundle:
    """Read the bundle at `source`, asking for its password on a terminal if it needs one."""
    from clustertrust.core.actions.bundles import load_source, read_bundle

    data = load_source(source)
    password = given_password(args)
    try:
        return read_bundle(data, password=password)
    except PasswordNeeded as needed:
        if password is not None or not sys.stdin.isatty():
            raise
        print(f"clustertrust: {needed.message}", file=sys.stderr)
        import getpass  # only on a terminal that must be asked

        asked = getpass.getpass(f"Password for {data.origin} (not shown as you type): ")
        return read_bundle(data, password=asked)
