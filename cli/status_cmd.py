"""`clustertrust status`: the installed clusters, each item checked in its store, by consumer."""

from __future__ import annotations

import argparse

from clustertrust.core import actions
from clustertrust.core.actions import RENEW, RENEW_FIX, consumer_name, expiry_warnings, for_terminal
from clustertrust.core.actions.bundles import pretty_fingerprint
from clustertrust.core.actions.runtime import printable
from clustertrust.platform import detect

from .args import parents
from .output import print_json

PRESENT = {True: "present", False: "MISSING", None: "cannot check here"}
KIND = {"ca": "CA", "identity": "client certificate and key"}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "status",
        help="list the installed clusters and check that their items are still there",
        description="Each installed cluster: its CA and client certificate with the days left, "
        "whether each browser, the system store and the command-line clients are set up, and "
        "every item from the ledger with whether it is really present in its store.",
        parents=parents("json"),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    machine = detect.RealMachine()
    clusters = actions.cluster_status(machine)
    items = [item for cluster in clusters for item in cluster.items]
    warnings = expiry_warnings(items)
    if args.json:
        print_json(
            {
                "ledger": str(machine.ledger.path),
                "clusters": [c.to_json() for c in clusters],
                "items": [i.to_json() for i in items],
                "warnings": warnings,
            }
        )
        return 0
    if not clusters:
        print("Nothing installed by ClusterTrust (the ledger is empty).")
        return 0
    print("\n\n".join("\n".join(cluster_lines(c)) for c in clusters))
    if any(not c.complete for c in clusters):
        print("\nSome items are missing: `clustertrust repair` puts them back.")
    elif any(actions.not_covered(c) for c in clusters):
        print("\nBrowser profiles made since the install: `clustertrust repair` sets them up.")
    if warnings:
        print(
            "\nExpiry warnings:",
            *(f"  ! {w}" for w in warnings),
            f"What to do: {for_terminal(RENEW_FIX, (RENEW,))}",
            sep="\n",
        )
    return 0


def cluster_lines(cluster: actions.Cluster) -> list[str]:
    url = f" — {printable(cluster.ui_url)}" if cluster.ui_url else ""
    _kind, state = actions.cluster_state(cluster)
    lines = [f"Cluster {printable(cluster.name)}{url}: {state}"]
    for label, cert in (("CA", cluster.ca), ("client", cluster.client)):
        if cert is not None:
            left = actions.days_left(cert.days_left)
            lines.append(
                f"  {label:<7}{printable(cert.subject)}: {left.replace('expired', 'EXPIRED')}"
            )
    lines += [f"  {actions.consumer_line(c)}" for c in cluster.consumers]
    lines.append("  items:")
    for item in cluster.items:
        lines += [f"    {line}" for line in item_lines(item)]
    return lines


def item_lines(item: actions.ItemStatus) -> list[str]:
    record = item.record
    where = consumer_name(record.store, record.location)
    unfinished = "  (unfinished: run `clustertrust repair`, or uninstall)"
    return [
        f"{printable(record.subject)} [{KIND.get(record.kind, record.kind)}] in {where}: "
        f"{PRESENT[item.present]}",
        f"  location    {record.location}",
        f"  SHA-256     {pretty_fingerprint(record.sha256)}",
        f"  scope {record.scope}, installed {record.installed_at or '?'} from "
        f"{printable(record.source)}",
        *([unfinished] if record.state != "done" else []),
    ]
