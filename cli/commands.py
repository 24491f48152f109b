"""The subcommands and their parser; imported only when a command is given, so that opening the
wizard does not pay for loading every command's dependencies."""

from __future__ import annotations

import argparse

from clustertrust.core import __version__

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

COMMANDS = (inspect_cmd, install_cmd, verify_cmd, status_cmd, uninstall_cmd, report_cmd)
COMMANDS += (demo_cmd, renew_cmd, cloud_cmd, configure_cmd, privileged_cmd)


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
