"""The options several commands share, defined once and given to each as argparse parents."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def store_list(text: str) -> list[str]:
    from clustertrust.core.model import STORE_CHOICES  # only commands that change stores need it

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in STORE_CHOICES]
    choices = ", ".join(STORE_CHOICES)
    if not names:
        raise argparse.ArgumentTypeError(f"no store given; choose from {choices}")
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown store {', '.join(unknown)}; choose from {choices}"
        )
    return names


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _changes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask before changing anything")


def _stores(parser: argparse.ArgumentParser) -> None:
    add_stores(parser, "user (default): your own stores")


def add_stores(parser: argparse.ArgumentParser, user_help: str, scope: str | None = "user") -> None:
    """--scope and --stores; `scope` None leaves the scope to the command."""
    from clustertrust.core.model import STORE_CHOICES, Scope

    parser.add_argument(
        "--scope",
        choices=[s.value for s in Scope],
        default=scope,
        help=f"{user_help}; system: all users (asks for authorization)",
    )
    parser.add_argument(
        "--stores",
        type=store_list,
        default=None,
        help=f"comma-separated, from {','.join(STORE_CHOICES)} (default: all that apply)",
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
