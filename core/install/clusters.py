"""Clusters at a glance: the ledger's items grouped by the cluster they belong to, and by the
consumer they serve (each browser database, the system store, the command-line clients).

    for cluster in cluster_status(setup):          # what `status` and the clusters window show
        cluster.name, cluster.ui_url, cluster.ca, cluster.client, cluster.days_left
        cluster.items                               # ItemStatus with `present`
        cluster.consumers                           # model.Consumer with its state: ok/missing/…

A cluster is one CA (by SHA-256); its client is the certificate it issued. The identity files keep
the bundle's CA beside the client certificate, so they link the two; items installed from the same
source link too. The identity files are also the bundle material repair and status re-plan from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.consumer_names import IDENTITY_FILES, NSS, consumer_key, consumer_name
from clustertrust.core.errors import ClusterTrustError, InputError
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install import identity
from clustertrust.core.install import plan as plans
from clustertrust.core.install.addresses import known_ui_urls, url_for
from clustertrust.core.install.ledger import cluster_name
from clustertrust.core.model import (
    Consumer,
    ConsumerKind,
    ConsumerState,
    Kind,
    Record,
    Scope,
    Setup,
    Step,
    TrustStore,
)

SYMBOL = {
    ConsumerState.OK: "✓",
    ConsumerState.MISSING: "✗",
    ConsumerState.UNKNOWN: "?",
    ConsumerState.NOT_COVERED: "✗",
    ConsumerState.NOT_SET_UP: "–",
}
WORDS = {
    ConsumerState.OK: translatable("set up"),
    ConsumerState.MISSING: translatable("missing"),
    ConsumerState.UNKNOWN: translatable("cannot check here"),
    ConsumerState.NOT_COVERED: translatable("not covered yet, Repair adds it"),
    ConsumerState.NOT_SET_UP: translatable("not set up"),
}


@dataclass(frozen=True)
class Certificate:
    sha256: str
    subject: str
    not_after: str
    days_left: int

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "subject": self.subject,
            "not_after": self.not_after,
            "days_left": self.days_left,
        }


@dataclass(frozen=True)
class Cluster:
    name: str
    ca: Certificate | None
    client: Certificate | None
    items: tuple[plans.ItemStatus, ...]
    consumers: tuple[Consumer, ...] = ()
    ui_url: str = ""
    material: identity.IdentityPaths | None = field(default=None, repr=False)

    @property
    def days_left(self) -> int | None:
        known = [c.days_left for c in (self.ca, self.client) if c is not None]
        return min(known) if known else None

    @property
    def complete(self) -> bool:
        """Every item the ledger lists is there (unknown counts as there: it cannot be told)."""
        return all(item.present is not False for item in self.items)

    @property
    def records(self) -> list[Record]:
        return [item.record for item in self.items]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ui_url": self.ui_url,
            "ca": self.ca.to_json() if self.ca else None,
            "client": self.client.to_json() if self.client else None,
            "days_left": self.days_left,
            "items": [i.to_json() for i in self.items],
            "consumers": [c.to_json() for c in self.consumers],
        }


def cluster_status(setup: Setup) -> list[Cluster]:
    """Every cluster in the ledger, each item checked in its store, consumers named, with the
    UI address remembered for it."""
    items = plans.status(setup.ledger, setup.stores)
    urls = known_ui_urls(setup.ledger)
    clusters = []
    for grouped in group_items(items):
        expected = expected_steps(grouped, setup.stores)
        consumers = _consumers(grouped.items, expected)
        clusters.append(replace(grouped, consumers=consumers, ui_url=_ui_url(grouped, urls)))
    return clusters


def group_items(items: Sequence[plans.ItemStatus]) -> list[Cluster]:
    """One Cluster per CA in the ledger (plus one per client with no CA of its own there)."""
    cas = [i for i in items if i.record.kind == Kind.CA.value]
    by_ca: dict[str, list[plans.ItemStatus]] = {}
    for item in cas:
        by_ca.setdefault(item.record.sha256, []).append(item)
    clients: dict[str, list[plans.ItemStatus]] = {}
    for item in items:
        if item.record.kind == Kind.IDENTITY.value:
            clients.setdefault(item.record.sha256, []).append(item)
    loose: dict[str, list[plans.ItemStatus]] = {}
    for client_sha, client_items in clients.items():
        issuer = _issuer_ca(client_items, by_ca)
        (by_ca[issuer] if issuer else loose.setdefault(client_sha, [])).extend(client_items)
    return [_cluster(group) for group in [*by_ca.values(), *loose.values()]]


def _issuer_ca(
    client_items: list[plans.ItemStatus], by_ca: dict[str, list[plans.ItemStatus]]
) -> str:
    """The recorded issuer; for records from before it was kept, the CA the identity files hold
    beside the key, or the CA installed from the same source."""
    for item in client_items:
        if item.record.issuer in by_ca:
            return item.record.issuer
    for item in client_items:
        if item.record.store == identity.NAME:
            for sha in identity.kept_ca_fingerprints(item.record):
                if sha in by_ca:
                    return sha
    sources = {i.record.source for i in client_items if i.record.source}
    for sha, ca_items in by_ca.items():
        if sources & {i.record.source for i in ca_items}:
            return sha
    return ""


def _paths(record: Record) -> identity.IdentityPaths:
    return identity.IdentityPaths.at(Path(record.location), record.sha256)


def _cluster(items: list[plans.ItemStatus]) -> Cluster:
    ca = _certificate(items, Kind.CA)
    client = _certificate(items, Kind.IDENTITY)
    name = cluster_name(ca.subject) if ca else (client.subject if client else "?")
    files = [i.record for i in items if i.record.store == identity.NAME]
    material = _paths(max(files, key=lambda r: r.installed_at)) if files else None
    return Cluster(name, ca, client, tuple(items), material=material)


def _certificate(items: list[plans.ItemStatus], kind: Kind) -> Certificate | None:
    chosen = [i for i in items if i.record.kind == kind.value]
    if not chosen:
        return None
    newest = max(chosen, key=lambda i: i.record.not_after)
    record = newest.record
    return Certificate(record.sha256, record.subject, record.not_after, newest.days_left)


def bundle_material(cluster: Cluster) -> Bundle | None:
    """The cluster's bundle as the identity files keep it (CA, client certificate and key), when
    they still hold what the ledger recorded (identity.recorded_bundle)."""
    try:
        return _recorded_material(cluster)
    except (ClusterTrustError, OSError):
        return None


def material_problem(cluster: Cluster) -> str:
    """Why the identity files cannot be re-installed from ("" when they can, or are gone)."""
    try:
        _recorded_material(cluster)
    except identity.MaterialRefused as refused:
        return refused.message
    except (ClusterTrustError, OSError):
        pass
    return ""


def _recorded_material(cluster: Cluster) -> Bundle | None:
    if cluster.material is None or not cluster.material.key.is_file():
        return None
    folder = str(cluster.material.folder)
    record = next(r for r in cluster.records if r.store == identity.NAME and r.location == folder)
    ledger_cas = [r.sha256 for r in cluster.records if r.kind == Kind.CA.value]
    return identity.recorded_bundle(record, ledger_cas)


def expected_steps(cluster: Cluster, stores: Sequence[TrustStore]) -> list[Step]:
    """What an install of the cluster's bundle would do now in every available store: the
    browser profiles found today included. Empty when the bundle material is gone."""
    bundle = bundle_material(cluster)
    if bundle is None:
        return []
    steps: list[Step] = []
    for store in stores:
        if not store.detect().available:
            continue
        for scope in _scopes(cluster, store):
            try:
                planned = store.plan_install(bundle, scope)
            except InputError:  # a store that serves another scope only
                continue
            steps += [replace(s, record=plans.origin_of(s.record, bundle)) for s in planned]
            break
    return steps


def _scopes(cluster: Cluster, store: TrustStore) -> list[Scope]:
    used = [Scope(r.scope) for r in cluster.records if r.store == store.name]
    return list(dict.fromkeys([*used, Scope.USER, Scope.SYSTEM]))


def _consumers(items: Sequence[plans.ItemStatus], expected: Sequence[Step]) -> tuple[Consumer, ...]:
    found: dict[str, list[plans.ItemStatus]] = {}
    for item in items:
        found.setdefault(consumer_key(item.record.store, item.record.location), []).append(item)
    consumers = [_consumer(group) for group in found.values()]
    used = {item.record.store for item in items}
    for step in expected:
        record = step.record
        key = consumer_key(record.store, record.location)
        if key not in found:
            found[key] = []
            # a new profile of a browser the install set up: Repair covers it; another store not
            state = ConsumerState.NOT_COVERED if record.store in used else ConsumerState.NOT_SET_UP
            consumers.append(_named(record.store, record.location, (), state))
    return tuple(consumers)


def _consumer(items: list[plans.ItemStatus]) -> Consumer:
    record = items[0].record
    presence = {i.present for i in items}
    if False in presence:
        state = ConsumerState.MISSING
    elif None in presence:
        state = ConsumerState.UNKNOWN
    else:
        state = ConsumerState.OK
    return _named(record.store, record.location, tuple(i.record for i in items), state)


def _named(
    store: str, location: str, records: tuple[Record, ...], state: ConsumerState
) -> Consumer:
    return Consumer(_kind(store), consumer_name(store, location), location, records, store, state)


def _kind(store: str) -> ConsumerKind:
    if store == IDENTITY_FILES:
        return ConsumerKind.FILES
    return ConsumerKind.BROWSER if store == NSS else ConsumerKind.SYSTEM


def _ui_url(cluster: Cluster, urls: Mapping[str, str]) -> str:
    return url_for(urls, [cluster.ca.sha256] if cluster.ca else [], cluster.name)


def consumer_line(consumer: Consumer) -> str:
    return f"{SYMBOL[consumer.state]} {consumer.name}: {tr(WORDS[consumer.state])}"


__all__ = [
    "Certificate",
    "Cluster",
    "bundle_material",
    "cluster_name",
    "cluster_status",
    "consumer_line",
    "expected_steps",
    "group_items",
    "material_problem",
]
