"""What both front ends say about a cluster, in one place: days left, its state, each consumer.
A state is (kind, words); kind is "ok", "warning" or "error", and "ok" means it works now."""

from __future__ import annotations

from clustertrust.core.install.clusters import Certificate, Cluster, consumer_line
from clustertrust.core.install.expiry import needs_warning
from clustertrust.core.model import Consumer, ConsumerState


def days_left(days: int) -> str:
    if days < 0:
        return "expired"
    return f"{days} day{'s' if days != 1 else ''} left"


def expiry(label: str, cert: Certificate | None) -> tuple[str, str]:
    """("CA: expires 2027-03-01, 85 days left", kind)."""
    if cert is None:
        return "", f"{label}: none"
    date = cert.not_after[:10]
    if cert.days_left < 0:
        return "error", f"{label}: expired on {date}"
    kind = "warning" if needs_warning(cert.days_left) else ""
    return kind, f"{label}: expires {date}, {days_left(cert.days_left)}"


def not_covered(cluster: Cluster) -> list[Consumer]:
    """Browser profiles found since the install that Repair would set up."""
    return [c for c in cluster.consumers if c.state is ConsumerState.NOT_COVERED]


def cluster_state(cluster: Cluster) -> tuple[str, str]:
    """What the welcome page, the cards and `status` say about a cluster as a whole."""
    missing = sum(1 for i in cluster.items if i.present is False)
    unknown = sum(1 for i in cluster.items if i.present is None)
    new = len(not_covered(cluster))
    days = cluster.days_left
    if missing:
        return "error", f"{missing} item{'s' if missing != 1 else ''} missing: Repair puts it back"
    if days is not None and days < 0:
        return "error", "expired: renew it"
    if unknown:  # never "set up": that it works now cannot be told
        return "warning", f"{unknown} item{'s' if unknown != 1 else ''} cannot be checked here"
    if new:
        profiles = f"{new} browser profile{'s' if new != 1 else ''}"
        return "warning", f"{profiles} not covered yet: Repair adds {'them' if new > 1 else 'it'}"
    if days is not None and needs_warning(days):
        return "warning", f"expires in {days} day{'s' if days != 1 else ''}: renew it soon"
    return "ok", f"set up, {days_left(days)}" if days is not None else "set up"


__all__ = ["cluster_state", "consumer_line", "days_left", "expiry", "not_covered"]
