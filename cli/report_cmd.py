"""`clustertrust report [-o FILE] [--json]`: the redacted support report for the helpdesk."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from clustertrust.core import actions
from clustertrust.core.actions import runtime
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.platform import detect

from .output import print_json

log = logging.getLogger("clustertrust.report")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="write a support report for the helpdesk (no keys, passwords or tokens)",
        description="Collect what the helpdesk needs: versions, stores and tools, installed "
        "items and whether they are present, the last verification and the end of the log. "
        "It never contains private keys, passwords, tokens or PKCS#12 content.",
    )
    parser.add_argument("-o", "--output", help="save the report to this file instead of printing")
    parser.add_argument("--json", action="store_true", help="the report as one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    document = actions.support_report(detect.RealMachine())
    text = json.dumps(document, indent=2) + "\n" if args.json else actions.report_text(document)
    if not args.output:
        if args.json:
            print_json(document)
        else:
            print(text, end="")
        return 0
    path = Path(args.output).expanduser()
    try:
        runtime.write_atomic(path, text.encode("utf-8"))  # a link planted there is replaced
    except OSError as exc:
        raise InputError(
            tr("{path} cannot be written: {reason}.").format(path=path, reason=exc.strerror),
            tr("Choose another file."),
        ) from exc
    log.info("support report written to %s", path)
    if args.json:
        print_json({"saved_to": str(path.absolute())})
    else:
        saved = tr("Support report saved to {path}. Send this file to your helpdesk.")
        print(saved.format(path=path.absolute()))
    return 0
