"""`clustertrust demo`: the wizard against a built-in local demo cluster, into a sandbox."""

from __future__ import annotations

import argparse

from clustertrust.core.i18n import tr


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help=tr("try the wizard against a built-in local demo cluster (changes no real store)"),
        description=tr(
            "Generate a fresh private CA and bundle, start a local HTTPS cluster UI on "
            "127.0.0.1 that demands client certificates, and open the wizard on it. Everything is "
            "installed into a temporary sandbox and removed on exit."
        ),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clustertrust.gui.app import run_demo  # Qt is loaded only when a window is wanted

    return run_demo()
