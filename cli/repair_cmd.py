"""`clustertrust repair`: put back what went missing and set up browser profiles added since."""

from __future__ import annotations

import argparse

from clustertrust.core import actions
from clustertrust.core.errors import OperationFailed
from clustertrust.core.i18n import tr
from clustertrust.platform import detect

from .args import parents
from .changes import confirm, print_notes, progress_printer
from .output import print_json, report_error


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "repair",
        help=tr("put back installed items that went missing; cover new browser profiles"),
        description=tr(
            "Check every item in the ledger; put back the ones missing now (a CA "
            "deleted from a browser, trust cleared by an OS update) and add the cluster to browser "
            "profiles created since the install. Shows the plan first."
        ),
        parents=parents("changes", "json"),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    changes = actions.plan_repair(detect.RealMachine())
    repair = changes.repair
    assert repair is not None
    if not args.json:
        print(repair.text())
        print_notes(changes.setup.notes)
    applied = False
    if not args.dry_run and not repair.is_empty:
        confirm(args.yes, tr("Apply these {count} change(s)?").format(count=len(repair.plan.steps)))
        actions.apply_changes(changes, progress=progress_printer(args.json))
        applied = True
    if args.json:
        print_json({"applied": applied, "dry_run": args.dry_run, **repair.to_json()})
    elif applied:
        print(tr("Repaired: {count} change(s) made.").format(count=len(repair.plan.steps)))
    if repair.cannot and not args.dry_run:
        error = OperationFailed(
            tr("{count} item(s) could not be put back.").format(count=len(repair.cannot)),
            tr("Install the cluster's bundle again (`clustertrust install BUNDLE`)."),
        )
        return error.exit_code if args.json else report_error(error, as_json=False)
    return 0
