"""A few lines about each installed cluster for a chat with the helpdesk (the clusters window's
Copy diagnostics): no key, path under the home folder or token."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from clustertrust.core.i18n import tr
from clustertrust.core.install.clusters import consumer_line
from clustertrust.core.install.expiry import days_left
from clustertrust.core.model import Cluster


def diagnostics(clusters: Sequence[Cluster], system: str) -> str:
    """A few lines for a chat with the helpdesk: no key, path under the home folder or token."""
    from clustertrust.core import __version__
    from clustertrust.core.logs import scrub

    lines = [tr("ClusterTrust {version} on {system}").format(version=__version__, system=system)]
    if not clusters:
        lines.append(tr("No cluster installed."))
    for cluster in clusters:
        address = cluster.ui_url or tr("no UI address known")
        lines.append(tr("Cluster {name}: {address}").format(name=cluster.name, address=address))
        for label, cert in ((tr("CA"), cluster.ca), (tr("Client"), cluster.client)):
            if cert is not None:
                line = tr("  {label} {subject} (SHA-256 {fingerprint}…): {left}")
                lines.append(
                    line.format(
                        label=label,
                        subject=cert.subject,
                        fingerprint=cert.sha256[:16],
                        left=days_left(cert.days_left),
                    )
                )
        lines += [f"  {consumer_line(c)}" for c in cluster.consumers]
    home = str(Path.home())
    return scrub("\n".join(lines)).replace(home, "~")
