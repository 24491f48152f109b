"""`clustertrust uninstall (--all | FINGERPRINT...)`: remove what the ledger says we installed."""

from __future__ import annotations

import argparse

from clustertrust.core import certinfo
from clustertrust.core.errors import InputError
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Record
from clustertrust.platform import detect

from .args import parents
from .install_cmd import confirm, print_notes, progress_printer
from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "uninstall",
        help="remove certificates that ClusterTrust installed",
        description="Remove items recorded in the ledger, by SHA-256 fingerprint (as shown by "
        "`clustertrust status`; a unique prefix of 8 or more hex digits is enough) or --all.",
        parents=parents("changes", "json"),
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="remove everything in the ledger")
    which.add_argument("fingerprints", nargs="*", default=[], metavar="FINGERPRINT")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup = detect.all_stores_setup()
    records = setup.ledger.records() if args.all else chosen(setup.ledger, args.fingerprints)
    plan = plans.plan_uninstall(records, setup.stores)
    if not args.json:
        print(plan.text() if records else "Nothing to remove: the ledger is empty.")
        print_notes(setup.notes)
    if args.dry_run or plan.is_empty:
        if args.json:
            print_json({"applied": False, "dry_run": args.dry_run, "plan": plan.to_json()})
        return 0
    confirm(args.yes, f"Remove these {len(plan.steps)} item(s)?")
    plans.apply_plan(plan, setup.ledger, progress=progress_printer(args.json))
    if args.json:
        print_json({"applied": True, "dry_run": False, "plan": plan.to_json()})
    else:
        print(f"Removed: {len(plan.steps)} item(s).")
    return 0


def chosen(ledger: Ledger, fingerprints: list[str]) -> list[Record]:
    if not fingerprints:
        raise InputError(
            "Say what to remove.", "Give fingerprints from `clustertrust status`, or --all."
        )
    picked: dict[tuple[str, str, str], Record] = {}
    for text in fingerprints:
        matches = ledger.find(certinfo.fingerprint_prefix(text))  # "" would mean every item
        if not matches:
            raise InputError(
                f"Nothing in the ledger has the fingerprint {text}.",
                "Run `clustertrust status` to see what is installed.",
            )
        if len({r.sha256 for r in matches}) > 1:
            raise InputError(
                f"{text} matches more than one certificate.", "Give more digits of the fingerprint."
            )
        picked.update((r.key, r) for r in matches)
    return list(picked.values())
