"""What both front ends say about a cluster, in one place: days left, its state, each consumer.
A state is (kind, words); kind is "ok", "warning" or "error", and "ok" means it works now."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from clustertrust.core.i18n import tr, tr_n, translatable
from clustertrust.core.install.clusters import consumer_line
from clustertrust.core.install.expiry import days_left, needs_warning
from clustertrust.core.model import Certificate, Cluster, Consumer, ConsumerState, Scope
from clustertrust.core.remedy import Action, Remedy, removal_of

CONSUMER_KIND = {  # "not set up" is information, in plain words
    ConsumerState.OK: "ok",
    ConsumerState.MISSING: "error",
    ConsumerState.UNKNOWN: "warning",
    ConsumerState.NOT_COVERED: "warning",
    ConsumerState.NOT_SET_UP: "",
}


def expiry(label: str, cert: Certificate | None) -> tuple[str, str]:
    """("CA: expires 2027-03-01, 85 days left", kind); `label` is a translatable() constant."""
    label = tr(label)
    if cert is None:
        return "", tr("{label}: none").format(label=label)
    date = cert.not_after[:10]
    if cert.days_left < 0:
        return "error", tr("{label}: expired on {date}").format(label=label, date=date)
    kind = "warning" if needs_warning(cert.days_left) else ""
    text = tr("{label}: expires {date}, {left}")
    return kind, text.format(label=label, date=date, left=days_left(cert.days_left))


def consumer_kind(consumer: Consumer) -> str:
    return CONSUMER_KIND[consumer.state] if consumer.state else ""


def repair_needed(clusters: Sequence[Cluster]) -> tuple[str, tuple[Remedy, ...]]:
    """What both front ends say under the clusters when Repair has work ("" when it has none);
    each says the remedy its own way (a command, a button)."""
    if any(not c.complete and not c.superseded for c in clusters):
        return tr("Some items ClusterTrust installed are missing."), (Remedy(Action.REPAIR),)
    if any(not_covered(c) for c in clusters if not c.superseded):
        words = tr("Browser profiles made since the install are not set up yet.")
        return words, (Remedy(Action.REPAIR),)
    return "", ()


OLDER = translatable("Older certificates a renewal left behind:")  # then each one, then the fix


def older_fix(cluster: Cluster) -> tuple[str, tuple[Remedy, ...]]:
    """What both front ends say about the older certificates renewals to this cluster left
    behind (`Cluster.older`), and the removal of exactly those ("" when there are none)."""
    if not cluster.older:
        return "", ()
    words = tr("A renewal did not finish removing these older certificates: remove them.")
    return words, (removal_of(r.sha256 for r in cluster.older),)


def not_covered(cluster: Cluster) -> list[Consumer]:
    """Browser profiles found since the install that Repair would set up."""
    return [c for c in cluster.consumers if c.state is ConsumerState.NOT_COVERED]


def cluster_state(cluster: Cluster) -> tuple[str, str]:
    """What the welcome page, the cards and `status` say about a cluster as a whole."""
    if cluster.superseded:  # what a renewal left: it says so before anything of its own
        return "warning", tr("replaced by a newer CA of the same name: remove it")
    missing = sum(1 for i in cluster.items if i.present is False)
    unknown = sum(1 for i in cluster.items if i.present is None)
    new = len(not_covered(cluster))
    days = cluster.days_left
    if missing:
        words = tr_n(
            "{count} item missing: Repair puts it back",
            "{count} items missing: Repair puts them back",
            missing,
        )
        return "error", words.format(count=missing)
    if days is not None and days < 0:
        return "error", tr("expired: renew it")
    if unknown:  # never "set up": that it works now cannot be told
        words = tr_n(
            "{count} item cannot be checked here", "{count} items cannot be checked here", unknown
        )
        return "warning", words.format(count=unknown)
    if new:
        words = tr_n(
            "{count} browser profile not covered yet: Repair adds it",
            "{count} browser profiles not covered yet: Repair adds them",
            new,
        )
        return "warning", words.format(count=new)
    if days is not None and needs_warning(days):
        soon = tr_n(
            "expires in {days} day: renew it soon", "expires in {days} days: renew it soon", days
        )
        return "warning", soon.format(days=days)
    if days is None:
        return "ok", tr("set up")
    return "ok", tr("set up, {left}").format(left=days_left(days))


def scope_lines(platform: str = sys.platform) -> dict[Scope, str]:
    """What each scope covers, in one line each (translatable() constants), as the Plan page
    shows it."""
    if platform.startswith("linux"):
        return {
            Scope.USER: translatable(
                "No password: your browsers (Chromium, Firefox) and command-line clients."
            ),
            Scope.SYSTEM: translatable(
                "Administrator password: adds the system trust store, for every user and "
                "program on this computer."
            ),
        }
    return {
        Scope.USER: translatable(
            "Your account's certificate store (used by your browsers), Firefox and "
            "command-line clients."
        ),
        Scope.SYSTEM: translatable(
            "Administrator password: the computer's certificate store, for every user, plus "
            "your browsers and command-line clients."
        ),
    }


__all__ = [
    "OLDER",
    "cluster_state",
    "consumer_kind",
    "consumer_line",
    "days_left",
    "expiry",
    "not_covered",
    "older_fix",
    "repair_needed",
    "scope_lines",
]
