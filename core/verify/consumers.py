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

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.consumer_names import COMMAND_LINE, SYSTEM_STORE, browser_name
from clustertrust.core.i18n import tr
from clustertrust.core.install import identity
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import (
    BundleRecords,
    Consumer,
    ConsumerKind,
    Record,
    State,
    TrustStore,
    bundle_records,
)


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


def cluster_records(ledger: Ledger, bundle: Bundle) -> BundleRecords:
    """What installs put on this computer for this bundle's cluster (finished steps only): the
    bundle's own items, and older ones of the cluster it supersedes (model.bundle_records)."""
    done = [r for r in ledger.records() if r.state == State.DONE.value]
    return bundle_records(done, bundle, identity.kept_ca_fingerprints)


def find_consumers(inventory: Inventory, bundle: Bundle) -> list[Consumer]:
    records = cluster_records(inventory.ledger, bundle)
    found = _browsers(inventory.browsers, records)
    system = inventory.system.name if inventory.system else ""
    found.append(_consumer(ConsumerKind.SYSTEM, tr(SYSTEM_STORE), records, system))
    files = inventory.files.name if inventory.files else ""
    found.append(_consumer(ConsumerKind.FILES, tr(COMMAND_LINE), records, files))
    return found


def _consumer(kind: ConsumerKind, name: str, records: BundleRecords, store: str) -> Consumer:
    mine = tuple(r for r in records.own if store and r.store == store)
    older = tuple(r for r in records.left_behind if store and r.store == store)
    where = (*mine, *older)[0].location if kind is ConsumerKind.FILES and (mine or older) else store
    return Consumer(kind, name, where, mine, store, older=older)


def _browsers(browsers: BrowserTrust | None, records: BundleRecords) -> list[Consumer]:
    """Every database found now (also profiles made after the install); one the install
    covered that is gone is left out: a deleted profile reaches nothing."""
    if browsers is None:
        return []
    found = []
    for location in browsers.browser_databases():
        here = _same_folder(location)
        mine = _there(records.own, browsers.store_name, here)
        older = _there(records.left_behind, browsers.store_name, here)
        name, store = browser_name(location), browsers.store_name
        found.append(Consumer(ConsumerKind.BROWSER, name, location, mine, store, older=older))
    return found


def _there(records: Sequence[Record], store: str, folder: str) -> tuple[Record, ...]:
    return tuple(r for r in records if r.store == store and _same_folder(r.location) == folder)


def _same_folder(location: str) -> str:
    try:
        return str(Path(location).resolve())
    except OSError:
        return location


def on_linux() -> bool:
    return sys.platform.startswith("linux")
