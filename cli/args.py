"""The options several commands share, defined once and given to each as argparse parents."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from clustertrust.core.i18n import tr


def store_list(text: str) -> list[str]:
    from clustertrust.core.model import STORE_CHOICES  # only commands that change stores need it

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in STORE_CHOICES]
    choices = ", ".join(STORE_CHOICES)
    if not names:
        raise argparse.ArgumentTypeError(
            tr("no store given; choose from {choices}").format(choices=choices)
        )
    if unknown:
        raise argparse.ArgumentTypeError(
            tr("unknown store {names}; choose from {choices}").format(
                names=", ".join(unknown), choices=choices
            )
        )
    return names


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=tr("print one JSON document"))


def _changes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help=tr("print the plan, change nothing"))
    parser.add_argument(
        "--yes", action="store_true", help=tr("do not ask before changing anything")
    )


def _stores(parser: argparse.ArgumentParser) -> None:
    add_stores(parser, tr("user (default): your own stores"))


def add_stores(parser: argparse.ArgumentParser, user_help: str, scope: str | None = "user") -> None:
    """--scope and --stores; `scope` None leaves the scope to the command; `user_help` is
    translated."""
    from clustertrust.core.model import STORE_CHOICES, Scope

    parser.add_argument(
        "--scope",
        choices=[s.value for s in Scope],
        default=scope,
        help=tr("{user}; system: all users (asks for authorization)").format(user=user_help),
    )
    parser.add_argument(
        "--stores",
        type=store_list,
        default=None,
        help=tr("comma-separated, from {stores} (default: all that apply)").format(
            stores=",".join(STORE_CHOICES)
        ),
    )


def _password(parser: argparse.ArgumentParser) -> None:
    from .options import add_password_options

    add_password_options(parser)


SHARED: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "json": _json,
    "changes": _changes,
    "stores": _stores,
    "password": _password,
}


def parents(*names: str) -> list[argparse.ArgumentParser]:
    """For add_parser(parents=...): "json", "changes" (--dry-run, --yes), "stores" (--scope,
    --stores), "password"."""
    made = []
    for name in names:
        parent = argparse.ArgumentParser(add_help=False)
        SHARED[name](parent)
        made.append(parent)
    return made
