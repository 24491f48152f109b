"""argparse's own messages ("usage:", "the following arguments are required: %s", "invalid
choice: …") in the person's language, from ClusterTrust's catalog.

argparse looks its messages up through its module-level `_` and `ngettext`, that is gettext's
global text domain, which ClusterTrust does not bind (the frozen app has no system catalog for
it either). Those two names are routed here: inside `in_our_language()` (the CLI's parsers at
work) to core.i18n, so argparse follows the language the program chose (English for --json),
and everywhere else to gettext as before, so any other argparse user in the same process is
unchanged. WORDS are argparse.py's msgids of Python 3.11 exactly;
tests/cli/test_language_cli.py checks them against the running Python's argparse."""

from __future__ import annotations

import argparse
import contextvars
import gettext
from collections.abc import Iterator
from contextlib import contextmanager

from clustertrust.core.i18n import tr, tr_n, translatable, translatable_n

WORDS = (
    translatable("usage: "),
    translatable("argument %(argument_name)s: %(message)s"),
    translatable(".__call__() not defined"),
    translatable("'required' is an invalid argument for positionals"),
    translatable("mutually exclusive arguments must be optional"),
    translatable("positional arguments"),
    translatable("options"),
    translatable("subcommands"),
    translatable("unrecognized arguments: %s"),
    translatable("ambiguous option: %(option)s could match %(matches)s"),
    translatable("%r is not callable"),
    translatable("invalid choice: %(value)r (choose from %(choices)s)"),
    translatable("can't open '%(filename)s': %(error)s"),
    translatable("cannot merge actions - two groups are named %r"),
    translatable("invalid option string %(option)r: must start with a character %(prefix_chars)r"),
    translatable("dest= is required for options like %r"),
    translatable("invalid conflict_resolution value: %r"),
    translatable("cannot have multiple subparser arguments"),
    translatable("expected one argument"),
    translatable("expected at most one argument"),
    translatable("expected at least one argument"),
    translatable("invalid %(type)s value: %(value)r"),
    translatable("%(prog)s: error: %(message)s\n"),
    translatable("conflicting subparser: %s"),
    translatable("unknown parser %(parser_name)r (choices: %(choices)s)"),
    translatable("show this help message and exit"),
    translatable("the following arguments are required: %s"),
    translatable("one of the arguments %s is required"),
    translatable("conflicting subparser alias: %s"),
    translatable('argument "-" with mode %r'),
    translatable("not allowed with argument %s"),
    translatable("unexpected option string: %s"),
    translatable("ignored explicit argument %r"),
)
PLURAL_WORDS = (
    translatable_n("expected %s argument", "expected %s arguments"),
    translatable_n("conflicting option string: %s", "conflicting option strings: %s"),
)

_ours: contextvars.ContextVar[bool] = contextvars.ContextVar("argparse_in_ours", default=False)


@contextmanager
def in_our_language() -> Iterator[None]:
    """argparse's messages from ClusterTrust's catalog inside the block, in this thread only."""
    token = _ours.set(True)
    try:
        yield
    finally:
        _ours.reset(token)


def _gettext(message: str) -> str:
    return tr(message) if _ours.get() else gettext.gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    if _ours.get():
        return tr_n(singular, plural, count)
    return gettext.ngettext(singular, plural, count)


# argparse binds gettext's functions at its import (`from gettext import gettext as _, ngettext`)
vars(argparse).update(_=_gettext, ngettext=_ngettext)
