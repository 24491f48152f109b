"""The consumers on this computer: what a person reaches the cluster with, and what covers them.

A consumer is each browser certificate database (Chromium, each Firefox profile), the OS trust
store, and the command-line clients (the identity files). platform/ finds them and runs the
checks (the NSS tools, the OS store) behind the small protocols below; core decides, and names
each by its folder as `status` does (core/consumer_names.py).

    inventory = detect.current_inventory()     # platform: this computer's consumers and ledger
    consumers = find_consumers(inventory, bundle)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.consumer_names import COMMAND_LINE, SYSTEM_STORE, browser_name
from clustertrust.core.i18n import tr
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Consumer, ConsumerKind, Record, State, TrustStore


@dataclass(frozen=True)
class ChainCheck:
    """One database's judgement of the chain a server sent, for a TLS server."""

    trusted: bool
    error: int | None = None  # the NSS error code (SEC_ERROR_*) when it is not trusted
    ran: bool = True  # False: the check could not run at all; `why` says what is missing
    why: str = ""


class BrowserTrust(Protocol):
    """The browsers' certificate databases (NSS), as platform/nss.py reaches them."""

    store_name: str  # the store id browser records carry in the ledger

    def browser_databases(self) -> Sequence[str]:
        """Each database's folder, as the ledger records it (core names it)."""
        ...

    def check_chain(self, location: str, chain_der: Sequence[bytes]) -> ChainCheck: ...

    def keys_by_certificate(self, location: str) -> dict[str, bool]:
        """SHA-256 of every certificate in the database -> whether its private key is there."""
        ...


@dataclass(frozen=True)
class Inventory:
    """This computer's consumers as platform/ found them, and the ledger of what was installed."""

    ledger: Ledger
    browsers: BrowserTrust | None = None
    system: TrustStore | None = None
    files: TrustStore | None = None


def cluster_records(ledger: Ledger, bundle: Bundle) -> list[Record]:
    """What the install put on this computer for this bundle's cluster (finished steps only)."""
    ours = {certinfo.sha256(c) for c in bundle.ca_certs}
    if bundle.client_cert is not None:
        ours.add(certinfo.sha256(bundle.client_cert))
    return [r for r in ledger.records() if r.sha256 in ours and r.state == State.DONE.value]


def find_consumers(inventory: Inventory, bundle: Bundle) -> list[Consumer]:
    records = cluster_records(inventory.ledger, bundle)
    found = _browsers(inventory.browsers, records)
    system = inventory.system.name if inventory.system else ""
    found.append(_consumer(ConsumerKind.SYSTEM, tr(SYSTEM_STORE), records, system))
    files = inventory.files.name if inventory.files else ""
    found.append(_consumer(ConsumerKind.FILES, tr(COMMAND_LINE), records, files))
    return found


def _consumer(kind: ConsumerKind, name: str, records: list[Record], store: str) -> Consumer:
    mine = tuple(r for r in records if store and r.store == store)
    where = mine[0].location if kind is ConsumerKind.FILES and mine else store
    return Consumer(kind, name, where, mine, store)


def _browsers(browsers: BrowserTrust | None, records: list[Record]) -> list[Consumer]:
    """Every database found now (also profiles made after the install); one the install
    covered that is gone is left out: a deleted profile reaches nothing."""
    if browsers is None:
        return []
    found = []
    for location in browsers.browser_databases():
        here = _same_folder(location)
        mine = tuple(
            r
            for r in records
            if r.store == browsers.store_name and _same_folder(r.location) == here
        )
        name, store = browser_name(location), browsers.store_name
        found.append(Consumer(ConsumerKind.BROWSER, name, location, mine, store))
    return found


def _same_folder(location: str) -> str:
    try:
        return str(Path(location).resolve())
    except OSError:
        return location


def on_linux() -> bool:
    return sys.platform.startswith("linux")
