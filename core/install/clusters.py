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
from dataclasses import replace
from pathlib import Path

from clustertrust.core import model
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.consumer_names import IDENTITY_FILES, NSS, consumer_key, consumer_name
from clustertrust.core.errors import ClusterTrustError, InputError
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install import identity
from clustertrust.core.install import plan as plans
from clustertrust.core.install.addresses import known_ui_urls, url_for
from clustertrust.core.model import (
    Certificate,
    Cluster,
    Consumer,
    ConsumerKind,
    ConsumerState,
    ItemStatus,
    Kind,
    Record,
    Scope,
    Setup,
    Step,
    TrustStore,
    cluster_name,
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


def cluster_status(setup: Setup) -> list[Cluster]:
    """Every cluster in the ledger, each item checked in its store, consumers named, with the
    UI address remembered for it, and what renewals to it left behind (model.left_behind). A
    superseded one (model.superseded) gets no new profiles: Repair leaves it as it is."""
    items = plans.status(setup.ledger, setup.stores)
    urls = known_ui_urls(setup.ledger)
    clusters = []
    grouped_all = model.left_behind(model.superseded(group_items(items)))
    shared = model.shared_names(grouped_all)
    for grouped in grouped_all:
        expected = [] if grouped.superseded else expected_steps(grouped, setup.stores)
        consumers = _consumers(grouped.items, expected)
        url = _ui_url(grouped, urls, by_name=grouped.name not in shared)
        clusters.append(replace(grouped, consumers=consumers, ui_url=url))
    return clusters


def group_items(items: Sequence[ItemStatus]) -> list[Cluster]:
    """model.group_items, with the CAs old identity files hold read from their ca.crt."""
    return model.group_items(items, identity.kept_ca_fingerprints)


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
    record = cluster.material
    if record is None or not _paths(record).key.is_file():
        return None
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


def _consumers(items: Sequence[ItemStatus], expected: Sequence[Step]) -> tuple[Consumer, ...]:
    found: dict[str, list[ItemStatus]] = {}
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


def _consumer(items: list[ItemStatus]) -> Consumer:
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


def _paths(record: Record) -> identity.IdentityPaths:
    return identity.IdentityPaths.at(Path(record.location), record.sha256)


def _ui_url(cluster: Cluster, urls: Mapping[str, str], by_name: bool) -> str:
    cas = [cluster.ca.sha256] if cluster.ca else []
    return url_for(urls, cas, cluster.name if by_name else "")


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
