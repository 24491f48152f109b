"""The ledger: an atomic JSON file recording every item ClusterTrust put into a store.

    ledger = Ledger()                      # <state_dir>/ledger.json, or Ledger(path)
    for record in ledger.records():        # each a platform.store.Record:
        record.sha256, record.subject, record.not_after, record.store, record.location,
        record.scope, record.source, record.installed_at, record.state  # "intent" | "done"

A record is written with state "intent" before its step runs and "done" after, so a crash
leaves a record that `status` reports and `uninstall` can finish. Every write goes to a temp
file, is fsynced and renamed over the old one; the previous version is kept as ledger.json.bak.
A ledger that cannot be read is never overwritten: LedgerError says where it is and what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from clustertrust.core import certinfo, paths
from clustertrust.core.errors import OperationFailed
from clustertrust.core.model import Record, State

FORMAT = 1


class LedgerError(OperationFailed):
    """The ledger file exists but cannot be used; it is left untouched."""


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

    def write_intent(self, record: Record) -> Record:
        """Record that a step is about to put this item in place (before it runs)."""
        old = self.get(record.key)
        stamp = old.installed_at if old and old.state == State.DONE else now_iso()
        return self._upsert(replace(record, state=State.INTENT.value, installed_at=stamp))

    def mark_done(self, record: Record) -> Record:
        return self._upsert(replace(record, state=State.DONE.value))

    def remove(self, record: Record) -> None:
        kept = [r for r in self._load() if r.key != record.key]
        self._save(kept)

    def _upsert(self, record: Record) -> Record:
        records = self._load()
        for i, old in enumerate(records):
            if old.key == record.key:
                records[i] = record
                break
        else:
            records.append(record)
        self._save(records)
        return record

    def _load(self) -> list[Record]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LedgerError(
                f"The ledger {self.path} cannot be read: {exc.strerror}.",
                "Check the file's permissions; nothing was changed.",
            ) from exc
        return self._parse(text)

    def _parse(self, text: str) -> list[Record]:
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("format") != FORMAT:
                raise ValueError(f"not a format {FORMAT} ledger")
            return [Record.from_json(item) for item in document["records"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            backup = self.path.with_name(self.path.name + ".bak")
            hint = f" The previous version is {backup}." if backup.exists() else ""
            raise LedgerError(
                f"The ledger {self.path} is damaged ({exc}); it lists what ClusterTrust "
                "installed, so it was left untouched and nothing was changed.",
                f"Repair the file, or move it aside to start a new ledger.{hint} Items installed "
                "before stay in their stores until removed by hand.",
            ) from exc

    def _save(self, records: list[Record]) -> None:
        document: dict[str, Any] = {"format": FORMAT, "records": [r.to_json() for r in records]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            shutil.copyfile(self.path, self.path.with_name(self.path.name + ".bak"))
        fd, tmp = tempfile.mkstemp(prefix=".ledger-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_folder(self.path.parent)


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for fsync; the rename is durable there
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
