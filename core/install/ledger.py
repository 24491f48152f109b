"""The ledger: an atomic JSON file recording every item ClusterTrust put into a store.

    ledger = Ledger()                      # <state_dir>/ledger.json, or Ledger(path)
    for record in ledger.records():        # each a platform.store.Record:
        record.sha256, record.subject, record.not_after, record.store, record.location,
        record.scope, record.source, record.installed_at, record.state  # "intent" | "done"
        record.renews  # a CA a renewal installed: the CAs it replaced ("" in older ledgers)

A record is written with state "intent" before its step runs and "done" after, so a crash
leaves a record that `status` reports and `uninstall` can finish. Every change is one
read-modify-write (`_update`) under an exclusive lock on ledger.lock beside the file, shared by
every ClusterTrust process (the window and a terminal); `apply_plan` holds it for a whole apply
(`with ledger.locked(): ...`). Each write goes to a 0600 temp file, is fsynced and renamed over the
old one; the previous version is kept as ledger.json.bak (0600 too). Keys of the document that
this version does not know are kept. A ledger that cannot be read is never overwritten:
LedgerError says where it is and what to do.

Clusters live beside the records, under the document's "clusters" key: each installed CA is a
cluster with a name, and `remember_cluster` adds its UI address (core.install.addresses decides
when, for both front ends). An entry is keyed by its CA's SHA-256, or by its name when the cluster
has no CA of its own.

    ledger.clusters()                      # [ClusterEntry(ca_sha256, name, ui_url)], installed CAs
    ledger.remembered_clusters()           # every entry kept, installed or not
    ledger.remember_cluster(ca_sha256, name, ui_url)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from clustertrust.core import certinfo, fileio, paths
from clustertrust.core.errors import InputError, OperationFailed
from clustertrust.core.i18n import tr
from clustertrust.core.model import Kind, Record, Scope, State, cluster_name
from clustertrust.core.target import parse_target

FORMAT = 1
MAX_BYTES = 64 << 20  # a ledger of thousands of items is a few MiB
T = TypeVar("T")
Document = dict[str, Any]  # {"format": 1, "records": [record JSON...], ...other keys kept}


class LedgerError(OperationFailed):
    """The ledger file exists but cannot be used; it is left untouched."""


@dataclass(frozen=True)
class ClusterEntry:
    """What the ledger keeps of a cluster: its CA, the name a person knows it by, and where its
    UI is. Status and the window show it as part of core.model.Cluster."""

    ca_sha256: str
    name: str
    ui_url: str = ""  # "" until one is known; never with user:password or a query

    @property
    def key(self) -> tuple[str, str]:
        """What one entry stands for: its CA, or its name when it has no CA."""
        return ("ca", self.ca_sha256) if self.ca_sha256 else ("name", self.name)

    def to_json(self) -> dict[str, str]:
        return {"ca_sha256": self.ca_sha256, "name": self.name, "ui_url": self.ui_url}


def default_path() -> Path:
    return paths.state_dir() / "ledger.json"


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Ledger:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def records(self) -> list[Record]:
        """All records, oldest first."""
        return self._load()

    def find(self, sha256: str = "", store: str = "", kind: str = "") -> list[Record]:
        """Records whose fingerprint starts with `sha256` (certinfo.fingerprint_prefix; "" for
        any) and match the rest."""
        prefix = certinfo.fingerprint_prefix(sha256) if sha256 else ""
        return [
            r
            for r in self._load()
            if r.sha256.startswith(prefix)
            and (not store or r.store == store)
            and (not kind or r.kind == kind)
        ]

    def get(self, key: tuple[str, str, str]) -> Record | None:
        return next((r for r in self._load() if r.key == key), None)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the ledger for this process (re-entrant); other processes wait."""
        with fileio.exclusive_lock(self.path.with_name(self.path.name + ".lock")):
            yield

    def write_intent(self, record: Record) -> Record:
        """Record that a step is about to put this item in place (before it runs)."""

        def change(document: Document) -> Record:
            old = _find(document, record.key)
            done = old is not None and old.get("state") == State.DONE.value
            stamp = str(old["installed_at"]) if old is not None and done else now_iso()
            return _put(document, replace(record, state=State.INTENT.value, installed_at=stamp))

        return self._update(change)

    def mark_done(self, record: Record) -> Record:
        return self._update(
            lambda document: _put(document, replace(record, state=State.DONE.value))
        )

    def remove(self, record: Record) -> None:
        def change(document: Document) -> None:
            document["records"] = [
                r for r in document["records"] if Record.from_json(r).key != record.key
            ]

        self._update(change)

    # clusters

    def clusters(self) -> list[ClusterEntry]:
        """One per CA in the records (oldest install first), with what was remembered of it."""
        document = self._read_document()
        known = {c.ca_sha256: c for c in _clusters_in(document) if c.ca_sha256}
        cas = [Record.from_json(r) for r in document["records"]]
        found: dict[str, ClusterEntry] = {}
        for record in (r for r in cas if r.kind == Kind.CA.value):
            stored = known.get(record.sha256)
            name = stored.name if stored and stored.name else cluster_name(record.subject)
            found.setdefault(
                record.sha256, ClusterEntry(record.sha256, name, stored.ui_url if stored else "")
            )
        return list(found.values())

    def remembered_clusters(self) -> list[ClusterEntry]:
        """Every remembered entry, oldest first: also those whose CA is no longer installed."""
        return _clusters_in(self._read_document())

    def remember_cluster(self, ca_sha256: str, name: str, ui_url: str = "") -> ClusterEntry:
        """Keep the cluster's name and, when given, its UI address (an old one stays otherwise).
        With no CA (`ca_sha256` ""), the entry is the one of that name."""

        def change(document: Document) -> ClusterEntry:
            known = _clusters_in(document)
            key = ClusterEntry(ca_sha256, name).key
            old = next((c for c in known if c.key == key), None)
            cluster = ClusterEntry(ca_sha256, name, ui_url or (old.ui_url if old else ""))
            kept = [c for c in known if c.key != key]
            document["clusters"] = [c.to_json() for c in [*kept, cluster]]
            return cluster

        return self._update(change)

    def _update(self, change: Callable[[Document], T]) -> T:
        """The one read-modify-write: `change` edits the document in place, under the lock."""
        with self.locked():
            document = self._read_document()
            result = change(document)
            self._save(document)
            return result

    def _load(self) -> list[Record]:
        return [Record.from_json(item) for item in self._read_document()["records"]]

    def _read_document(self) -> Document:
        try:
            data = fileio.read_own(self.path, MAX_BYTES)
        except FileNotFoundError:
            return {"format": FORMAT, "records": []}
        except OSError as exc:
            raise LedgerError(
                tr("The ledger {path} cannot be read: {reason}.").format(
                    path=self.path, reason=exc.strerror
                ),
                tr("Check the file's permissions; nothing was changed."),
            ) from exc
        document = self._parse(data.decode("utf-8", errors="replace"))
        for record in document["records"]:
            _refuse_foreign_location(record["location"])
        return document

    def _parse(self, text: str) -> Document:
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("format") != FORMAT:
                raise ValueError(f"not a format {FORMAT} ledger")
            records = [_checked(Record.from_json(r)) for r in document["records"]]
            document["records"] = [r.to_json() for r in records]
            return document
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            backup = self.path.with_name(self.path.name + ".bak")
            if backup.exists():
                fix = tr(
                    "Repair the file, or move it aside to start a new ledger. The previous "
                    "version is {backup}. Items installed before stay in their stores until "
                    "removed by hand."
                )
            else:
                fix = tr(
                    "Repair the file, or move it aside to start a new ledger. Items installed "
                    "before stay in their stores until removed by hand."
                )
            message = tr(
                "The ledger {path} is damaged ({error}); it lists what ClusterTrust installed, so "
                "it was left untouched and nothing was changed."
            )
            raise LedgerError(
                message.format(path=self.path, error=exc), fix.format(backup=backup)
            ) from exc

    def _save(self, document: Document) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            previous = self.path.read_bytes()
            fileio.write_atomic(self.path.with_name(self.path.name + ".bak"), previous)
        fileio.write_atomic(self.path, json.dumps(document, indent=2).encode("utf-8"))


def _checked(record: Record) -> Record:
    """ValueError for what a hand edit can break and later steps would trip over."""
    expiry = dt.datetime.fromisoformat(record.not_after)  # ValueError for "soon"
    if expiry.tzinfo is None:
        raise ValueError(f"not_after {record.not_after!r} has no time zone")
    for allowed, value in ((Kind, record.kind), (Scope, record.scope), (State, record.state)):
        allowed(value)  # ValueError for a word this version does not know
    return record


def _refuse_foreign_location(location: str) -> None:
    """As root, an item in another user's folder (a browser profile, identity files) is theirs:
    never read, changed or removed by root through this ledger (paths.refuse_foreign)."""
    if Path(location).is_absolute():
        paths.refuse_foreign(Path(location))


def _find(document: Document, key: tuple[str, str, str]) -> dict[str, Any] | None:
    return next((r for r in document["records"] if Record.from_json(r).key == key), None)


def _put(document: Document, record: Record) -> Record:
    """Replace the record with the same key, or append it. A rewrite that knows no renewal link
    (repair putting an item back, an unchanged item marked done) keeps the one recorded."""
    records = document["records"]
    for i, old in enumerate(records):
        known = Record.from_json(old)
        if known.key == record.key:
            record = replace(record, renews=record.renews or known.renews)
            records[i] = record.to_json()
            return record
    records.append(record.to_json())
    return record


def _clusters_in(document: dict[str, Any]) -> list[ClusterEntry]:
    """The remembered clusters; an entry that is not understood is left out, never fatal."""
    listed = document.get("clusters")
    found = []
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict):
            continue
        sha, name, url = (_text(item, key) for key in ("ca_sha256", "name", "ui_url"))
        if sha or name:
            found.append(ClusterEntry(sha, name, _https_only(url)))
    return found


def _https_only(url: str) -> str:
    """An https:// address as kept; "" for anything else a hand edit put there (file:,
    javascript:), which Open and verify must never be given."""
    try:
        parse_target(url)
    except InputError:
        return ""
    return url if url.lower().startswith("https://") else ""


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""
