"""`clustertrust report [-o FILE] [--json]`: the redacted support report for the helpdesk."""

from __future__ import annotations

import argparse
from pathlib import Path

from clustertrust.core import actions
from clustertrust.core.i18n import tr
from clustertrust.platform import detect

from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help=tr("write a support report for the helpdesk (no keys, passwords or tokens)"),
        description=tr(
            "Collect what the helpdesk needs: versions, stores and tools, installed "
            "items and whether they are present, the last verification and the end of the log. "
            "It never contains private keys, passwords, tokens or PKCS#12 content."
        ),
    )
    parser.add_argument(
        "-o", "--output", help=tr("save the report to this file instead of printing")
    )
    parser.add_argument("--json", action="store_true", help=tr("the report as one JSON document"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    machine = detect.RealMachine()
    if not args.output:
        document = actions.support_report(machine)
        if args.json:
            print_json(document)
        else:
            print(actions.report_text(document), end="")
        return 0
    path = actions.save_report(machine, Path(args.output).expanduser(), args.json)
    if args.json:
        print_json({"saved_to": str(path)})
    else:
        saved = tr("Support report saved to {path}. Send this file to your helpdesk.")
        print(saved.format(path=path))
    return 0
