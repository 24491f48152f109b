"""The domain model: scopes, the records the ledger keeps, plan steps, and the TrustStore protocol
every store mechanism in platform/ implements.

A store (Linux anchors, NSS databases, Windows certutil, macOS keychain, identity files) turns a
Bundle into `Step`s. A step says what it changes, the exact commands, whether it needs an
authorization prompt, and how it is undone; `run` and `undo` do it. A `Record` is what the
ledger keeps about one installed item.

Clusters and consumers, one model for status, repair, renewal, verify and the clusters window:
`group_items` is the one rule for which records make a cluster (one per CA, with the clients
it issued), `renewed_clusters` the one rule for which installed clusters a bundle renews (its CA;
a CA a renewal recorded it replaced; a CA of its CA's name only with the same client name, since
unrelated clusters share default CA names), `bundle_records` what of the ledger belongs to a
bundle's cluster and what a renewal to it replaces or left behind, `superseded` marks a cluster
another renewed by the same rule, `left_behind` gives each cluster what renewals to it did not
finish removing; a `Consumer` is what a person reaches the cluster with.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Protocol

from clustertrust.core import certinfo
from clustertrust.core.consumer_names import IDENTITY_FILES
from clustertrust.core.errors import ClusterTrustError, CommandError
from clustertrust.core.i18n import tr
from cryptography import x509

if TYPE_CHECKING:
    from clustertrust.core.bundle import Bundle
    from clustertrust.core.install.ledger import Ledger


STORE_CHOICES = ("system", "nss", "files")  # what --stores names: OS store, browsers, files


class Scope(enum.StrEnum):
    USER = "user"
    SYSTEM = "system"


class Kind(enum.StrEnum):
    CA = "ca"  # a trusted CA certificate
    IDENTITY = "identity"  # a client certificate with its private key


class State(enum.StrEnum):
    INTENT = "intent"  # written before the step runs: the item may be partly there
    DONE = "done"  # the step finished: the item is there


@dataclass(frozen=True)
class Record:
    """One installed item as the ledger keeps it; (sha256, store, location) identifies it."""

    sha256: str
    sha1: str
    subject: str
    not_after: str
    kind: str
    store: str
    location: str
    name: str
    scope: str
    source: str = ""
    installed_at: str = ""
    state: str = State.INTENT.value
    issuer: str = ""  # an identity's: the SHA-256 of the CA installed with it (its cluster)
    # Identity files: the SHA-256 of each CA written to ca.crt beside the client, space-separated
    # ("" in ledgers written before it was kept); what that material may be read back as.
    ca_sha256: str = ""
    # A CA trusted for one host name only (macOS `add-trusted-cert -s HOST`); "" for every host.
    # Status checks that trust, and repair and renewal set it up again the same way.
    trust_host: str = ""
    # A CA a renewal installed: the SHA-256 of each CA it replaced, space-separated ("" for
    # an install, and in ledgers written before it was kept). The link that makes a CA of a
    # name in use the renewal of that cluster, not a second cluster (`renews`, `superseded`).
    renews: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sha256, self.store, self.location)

    def days_left(self, at: dt.datetime | None = None) -> int:
        return (dt.datetime.fromisoformat(self.not_after) - (at or certinfo.now())).days

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """Raises KeyError/TypeError on a malformed entry; the ledger turns that into a message."""
        names = {f.name for f in fields(cls)}
        optional = {
            "source",
            "installed_at",
            "state",
            "issuer",
            "ca_sha256",
            "trust_host",
            "renews",
        }
        required = names - optional
        missing = required - data.keys()
        if missing:
            raise KeyError(", ".join(sorted(missing)))
        return cls(**{k: str(v) for k, v in data.items() if k in names})


class ConsumerKind(enum.StrEnum):
    BROWSER = "browser"  # one browser certificate database (NSS)
    SYSTEM = "system"  # the operating system's trust store
    FILES = "files"  # the identity files command-line clients use


class ConsumerState(enum.StrEnum):
    """What `status` found for a consumer (verify judges it by connecting instead)."""

    OK = "ok"  # every item it needs is there
    MISSING = "missing"  # an item the ledger lists is gone
    UNKNOWN = "unknown"  # its store cannot be asked here (`presence` is None): never "ok"
    NOT_COVERED = "not_covered"  # found since the install in a store the cluster uses: Repair
    NOT_SET_UP = "not_set_up"  # a store this install did not choose: nothing of it is there


@dataclass(frozen=True)
class Consumer:
    """What a person reaches a cluster with (a browser's certificate database, the OS trust
    store, the command-line clients), and what the install put there for that cluster: the one
    model `status`, repair, `verify` and the clusters window share."""

    kind: ConsumerKind
    name: str  # what a person recognises: "Chromium", "Firefox (profile default-release)"
    location: str  # the database folder, the identity files folder, or the store's id
    records: tuple[Record, ...] = ()  # what the install put there for the cluster
    store: str = ""  # the store id its records carry
    state: ConsumerState | None = None  # as `status` found it; None where it was not asked
    # verify: the cluster's items there a renewal to the bundle verified left (bundle_records)
    older: tuple[Record, ...] = ()

    @property
    def covered(self) -> bool:
        """The install (or an earlier one of the same cluster) set it up for the cluster."""
        return bool(self.records or self.older)

    @property
    def present(self) -> bool | None:
        if self.state is None:
            return None
        return {ConsumerState.OK: True, ConsumerState.MISSING: False}.get(self.state)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "store": self.store,
            "location": self.location,
            "state": self.state.value if self.state else None,
            "present": self.present,
        }


def record_for(
    cert: x509.Certificate, kind: Kind, store: str, location: str, name: str, scope: Scope
) -> Record:
    return Record(
        sha256=certinfo.sha256(cert),
        sha1=certinfo.sha1(cert),
        subject=certinfo.common_name(cert.subject),
        not_after=cert.not_valid_after_utc.isoformat(),
        kind=kind.value,
        store=store,
        location=location,
        name=name,
        scope=scope.value,
    )


@dataclass(frozen=True)
class ItemStatus:
    record: Record
    present: bool | None  # None: the store cannot be checked on this machine
    days_left: int

    def to_json(self) -> dict[str, Any]:
        return {**self.record.to_json(), "present": self.present, "days_left": self.days_left}


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
    """One cluster as `status`, repair, renewal, `verify` and the clusters window see it: its
    CA, its newest client, every ledger item of it (`group_items` decides which), and its
    consumers once status has checked them."""

    name: str
    ca: Certificate | None
    client: Certificate | None
    items: tuple[ItemStatus, ...]
    consumers: tuple[Consumer, ...] = ()
    ui_url: str = ""
    # the newest identity files record: the bundle material repair and status re-plan from
    material: Record | None = field(default=None, repr=False)
    superseded: bool = False  # a later cluster renewed it (`superseded`)
    # what renewals to it left behind (`left_behind`): what "Remove older certificates…" removes
    older: tuple[Record, ...] = field(default=(), repr=False)

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
            "superseded": self.superseded,
            "older": [_older_json(r) for r in self.older],
        }


def _older_json(record: Record) -> dict[str, str]:
    """A certificate a renewal left behind, as `status --json` lists it under its cluster."""
    keys = ("sha256", "subject", "store", "location", "kind")
    return {key: getattr(record, key) for key in keys}


KeptCas = Callable[[Record], Sequence[str]]  # the CAs an identity's files were written with


def recorded_cas(record: Record) -> list[str]:
    return record.ca_sha256.split()


def group_items(items: Sequence[ItemStatus], kept_cas: KeptCas = recorded_cas) -> list[Cluster]:
    """The one rule for which ledger items belong to a cluster: one per CA (by SHA-256), with
    the client identities it issued (the recorded issuer; for records from before it was kept,
    the CA the identity files hold beside the key, or one installed from the same source); plus
    one per client with no CA of its own in the ledger."""
    by_ca: dict[str, list[ItemStatus]] = {}
    for item in items:
        if item.record.kind == Kind.CA.value:
            by_ca.setdefault(item.record.sha256, []).append(item)
    clients: dict[str, list[ItemStatus]] = {}
    for item in items:
        if item.record.kind == Kind.IDENTITY.value:
            clients.setdefault(item.record.sha256, []).append(item)
    loose: dict[str, list[ItemStatus]] = {}
    for client_sha, client_items in clients.items():
        issuer = _issuer_ca(client_items, by_ca, kept_cas)
        (by_ca[issuer] if issuer else loose.setdefault(client_sha, [])).extend(client_items)
    return [_cluster(group) for group in [*by_ca.values(), *loose.values()]]


def cluster_groups(records: Sequence[Record], kept_cas: KeptCas = recorded_cas) -> list[Cluster]:
    """The ledger's records grouped by the same rule, unchecked (presence unknown)."""
    return group_items([ItemStatus(r, None, r.days_left()) for r in records], kept_cas)


def _issuer_ca(
    client_items: list[ItemStatus], by_ca: dict[str, list[ItemStatus]], kept_cas: KeptCas
) -> str:
    for item in client_items:
        if item.record.issuer in by_ca:
            return item.record.issuer
    for item in client_items:
        for sha in kept_cas(item.record) if item.record.store == IDENTITY_FILES else ():
            if sha in by_ca:
                return sha
    sources = {i.record.source for i in client_items if i.record.source}
    for sha, ca_items in by_ca.items():
        if sources & {i.record.source for i in ca_items}:
            return sha
    return ""


def _cluster(items: list[ItemStatus]) -> Cluster:
    ca = _certificate(items, Kind.CA)
    client = _certificate(items, Kind.IDENTITY)
    name = cluster_name(ca.subject) if ca else (client.subject if client else "?")
    files = [i.record for i in items if i.record.store == IDENTITY_FILES]
    material = max(files, key=lambda r: r.installed_at) if files else None
    return Cluster(name, ca, client, tuple(items), material=material)


def _certificate(items: list[ItemStatus], kind: Kind) -> Certificate | None:
    chosen = [i for i in items if i.record.kind == kind.value]
    if not chosen:
        return None
    # the one installed last is the current one (a renewal may bring a shorter-lived one);
    # installed_at has whole seconds, so on a tie the later in the ledger (reversed: max keeps
    # the first of equals), as an install and its renewal within one second are
    newest = max(reversed(chosen), key=lambda i: (i.record.installed_at, i.record.not_after))
    record = newest.record
    return Certificate(record.sha256, record.subject, record.not_after, newest.days_left)


@dataclass(frozen=True)
class BundleRecords:
    """What the ledger holds of a bundle's cluster: the items of the bundle's own certificates,
    and the older items of the cluster it renews that it supersedes (a renewal that did not
    finish removing them, or an older bundle installed again)."""

    own: tuple[Record, ...]
    superseded: tuple[Record, ...]
    # those of them written to the ledger before the bundle's own: what a renewal to this bundle
    # left behind (not the newer items when the bundle verified is the older one)
    left_behind: tuple[Record, ...] = ()


def bundle_records(
    records: Sequence[Record], bundle: Bundle, kept_cas: KeptCas = recorded_cas
) -> BundleRecords:
    """The one rule renewal (what it replaces), `verify` (what it covers) and status share:
    the clusters a bundle renews (`renewed_clusters`), less the bundle's own items."""
    new = bundle_fingerprints(bundle)
    replaced = [
        r
        for c in renewed_clusters(records, bundle, kept_cas)
        for r in c.records
        if r.sha256 not in new and _supersedes(bundle, r)
    ]
    order = {r.key: n for n, r in enumerate(records)}  # the ledger lists the oldest first
    last_own = max((n for n, r in enumerate(records) if r.sha256 in new), default=-1)
    return BundleRecords(
        tuple(r for r in records if r.sha256 in new),
        tuple(replaced),
        tuple(r for r in replaced if order[r.key] < last_own),
    )


def renewed_clusters(
    records: Sequence[Record], bundle: Bundle, kept_cas: KeptCas = recorded_cas
) -> list[Cluster]:
    """The installed clusters the bundle is (a renewal of): the one with its CA; one a renewal
    to its CA recorded it replaced (and, in turn, what that one replaced); one whose CA has its
    CA's name and whose client its client's name; with no CA in the ledger, a client of its
    client's name. A CA of the same name alone is no proof: default names (easy-rsa's
    "Easy-RSA CA", cert-manager's) are shared by unrelated clusters (`namesakes`)."""
    linked = replaced_cas(records, {certinfo.sha256(c) for c in bundle.ca_certs})
    return [c for c in cluster_groups(records, kept_cas) if renews(bundle, c, linked)]


def namesakes(
    records: Sequence[Record], bundle: Bundle, kept_cas: KeptCas = recorded_cas
) -> list[Cluster]:
    """Installed clusters whose CA has the name of the bundle's CA that the bundle does not
    renew: separate clusters, which only a renewal naming them (`--replaces`) replaces."""
    linked = replaced_cas(records, {certinfo.sha256(c) for c in bundle.ca_certs})
    names = _ca_names(bundle)
    return [
        c
        for c in cluster_groups(records, kept_cas)
        if c.ca is not None and c.ca.subject in names and not renews(bundle, c, linked)
    ]


def replaced_cas(records: Sequence[Record], cas: set[str]) -> set[str]:
    """The CAs renewals to these CAs recorded they replaced (`Record.renews`), and those the
    replaced ones had replaced in turn."""
    links: dict[str, set[str]] = {}
    for record in records:
        if record.kind == Kind.CA.value and record.renews:
            links.setdefault(record.sha256, set()).update(record.renews.split())
    found: set[str] = set()
    todo = list(cas)
    while todo:
        for old in links.get(todo.pop(), set()) - found - cas:
            found.add(old)
            todo.append(old)
    return found


def superseded(clusters: Sequence[Cluster]) -> list[Cluster]:
    """The clusters marked as renewed by another (`renewed_by`): a renewal that did not finish
    removing the old CA."""
    return [
        replace(c, superseded=any(_renewed_by(c, other) for other in clusters if other is not c))
        for c in clusters
    ]


def shared_names(clusters: Sequence[Cluster]) -> set[str]:
    """The names more than one current cluster goes by (a default CA name, `namesakes`): an
    address remembered by such a name is not known to be any one's."""
    counts = Counter(c.name for c in clusters if c.ca is not None and not c.superseded)
    return {name for name, count in counts.items() if count > 1}


def left_behind(clusters: Sequence[Cluster]) -> list[Cluster]:
    """Each cluster with what renewals to it did not finish removing (`Cluster.older`): its own
    items of a client (or CA) other than its current ones, as a renewal by the same CA leaves
    them; and the items of the clusters it renewed (`_renewed_by`, and what those renewed), as
    a renewal to a new CA leaves them. Never an item of its current CA or client."""
    return [replace(c, older=_older(c, clusters)) for c in clusters]


def _older(cluster: Cluster, clusters: Sequence[Cluster]) -> tuple[Record, ...]:
    current = {c.sha256 for c in (cluster.ca, cluster.client) if c is not None}
    items = [*cluster.records, *(r for old in _renewed(cluster, clusters) for r in old.records)]
    return tuple(r for r in items if r.sha256 not in current)


def _renewed(newest: Cluster, clusters: Sequence[Cluster]) -> list[Cluster]:
    """The clusters renewals to this one replaced, and those they had replaced in turn."""
    found: list[Cluster] = []
    todo = [newest]
    while todo:
        newer = todo.pop()
        for other in clusters:
            seen = other is newest or any(other is f for f in found)
            if not seen and _renewed_by(other, newer):
                found.append(other)
                todo.append(other)
    return found


def _renewed_by(old: Cluster, newer: Cluster) -> bool:
    """A renewal to `newer` recorded it replaced `old`'s CA; or, for renewals made before that
    was recorded, `newer`'s CA was installed later with the same name and the same client name
    (the rule `renews` applies to a bundle)."""
    if old.ca is None or newer.ca is None:
        return False
    linked = {sha for r in newer.records if r.kind == Kind.CA.value for sha in r.renews.split()}
    if old.ca.sha256 in linked:
        return True
    return (
        old.ca.subject == newer.ca.subject
        and _same_client(old, newer.client.subject if newer.client else "")
        and _ca_age(old) < _ca_age(newer)
    )


def _same_client(cluster: Cluster, client_subject: str) -> bool:
    return (
        bool(client_subject)
        and cluster.client is not None
        and (cluster.client.subject == client_subject)
    )


def _ca_age(cluster: Cluster) -> tuple[str, str]:
    """When its CA was installed; within one second, the later-expiring CA is the newer."""
    return max((r.installed_at, r.not_after) for r in cluster.records if r.kind == Kind.CA.value)


def bundle_fingerprints(bundle: Bundle) -> set[str]:
    certs = [*bundle.ca_certs, *([bundle.client_cert] if bundle.client_cert else [])]
    return {certinfo.sha256(c) for c in certs}


def renews(
    bundle: Bundle, cluster: Cluster, linked: set[str] | frozenset[str] = frozenset()
) -> bool:
    """The bundle is (a renewal of) this installed cluster: the rule `renewed_clusters` states.
    `linked`: the CAs renewals to the bundle's CA recorded they replaced (`replaced_cas`)."""
    client = cluster.client.subject if cluster.client else ""
    if cluster.ca is None:
        return bool(client) and client == _client_name(bundle)
    if cluster.ca.sha256 in linked:
        return True
    return cluster.ca.subject in _ca_names(bundle) and same_cluster(
        bundle, {cluster.ca.sha256}, client
    )


def same_cluster(bundle: Bundle, ca_sha256s: Collection[str], client_subject: str) -> bool:
    """Whether what is installed under a CA of the bundle's CA's name (these CAs, a client of
    this name) is the bundle's cluster: it has the bundle's CA, or a client of the name of the
    bundle's client. The name alone is not enough (`renewed_clusters`); the identity files
    choose their folder by the same rule."""
    shas = {certinfo.sha256(c) for c in bundle.ca_certs}
    client = _client_name(bundle)
    return bool(shas & set(ca_sha256s)) or (bool(client) and client == client_subject)


def _client_name(bundle: Bundle) -> str:
    return certinfo.common_name(bundle.client_cert.subject) if bundle.client_cert else ""


def _ca_names(bundle: Bundle) -> set[str]:
    return {certinfo.common_name(c.subject) for c in bundle.ca_certs}


def _supersedes(bundle: Bundle, record: Record) -> bool:
    """In a cluster the bundle renews: its old CA; an old client identity, when the bundle
    has a new one."""
    if record.kind == Kind.CA.value:
        return True
    return bundle.client_cert is not None


_KURRENT_CA = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9_.-]*)-ca$")


def cluster_name(ca_subject: str) -> str:
    """Kurrent Cloud names its CA `<cluster id>-ca`: the id is what people know the cluster by."""
    match = _KURRENT_CA.match(ca_subject)
    return match.group("id") if match else ca_subject


def trust_host_of(records: Iterable[Record]) -> str:
    """The host these records' CA trust was restricted to ("" when it was not)."""
    return next((r.trust_host for r in records if r.trust_host), "")


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Step:
    """One change to one store. `commands`/`undo_commands` are shown to people, secrets redacted."""

    action: str  # "install" or "remove"
    record: Record
    summary: str
    commands: tuple[str, ...]
    undo_commands: tuple[str, ...]
    needs_authorization: bool = False
    note: str = ""  # shown once per plan, e.g. "restart your browsers"
    run: Callable[[], None] = field(default=_nothing, repr=False, compare=False)
    undo: Callable[[], None] = field(default=_nothing, repr=False, compare=False)

    def lines(self) -> list[str]:
        if self.needs_authorization:
            lines = [tr("{step} (asks for authorization)").format(step=self.summary)]
        else:
            lines = [self.summary]
        lines += [f"    $ {c}" for c in self.commands]
        if self.undo_commands:
            lines.append(tr("    undo: {commands}").format(commands="; ".join(self.undo_commands)))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "summary": self.summary,
            "store": self.record.store,
            "kind": self.record.kind,
            "location": self.record.location,
            "sha256": self.record.sha256,
            "subject": self.record.subject,
            "commands": list(self.commands),
            "undo": list(self.undo_commands),
            "needs_authorization": self.needs_authorization,
            "note": self.note,
        }


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str = ""  # when not available: why, and the manual steps or the package to install


class TrustStore(Protocol):
    """One store mechanism. `name` is the stable id written to the ledger. A store that cannot
    hold some key algorithms says so in an optional `refuses_key_types` (see refused_key_types).
    """

    name: str
    title: str

    def detect(self) -> Availability: ...

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        """Steps that put the bundle's items into this store; [] when it holds nothing for them.

        Raises InputError when the scope is not one this store serves.
        """
        ...

    def is_installed(self, record: Record) -> bool:
        """Whether the item is really present now, matched by SHA-256."""
        ...

    def plan_remove(self, record: Record) -> list[Step]: ...


def presence(store: TrustStore | None, record: Record) -> bool | None:
    """Whether the record's item is in its store now: the one check status, plan, repair,
    renewal and verify make. None when it cannot be told here (no such store on this
    computer, the store is not available, or asking it failed); each caller names what an
    unknown means to it, and none shows it as there."""
    if store is None or not store.detect().available:
        return None
    try:
        return store.is_installed(record)
    except (CommandError, ClusterTrustError, OSError, ValueError):
        return None


def refused_key_types(store: TrustStore) -> frozenset[str]:
    """The key algorithms (as certinfo.key_algorithm names them: "Ed25519", "Ed448") that a
    store cannot hold; a store without `refuses_key_types` holds every key the reader reads."""
    return frozenset(getattr(store, "refuses_key_types", frozenset()))


@dataclass(frozen=True)
class Setup:
    """The stores for a scope (or all of them) and the ledger; platform.detect builds it."""

    stores: tuple[TrustStore, ...]
    ledger: Ledger
    notes: tuple[str, ...] = ()


class Machine(Protocol):
    """Where the use cases (core.actions) act: this computer (platform.detect.RealMachine) or
    the demo's sandbox. One ledger; stores for a scope, or every store (scope None)."""

    @property
    def is_sandbox(self) -> bool: ...

    def setup(
        self, scope: Scope | None = None, wanted: Sequence[str] | None = None, trust_host: str = ""
    ) -> Setup:
        """Raises InputError for an unknown store name. `trust_host`: the OS store trusts a CA
        it installs for that host only, where the OS can (macOS)."""
        ...

    def inventory(self) -> Any:
        """The consumers verify judges (core.verify.consumers.Inventory); None in the demo."""
        ...

    def facts(self) -> dict[str, Any]:
        """What the support report says of this computer: its system, each store's state and
        the tools' versions (platform.facts)."""
        ...
