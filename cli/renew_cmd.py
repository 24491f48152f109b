"""`clustertrust renew SOURCE`: install a newer bundle for the same cluster, verify it, then
remove the old items; a failed check changes nothing, a failed install is undone."""

from __future__ import annotations

import argparse

from clustertrust.core import actions
from clustertrust.core.i18n import tr
from clustertrust.core.model import Scope
from clustertrust.platform import detect

from .args import add_stores, parents
from .changes import confirm, print_notes, progress_printer
from .options import bundle_from
from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "renew",
        help=tr(
            "replace an installed bundle with its renewed version (install, verify, remove old)"
        ),
        description=tr(
            "Install the renewed bundle of a cluster whose certificates are already "
            "installed (found by the CA's name, or by --replaces), verify it, then remove the old "
            "items. If the install or the verification fails, the new items are undone."
        ),
        parents=parents("password", "changes", "json"),
    )
    add_stores(parser, tr("user: your own stores (default: where the cluster is installed)"), None)
    parser.add_argument("source", help=tr("the renewed bundle: file, folder or https:// URL"))
    parser.add_argument(
        "--replaces", nargs="+", metavar="FINGERPRINT", help=tr("old items' SHA-256")
    )
    parser.add_argument(
        "--verify", metavar="URL", help=tr("the cluster UI to verify before removal")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    bundle = bundle_from(args, args.source)
    scope = Scope(args.scope) if args.scope else None
    changes = actions.plan_renewal(
        detect.RealMachine(), bundle, scope, args.stores, args.replaces or (), args.verify
    )
    return carry_out(args, changes)


def carry_out(args: argparse.Namespace, changes: actions.Changes) -> int:
    """Show, ask, apply: for `renew`, and for `install` given a renewed bundle."""
    plan = changes.renewal
    assert plan is not None
    if not args.json:
        print(plan.text())
        print_notes(changes.setup.notes)
    if args.dry_run:
        if args.json:
            print_json({**plan.to_json(), "applied": False})
        return 0
    confirm(args.yes, tr("Apply this renewal?"))
    actions.apply_changes(changes, progress=progress_printer(args.json))
    if args.json:
        print_json({**plan.to_json(), "applied": True})
    else:
        print(tr("Renewed: {count} old item(s) replaced.").format(count=len(plan.replaced)))
    return 0
