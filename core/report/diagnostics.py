"""A few lines about each installed cluster for a chat with the helpdesk (the clusters window's
Copy diagnostics): no key, path under the home folder or token."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from clustertrust.core.install.clusters import consumer_line
from clustertrust.core.model import Cluster


def diagnostics(clusters: Sequence[Cluster], system: str) -> str:
    """A few lines for a chat with the helpdesk: no key, path under the home folder or token."""
    from clustertrust.core import __version__
    from clustertrust.core.logs import scrub

    lines = [f"ClusterTrust {__version__} on {system}"]
    if not clusters:
        lines.append("No cluster installed.")
    for cluster in clusters:
        lines.append(f"Cluster {cluster.name}: {cluster.ui_url or 'no UI address known'}")
        for label, cert in (("CA", cluster.ca), ("Client", cluster.client)):
            if cert is not None:
                left = f"{cert.days_left} days left" if cert.days_left >= 0 else "EXPIRED"
                lines.append(f"  {label} {cert.subject} (SHA-256 {cert.sha256[:16]}…): {left}")
        lines += [f"  {consumer_line(c)}" for c in cluster.consumers]
    home = str(Path.home())
    return scrub("\n".join(lines)).replace(home, "~")
