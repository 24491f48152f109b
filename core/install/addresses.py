"""A cluster's UI address, remembered in one place (the ledger's clusters) for both front ends.

    remember_bundle_ui_url(ledger, bundle, url)       # after a verification
    remember_ui_url(ledger, name, url, ca_sha256)     # given for a cluster the window lists
    remembered_url(ledger, bundle)                    # `verify` without a URL, the wizard
    known_ui_urls(ledger)                             # by CA SHA-256 and by name
    url_for(known_ui_urls(ledger), ca_sha256s, name)  # one cluster's, as `status` shows it
    cas_at(ledger, url)                               # the installed clusters at that address
    adopt_ui_urls(ledger, {name: url})                # kept elsewhere before: moved in once

An address is found by the cluster's CA first, then by the cluster's name: a renewed bundle may
bring a new CA under the same name. It is stored as `verify` shows it: https, no user:password,
no query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from clustertrust.core import certinfo, model
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError
from clustertrust.core.install import identity
from clustertrust.core.install.ledger import Ledger, cluster_name
from clustertrust.core.target import parse_target


def cluster_of(bundle: Bundle) -> str:
    """The name `status` and the clusters window show for this bundle's cluster."""
    if bundle.ca is not None:
        return cluster_name(certinfo.common_name(bundle.ca.subject))
    return certinfo.common_name(bundle.client_cert.subject) if bundle.client_cert else ""


def remember_ui_url(ledger: Ledger, name: str, url: str, ca_sha256: str = "") -> str:
    """Keep `url` as the cluster's UI address; without `ca_sha256`, the CA of the installed
    cluster of that name (if any). Returns the address as kept; InputError for a bad one."""
    shown = parse_target(url).display
    ca = ca_sha256 or _installed_ca(ledger, name)
    ledger.remember_cluster(ca, name, shown)
    return shown


def remember_bundle_ui_url(ledger: Ledger, bundle: Bundle, url: str) -> str:
    ca = certinfo.sha256(bundle.ca) if bundle.ca is not None else ""
    return remember_ui_url(ledger, cluster_of(bundle), url, ca)


def remembered_url(ledger: Ledger, bundle: Bundle) -> str:
    """The UI address remembered for this bundle's cluster; "" when none is known yet. By its
    cluster's name only when no other cluster's CA has that name (model.namesakes)."""
    cas = [certinfo.sha256(ca) for ca in bundle.ca_certs]
    namesakes = model.namesakes(ledger.records(), bundle, identity.kept_ca_fingerprints)
    return url_for(known_ui_urls(ledger), cas, "" if namesakes else cluster_of(bundle))


def url_for(urls: Mapping[str, str], ca_sha256s: Iterable[str], name: str) -> str:
    """The one rule: by the cluster's CA first, then by its name ("" when neither is known)."""
    by_ca = (urls.get(sha, "") for sha in ca_sha256s)
    return next((url for url in by_ca if url), "") or urls.get(name, "")


def cas_at(ledger: Ledger, url: str) -> set[str]:
    """The CA SHA-256 of each installed cluster whose UI address (by `url_for`) is `url`; by
    name only for a name no other current cluster goes by (model.shared_names)."""
    shown = parse_target(url).display
    urls = known_ui_urls(ledger)
    groups = model.cluster_groups(ledger.records(), identity.kept_ca_fingerprints)
    shared = model.shared_names(model.superseded(groups))
    return {
        c.ca_sha256
        for c in ledger.clusters()
        if url_for(urls, [c.ca_sha256], "" if c.name in shared else c.name) == shown
    }


def known_ui_urls(ledger: Ledger) -> dict[str, str]:
    """Every remembered address by CA SHA-256 and by name (the newest wins a shared name)."""
    urls = {}
    for cluster in ledger.remembered_clusters():
        for key in (cluster.ca_sha256, cluster.name):
            if key and cluster.ui_url:
                urls[key] = cluster.ui_url
    return urls


def adopt_ui_urls(ledger: Ledger, urls: Mapping[str, str]) -> list[str]:
    """Remember addresses kept by cluster name elsewhere, unless the ledger knows one for that
    cluster already (it is the newer); one that is not a usable address is left out. Returns
    the names adopted."""
    known = known_ui_urls(ledger)
    adopted = []
    for name, url in urls.items():
        if name and name not in known and _usable(url):
            remember_ui_url(ledger, name, url)
            adopted.append(name)
    return adopted


def _usable(url: str) -> bool:
    try:
        parse_target(url)
    except InputError:
        return False
    return True


def _installed_ca(ledger: Ledger, name: str) -> str:
    named = [c.ca_sha256 for c in ledger.clusters() if c.name == name]
    return named[-1] if named else ""  # the newest install of that name
