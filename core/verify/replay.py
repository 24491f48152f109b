"""One verification judged twice from the same evidence: once in the person's language, once in
English for last-verify.json (the support report reads the same in every language). The second
judgement connects to nothing and runs no certutil check again: it is handed what the first saw.

    evidence = Evidence()
    report = judge_all(evidence.exchange, evidence.browsers(inventory))    # real connections
    with english():
        stored = judge_all(evidence.replay().exchange, evidence.browsers(inventory))
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import replace

from clustertrust.core.cancel import CancelToken, Deadline
from clustertrust.core.target import Target
from clustertrust.core.verify.connect import Exchange, StepFailed, exchange
from clustertrust.core.verify.consumers import BrowserTrust, ChainCheck, Inventory


class Evidence:
    """Every connection's outcome in the order they were made; a replay hands them out again
    in that order (the judgement is the same code on the same inputs, so it asks in order)."""

    def __init__(self) -> None:
        self._seen: list[Exchange | StepFailed] = []
        self._next: int | None = None  # None: connect for real and record
        self._browsers: _RememberedBrowsers | None = None

    def replay(self) -> Evidence:
        again = Evidence()
        again._seen, again._next, again._browsers = self._seen, 0, self._browsers
        return again

    def exchange(
        self, target: Target, context: ssl.SSLContext, deadline: Deadline, cancel: CancelToken
    ) -> Exchange:
        if self._next is None:
            try:
                seen: Exchange | StepFailed = exchange(target, context, deadline, cancel)
            except StepFailed as failure:
                seen = failure
            self._seen.append(seen)
        else:
            seen = self._seen[self._next]
            self._next += 1
        if isinstance(seen, StepFailed):
            raise seen
        return seen

    def browsers(self, inventory: Inventory) -> Inventory:
        """The inventory whose browser checks are made once and answered from memory after."""
        if inventory.browsers is None:
            return inventory
        if self._browsers is None:
            self._browsers = _RememberedBrowsers(inventory.browsers)
        return replace(inventory, browsers=self._browsers)


class _RememberedBrowsers:
    def __init__(self, browsers: BrowserTrust) -> None:
        self._browsers = browsers
        self.store_name = browsers.store_name
        self._chains: dict[tuple[str, tuple[bytes, ...]], ChainCheck] = {}
        self._keys: dict[str, dict[str, bool]] = {}
        self._databases: Sequence[str] | None = None

    def browser_databases(self) -> Sequence[str]:
        if self._databases is None:
            self._databases = list(self._browsers.browser_databases())
        return self._databases

    def check_chain(self, location: str, chain_der: Sequence[bytes]) -> ChainCheck:
        key = (location, tuple(chain_der))
        if key not in self._chains:
            self._chains[key] = self._browsers.check_chain(location, chain_der)
        return self._chains[key]

    def keys_by_certificate(self, location: str) -> dict[str, bool]:
        if location not in self._keys:
            self._keys[location] = self._browsers.keys_by_certificate(location)
        return self._keys[location]
