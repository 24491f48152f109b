"""Renewal: a newer bundle for the same cluster replaces the old items, in one plan.

Order: install the new items, verify them against the cluster, then remove the old ones. If the
install or the verification fails (or the user cancels before the removal), the new items are
undone and the old ones were never touched. The same cluster means: an installed CA has the
new CA's subject (Kurrent Cloud rotates keys but keeps `<cluster>-ca`), or the user names the
old items by fingerprint (`replaces`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import (
    Cancelled,
    ClusterTrustError,
    CommandError,
    InputError,
    OperationFailed,
)
from clustertrust.core.install import addresses, identity
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Kind, Record, Scope, TrustStore
from cryptography import x509

log = logging.getLogger("clustertrust.renewal")
SETTLE_ROUNDS = 2


class Verification(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...

    @property
    def fix(self) -> str: ...


@dataclass(frozen=True)
class RenewalPlan:
    install: plans.Plan
    remove: plans.Plan
    replaced: tuple[Record, ...]
    verify_url: str | None = None
    stores: tuple[TrustStore, ...] = field(default=(), repr=False)  # install and removal stores

    def lines(self) -> list[str]:
        count = len({r.sha256 for r in self.replaced})
        head = f"Renewal: {count} old certificate(s) of this cluster will be replaced."
        check = (
            f"Then verify {self.verify_url} with the new bundle; if that fails, the new items "
            "are removed again and the old ones stay."
            if self.verify_url
            else "No address to verify was given: the old items go right after the install."
        )
        old = self.remove.lines()[1:] if self.remove.steps else ["  (nothing to remove)"]
        return [head, *self.install.lines(), check, "Then remove the old items:", *old]

    def text(self) -> str:
        return "\n".join(self.lines())

    def shown(self) -> plans.Plan:
        """One list for pages that show a plan as steps: the installs, then the removals."""
        note = "This renews an installed cluster: its old certificates go once the new are in."
        return replace(
            self.install,
            steps=(*self.install.steps, *self.remove.steps),
            notes=(*self.install.notes, note),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "install": self.install.to_json(),
            "verify_url": self.verify_url,
            "remove": self.remove.to_json(),
            "replaced": [r.to_json() for r in self.replaced],
        }


def _new_fingerprints(bundle: Bundle) -> set[str]:
    certs = [*bundle.ca_certs, *([bundle.client_cert] if bundle.client_cert else [])]
    return {certinfo.sha256(c) for c in certs}


def replaced_records(bundle: Bundle, ledger: Ledger, replaces: Sequence[str] = ()) -> list[Record]:
    """The ledger records the bundle replaces: by fingerprint when given, else by CA subject."""
    new = _new_fingerprints(bundle)
    records = [r for r in ledger.records() if r.sha256 not in new]
    if replaces:
        return _by_fingerprint(records, replaces, ledger)
    ca_names = {certinfo.common_name(c.subject) for c in bundle.ca_certs}
    old_cas = [r for r in records if r.kind == Kind.CA.value and r.subject in ca_names]
    if bundle.client_cert is None:
        return old_cas
    client_name = certinfo.common_name(bundle.client_cert.subject)
    clients = [
        r
        for r in records
        if r.kind == Kind.IDENTITY.value
        and r.subject == client_name
        and (old_cas or _kept_ca_names(r) & ca_names)
    ]
    return old_cas + clients


def _kept_ca_names(record: Record) -> set[str]:
    """Identity files keep their CA beside the key: its name tells which cluster they are for."""
    if record.store != identity.NAME:
        return set()
    path = identity.IdentityPaths.at(Path(record.location), record.sha256).ca
    try:
        return {
            certinfo.common_name(c.subject)
            for c in x509.load_pem_x509_certificates(path.read_bytes())
        }
    except (OSError, ValueError):
        return set()


def _by_fingerprint(records: list[Record], replaces: Sequence[str], ledger: Ledger) -> list[Record]:
    chosen: list[Record] = []
    for given in replaces:
        prefix = certinfo.fingerprint_prefix(given)
        matched = [r for r in records if r.sha256.startswith(prefix)]
        if not matched:
            raise InputError(
                f"No installed item other than the new bundle's has the fingerprint {given}.",
                "Run `clustertrust status` to see the installed items and their SHA-256.",
            )
        chosen += [r for r in matched if r not in chosen]
    return chosen


def scope_of(records: Sequence[Record]) -> Scope:
    """The scope a renewal keeps: system when any of the cluster's items is system-wide."""
    return Scope.SYSTEM if any(r.scope == Scope.SYSTEM.value for r in records) else Scope.USER


def plan_renewal(
    bundle: Bundle,
    scope: Scope,
    stores: Sequence[TrustStore],
    ledger: Ledger,
    replaces: Sequence[str] = (),
    verify_url: str | None = None,
    removal_stores: Sequence[TrustStore] | None = None,
) -> RenewalPlan:
    """Raises InputError when the bundle has errors or nothing would be replaced. Old items may
    sit in stores the new install does not use: `removal_stores` (default `stores`) covers them."""
    old = replaced_records(bundle, ledger, replaces)
    if not old:
        raise InputError(
            f"Nothing installed belongs to the cluster of {bundle.origin} (no CA with its name).",
            "Install it with `clustertrust install`, or name the old items with --replaces "
            "FINGERPRINT if it is the same cluster under a new CA name.",
        )
    install = plans.plan_install(bundle, scope, stores, ledger)
    remove = plans.plan_uninstall(old, removal_stores or stores)
    every = tuple({s.name: s for s in [*(removal_stores or ()), *stores]}.values())
    # Checked before the old items go: the address given, else the one remembered for the cluster.
    url = verify_url or addresses.remembered_url(ledger, bundle) or None
    return RenewalPlan(install, remove, tuple(old), url, every)


def plan_changes(
    bundle: Bundle,
    scope: Scope,
    stores: Sequence[TrustStore],
    ledger: Ledger,
    removal_stores: Sequence[TrustStore] | None = None,
    verify_url: str | None = None,
) -> plans.Plan | RenewalPlan:
    """What a bundle leads to, decided here for the wizard and the command line alike: the
    renewal of the installed cluster it belongs to, or else a plain install."""
    if replaced_records(bundle, ledger):
        return plan_renewal(bundle, scope, stores, ledger, (), verify_url, removal_stores)
    return plans.plan_install(bundle, scope, stores, ledger)


def apply_renewal(
    plan: RenewalPlan,
    ledger: Ledger,
    stores: Sequence[TrustStore],
    verify: Callable[[], Verification] | None = None,
    progress: plans.Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Install, verify, remove. OperationFailed/Cancelled say exactly what state is left."""
    plans.apply_plan(plan.install, ledger, progress, cancelled)  # undoes itself on failure
    try:
        if verify is not None:
            _require_ok(verify())
        if cancelled is not None and cancelled():
            raise Cancelled("Cancelled before the old items were removed.", "")
    except ClusterTrustError as error:
        _undo_install(plan, ledger, stores)
        kept = "The new items were removed again; the old ones are untouched."
        raise type(error)(f"{error.message} {kept}", error.fix) from error
    _remove_old(plan, ledger, progress, cancelled)


def _require_ok(result: Verification) -> None:
    if not result.ok:
        raise OperationFailed(f"The new bundle did not verify: {result.message}", result.fix)


def _undo_install(plan: RenewalPlan, ledger: Ledger, stores: Sequence[TrustStore]) -> None:
    records = [ledger.get(s.record.key) or s.record for s in plan.install.steps]
    plans.apply_plan(plans.plan_uninstall(records, stores), ledger)


def _remove_old(
    plan: RenewalPlan,
    ledger: Ledger,
    progress: plans.Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    offset = len(plan.install.steps)
    shifted = (lambda i, step, status: progress(i + offset, step, status)) if progress else None
    try:
        plans.apply_plan(plan.remove, ledger, shifted, cancelled)
    except ClusterTrustError as error:
        raise type(error)(
            f"The new bundle is installed and verified, but: {error.message}",
            error.fix or "Remove the old items with `clustertrust uninstall FINGERPRINT`.",
        ) from error
    _settle(plan)


def _settle(plan: RenewalPlan) -> None:
    """Make sure the removal took only the old items. NSS gives a certificate with an existing
    subject the existing nickname, so deleting the old identity by nickname can take the new one
    and leave the old: remove what lingers again, then put back what was lost."""
    by_name = {s.name: s for s in plan.stores}
    for _ in range(SETTLE_ROUNDS):
        lingering = [s for s in plan.remove.steps if _present(by_name, s.record) is True]
        lost = [s for s in plan.install.steps if _present(by_name, s.record) is False]
        if not lingering and not lost:
            return
        for step in [*lingering, *lost]:
            log.warning(
                "renewal: %s again (the removal of the old items disturbed it)", step.summary
            )
            step.run()
    names = ", ".join(f"{r.subject} in {r.location}" for r in _unsettled(plan, by_name))
    raise OperationFailed(
        f"After the renewal these items are not as planned: {names}.",
        "Run `clustertrust status`, then uninstall what is old and install the bundle again.",
    )


def _present(by_name: dict[str, TrustStore], record: Record) -> bool | None:
    store = by_name.get(record.store)
    if store is None:
        return None
    try:
        return store.is_installed(record)
    except (ClusterTrustError, CommandError, OSError):
        return None


def _unsettled(plan: RenewalPlan, by_name: dict[str, TrustStore]) -> list[Record]:
    old = [s.record for s in plan.remove.steps if _present(by_name, s.record) is True]
    return old + [s.record for s in plan.install.steps if _present(by_name, s.record) is False]
