"""Entry point: no arguments opens the wizard; subcommands serve scripts and helpdesk sessions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from clustertrust.core import __version__
from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.logs import setup_logging

from . import (
    cloud_cmd,
    configure_cmd,
    demo_cmd,
    inspect_cmd,
    install_cmd,
    privileged_cmd,
    renew_cmd,
    report_cmd,
    status_cmd,
    uninstall_cmd,
    verify_cmd,
)
from .output import report_error

COMMANDS = (inspect_cmd, cloud_cmd, verify_cmd, demo_cmd, configure_cmd, report_cmd, renew_cmd)
COMMANDS += (install_cmd, status_cmd, uninstall_cmd, privileged_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clustertrust",
        description="Install and trust a cluster's private CA and client certificate, then "
        "prove the mutual-TLS connection. Without a command, opens the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"clustertrust {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="mirror the log to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    if args.command is None:
        return open_wizard()
    try:
        return int(args.handler(args))
    except ClusterTrustError as error:
        return report_error(error, getattr(args, "json", False))
    except KeyboardInterrupt:
        print("clustertrust: cancelled.", file=sys.stderr)
        return 3


def open_wizard() -> int:
    from clustertrust.gui.app import run_wizard  # Qt is loaded only when a window is wanted

    return run_wizard()


def main_gui() -> int:
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
