"""`clustertrust uninstall (--all | FINGERPRINT...)`: remove what the ledger says we installed."""

from __future__ import annotations

import argparse

from clustertrust.core import actions
from clustertrust.core.i18n import tr
from clustertrust.platform import detect

from .args import parents
from .install_cmd import confirm, print_notes, progress_printer
from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "uninstall",
        help=tr("remove certificates that ClusterTrust installed"),
        description=tr(
            "Remove items recorded in the ledger, by SHA-256 fingerprint (as shown by "
            "`clustertrust status`; a unique prefix of 8 or more hex digits is enough) or --all."
        ),
        parents=parents("changes", "json"),
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help=tr("remove everything in the ledger"))
    which.add_argument("fingerprints", nargs="*", default=[], metavar="FINGERPRINT")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    changes = actions.plan_removal(detect.RealMachine(), args.fingerprints, args.all)
    plan = changes.plan
    if not args.json:
        nothing = not plan.steps and not plan.unavailable
        print(tr("Nothing to remove: the ledger is empty.") if nothing else plan.text())
        print_notes(changes.setup.notes)
    if args.dry_run or plan.is_empty:
        if args.json:
            print_json({"applied": False, "dry_run": args.dry_run, "plan": plan.to_json()})
        return 0
    confirm(args.yes, tr("Remove these {count} item(s)?").format(count=len(plan.steps)))
    actions.apply_changes(changes, progress=progress_printer(args.json))
    if args.json:
        print_json({"applied": True, "dry_run": False, "plan": plan.to_json()})
    else:
        print(tr("Removed: {count} item(s).").format(count=len(plan.steps)))
    return 0
