"""`clustertrust install SOURCE`: show the plan, ask, apply it; a failure is rolled back."""

from __future__ import annotations

import argparse
from typing import Any

from clustertrust.core import actions
from clustertrust.core.i18n import tr
from clustertrust.core.model import Scope
from clustertrust.platform import detect

from .args import parents
from .changes import confirm, print_notes, progress_printer
from .options import bundle_from
from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "install",
        help=tr("install and trust a bundle's CA and client certificate"),
        description=tr(
            "Read a bundle, show exactly what will change, then install it. A failed "
            "step undoes the steps before it."
        ),
        parents=parents("stores", "password", "changes", "json"),
    )
    parser.add_argument("source", help=tr("bundle file, folder or https:// URL"))
    parser.add_argument(
        "--only-host",
        default="",
        metavar="HOST",
        help=tr("macOS: trust the CA only for this host name (security -s HOST)"),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    bundle = bundle_from(args, args.source)
    machine = detect.RealMachine()
    changes = actions.plan_changes(
        machine, bundle, Scope(args.scope), args.stores, trust_host=args.only_host
    )
    if changes.renewal is not None:
        from . import renew_cmd

        return renew_cmd.carry_out(args, changes)
    plan, notes = changes.plan, changes.setup.notes
    if not args.json:
        print(plan.text())
        print_notes(notes)
    if args.dry_run or plan.is_empty:
        if not args.dry_run:  # items an interrupted run left as "intent" are there: settle them
            actions.apply_changes(changes)
        if args.json:
            print_json(document(plan, notes, applied=False))
        elif plan.is_empty:
            print(tr("Nothing to do: everything is already in place."))
        return 0
    confirm(args.yes, tr("Apply these {count} change(s)?").format(count=len(plan.steps)))
    actions.apply_changes(changes, progress=progress_printer(args.json))
    if args.json:
        print_json(document(plan, notes, applied=True))
    else:
        print(tr("Installed: {count} change(s) made.").format(count=len(plan.steps)))
        for title, why in plan.unavailable:  # a browser found but not set up is never silent
            print(tr("Not set up: {store}: {why}").format(store=title, why=why))
    return 0


def document(plan: actions.Plan, notes: tuple[str, ...], applied: bool) -> dict[str, Any]:
    body = plan.to_json()
    body["notes"] = [*body["notes"], *notes]
    return {"applied": applied, "dry_run": not applied, "plan": body}
