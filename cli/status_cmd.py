"""`clustertrust status`: what the ledger says was installed, and whether it is really there."""

from __future__ import annotations

import argparse

from clustertrust.core.bundle.summary import pretty_fingerprint
from clustertrust.core.install import plan as plans
from clustertrust.core.install.expiry import RENEW_FIX, expiry_warnings
from clustertrust.platform import detect

from .args import parents
from .output import print_json

PRESENT = {True: "present", False: "MISSING", None: "cannot check here"}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "status",
        help="list what ClusterTrust installed and check that it is still there",
        description="Each installed item from the ledger: where it is, whether it is really "
        "present in its store, and the days left before it expires.",
        parents=parents("json"),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup = detect.all_stores_setup()
    items = plans.status(setup.ledger, setup.stores)
    warnings = expiry_warnings(items)
    if args.json:
        print_json(
            {
                "ledger": str(setup.ledger.path),
                "items": [i.to_json() for i in items],
                "warnings": warnings,
            }
        )
        return 0
    if not items:
        print("Nothing installed by ClusterTrust (the ledger is empty).")
        return 0
    for item in items:
        print("\n".join(item_lines(item)))
    if warnings:
        print(
            "\nExpiry warnings:",
            *(f"  ! {w}" for w in warnings),
            f"What to do: {RENEW_FIX}",
            sep="\n",
        )
    return 0


def item_lines(item: plans.ItemStatus) -> list[str]:
    record = item.record
    left = f"{item.days_left} days left" if item.days_left >= 0 else "EXPIRED"
    unfinished = "  (unfinished: run `clustertrust uninstall` or install again)"
    return [
        f"{record.subject} [{record.kind}] in {record.store}: {PRESENT[item.present]}, {left}",
        f"  location    {record.location}",
        f"  SHA-256     {pretty_fingerprint(record.sha256)}",
        f"  scope {record.scope}, installed {record.installed_at or '?'} from {record.source}",
        *([unfinished] if record.state != "done" else []),
    ]
