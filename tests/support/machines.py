"""A `Machine` (core.model) over the stores a test gives, for the use cases in core.actions.

`stores(trust_host)` makes the stores for one call of `setup`, as platform.detect does: the OS
store trusts a CA it installs for that host only where the OS can (macOS). Every scope gets the
same stores; `wanted` (store names) is not modelled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope, Setup, TrustStore


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
