"""A `Machine` (core.model) over the stores a test gives, for the use cases in core.actions,
and a TrustStore that keeps its items in memory.

`stores(trust_host)` makes the stores for one call of `setup`, as platform.detect does: the OS
store trusts a CA it installs for that host only where the OS can (macOS). Every scope gets the
same stores; `wanted` (store names) is not modelled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import CommandError
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import (
    Availability,
    Kind,
    Record,
    Scope,
    Setup,
    Step,
    TrustStore,
    record_for,
)


class FakeMachine:
    is_sandbox = False

    def __init__(
        self,
        ledger: Ledger | Path,
        stores: Callable[[str], Sequence[TrustStore]],
        inventory: Any = None,
    ) -> None:
        self.ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
        self.stores = stores
        self._inventory = inventory
        self.trust_hosts: list[str] = []  # what each setup was asked for

    def setup(
        self, scope: Scope | None = None, wanted: Sequence[str] | None = None, trust_host: str = ""
    ) -> Setup:
        self.trust_hosts.append(trust_host)
        return Setup(tuple(self.stores(trust_host)), self.ledger)

    def inventory(self) -> Any:
        return self._inventory

    def facts(self) -> dict[str, Any]:
        return {"system": {"os": "test"}, "stores": [], "tools": {}}


class MemoryStore:
    """A TrustStore (core.model) that keeps its items in memory, one database per profile, as
    the browsers' NSS store does: each profile gets the bundle's CA and client. `profiles` may
    grow (a profile made after the install); `broken` makes every question fail, as a tool
    that cannot run; `available` False is a store this computer does not have."""

    name = "nss"
    title = "Browsers (in memory)"

    def __init__(self, *profiles: str) -> None:
        self.profiles = list(profiles)
        self.held: set[tuple[str, str, str]] = set()
        self.available = True
        self.broken = False

    def detect(self) -> Availability:
        return Availability(self.available, "" if self.available else "not on this computer")

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        pieces = [(bundle.ca, Kind.CA), (bundle.client_cert, Kind.IDENTITY)]
        return [
            self._step("install", record_for(cert, kind, self.name, folder, "nick", scope))
            for folder in self.profiles
            for cert, kind in pieces
            if cert is not None
        ]

    def is_installed(self, record: Record) -> bool:
        if self.broken:
            raise CommandError(("certutil", "-L"), 1, "certutil: function failed")
        return record.key in self.held

    def plan_remove(self, record: Record) -> list[Step]:
        return [self._step("remove", record)]

    def _step(self, action: str, record: Record) -> Step:
        add, take = (lambda: self.held.add(record.key)), (lambda: self.held.discard(record.key))
        run, undo = (add, take) if action == "install" else (take, add)
        summary = f"{action} {record.subject} in {record.location}"
        return Step(action, record, summary, (), (), run=run, undo=undo)
