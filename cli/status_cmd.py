"""`clustertrust status`: the installed clusters, each item checked in its store, by consumer."""

from __future__ import annotations

import argparse

from clustertrust.core import actions
from clustertrust.core.actions import RENEW, RENEW_FIX, consumer_name, expiry_warnings, for_terminal
from clustertrust.core.actions.bundles import pretty_fingerprint
from clustertrust.core.actions.runtime import printable
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.model import Record
from clustertrust.platform import detect

from .args import parents
from .output import print_json

PRESENT = {
    True: translatable("present"),
    False: translatable("MISSING"),
    None: translatable("cannot check here"),
}
KIND = {"ca": translatable("CA"), "identity": translatable("client certificate and key")}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "status",
        help=tr("list the installed clusters and check that their items are still there"),
        description=tr(
            "Each installed cluster: its CA and client certificate with the days left, "
            "whether each browser, the system store and the command-line clients are set up, and "
            "every item from the ledger with whether it is really present in its store."
        ),
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
        print(tr("Nothing installed by ClusterTrust (the ledger is empty)."))
        return 0
    print("\n\n".join("\n".join(cluster_lines(c)) for c in clusters))
    words, remedies = actions.repair_needed(clusters)
    if words:
        print("\n" + for_terminal(words, remedies))
    if warnings:
        print(
            "\n" + tr("Expiry warnings:"),
            *(f"  ! {w}" for w in warnings),
            tr("What to do: {fix}").format(fix=for_terminal(tr(RENEW_FIX), (RENEW,))),
            sep="\n",
        )
    return 0


def cluster_lines(cluster: actions.Cluster) -> list[str]:
    url = f" — {printable(cluster.ui_url)}" if cluster.ui_url else ""
    _kind, state = actions.cluster_state(cluster)
    lines = [
        tr("Cluster {name}{url}: {state}").format(
            name=printable(cluster.name), url=url, state=state
        )
    ]
    for label, cert in ((tr("CA"), cluster.ca), (tr("client"), cluster.client)):
        if cert is not None:
            left = actions.days_left(cert.days_left)
            lines.append(f"  {label:<7}{printable(cert.subject)}: {left}")
    lines += [f"  {actions.consumer_line(c)}" for c in cluster.consumers]
    lines.append(tr("  items:"))
    for item in cluster.items:
        lines += [f"    {line}" for line in item_lines(item)]
    return lines + older_lines(cluster)


def older_lines(cluster: actions.Cluster) -> list[str]:
    """The older certificates renewals to this cluster left behind, and the command that removes
    exactly them (none when a renewal finished)."""
    words, remedies = actions.older_fix(cluster)
    if not words:
        return []
    return [
        f"  {tr(actions.OLDER)}",
        *(f"    {older_line(record)}" for record in cluster.older),
        f"  {for_terminal(words, remedies)}",
    ]


def older_line(record: Record) -> str:
    kind = kind_label(record)
    where = consumer_name(record.store, record.location)
    return tr("{subject} [{kind}] in {where}").format(
        subject=printable(record.subject), kind=kind, where=where
    )


def item_lines(item: actions.ItemStatus) -> list[str]:
    record = item.record
    where = consumer_name(record.store, record.location)
    unfinished = tr("  (unfinished: run `clustertrust repair`, or uninstall)")
    kind = kind_label(record)
    head = tr("{subject} [{kind}] in {where}: {state}").format(
        subject=printable(record.subject), kind=kind, where=where, state=tr(PRESENT[item.present])
    )
    installed = tr("  scope {scope}, installed {time} from {source}").format(
        scope=record.scope, time=record.installed_at or "?", source=printable(record.source)
    )
    return [
        head,
        tr("  location    {location}").format(location=record.location),
        f"  SHA-256     {pretty_fingerprint(record.sha256)}",
        installed,
        *([unfinished] if record.state != "done" else []),
    ]


def kind_label(record: Record) -> str:
    return tr(KIND[record.kind]) if record.kind in KIND else record.kind
