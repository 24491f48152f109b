"""Renewal: a newer bundle for the same cluster replaces the old items, in one plan.

Order: verify the new bundle against the cluster (nothing changes before it answers), install the
new items, remove the old ones, then check that exactly the new ones are left. A failed install
or a cancel before the removal undoes the new items. The same cluster is the one
model.renewed_clusters names (the new CA; a CA of its name with a client of the same name, as
Kurrent Cloud rotates keys but keeps `<cluster>-ca`), or the one the user names by the
fingerprint of an item (`replaces`). The new CA's records keep what it replaced
(`Record.renews`), so status and verify know the old CA left behind as replaced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from clustertrust.core import certinfo, model
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import (
    Cancelled,
    ClusterTrustError,
    InputError,
    OperationFailed,
)
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install import addresses, identity
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Cluster, Kind, Record, Scope, TrustStore, presence
from clustertrust.core.names import printable
from clustertrust.core.remedy import Action, Remedy

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

    def headline(self) -> str:
        count = len({r.sha256 for r in self.replaced})
        return tr("A renewal: {count} old certificate(s) of this cluster will be replaced.").format(
            count=count
        )

    def check_first(self) -> str:
        """What happens before anything changes (apply_renewal's order, in words)."""
        if not self.verify_url:
            return tr("No UI address is known, so the new certificate cannot be checked first.")
        return tr(
            "First it connects to {url} with the new certificate; if the cluster does not accept "
            "it, nothing is changed."
        ).format(url=self.verify_url)

    def lines(self) -> list[str]:
        old = self.remove.lines()[1:] if self.remove.steps else [tr("  (nothing to remove)")]
        steps = [self.headline(), self.check_first(), *self.install.lines()]
        return [*steps, tr("Then remove the old items:"), *old]

    def text(self) -> str:
        return "\n".join(self.lines())

    def shown(self) -> plans.Plan:
        """One list for pages that show a plan as steps: the installs, then the removals."""
        note = translatable(
            "This renews an installed cluster: its old certificates go once the new are in."
        )
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


def replaced_records(bundle: Bundle, ledger: Ledger, replaces: Sequence[str] = ()) -> list[Record]:
    """The ledger records the bundle replaces, in the installed cluster it renews
    (model.bundle_records), or in the clusters holding an item named by fingerprint
    (`replaces`): then all of them that the bundle does not bring again."""
    if replaces:
        new = model.bundle_fingerprints(bundle)
        chosen = _named_clusters(_clusters(ledger), replaces)
        return [r for c in chosen for r in c.records if r.sha256 not in new]
    kept = identity.kept_ca_fingerprints
    return list(model.bundle_records(ledger.records(), bundle, kept).superseded)


def _clusters(ledger: Ledger) -> list[Cluster]:
    return model.cluster_groups(ledger.records(), identity.kept_ca_fingerprints)


def _named_clusters(clusters: list[Cluster], replaces: Sequence[str]) -> list[Cluster]:
    chosen: list[Cluster] = []
    for given in replaces:
        prefix = certinfo.fingerprint_prefix(given)
        matched = [c for c in clusters if any(r.sha256.startswith(prefix) for r in c.records)]
        if not matched:
            raise InputError(
                tr("No installed item has the fingerprint {text}.").format(text=given),
                tr("See the installed items and their SHA-256."),
                (Remedy(Action.STATUS),),
            )
        chosen += [c for c in matched if c not in chosen]
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
        raise _nothing_to_renew(bundle, ledger)
    install = _linked(plans.plan_install(bundle, scope, stores, ledger), bundle, old)
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
    plan = plans.plan_install(bundle, scope, stores, ledger)
    return replace(plan, notes=(*plan.notes, *_namesake_notes(bundle, ledger)))


def _nothing_to_renew(bundle: Bundle, ledger: Ledger) -> InputError:
    install = (Remedy(Action.INSTALL, (bundle.origin,)),)
    namesakes = _namesakes(bundle, ledger)
    if namesakes:
        return InputError(
            tr(
                "An installed cluster's CA has the name of the CA of {origin}, but nothing else "
                "shows it is the same cluster (its client has another name), so it is taken "
                "as a separate cluster."
            ).format(origin=bundle.origin),
            tr(
                "Install it beside the other, or, if it does renew that cluster, name the old "
                "CA: --replaces {fingerprint}."
            ).format(fingerprint=namesakes[0].ca.sha256[:16] if namesakes[0].ca else ""),
            install,
        )
    return InputError(
        tr("Nothing installed belongs to the cluster of {origin} (no CA with its name).").format(
            origin=bundle.origin
        ),
        tr(
            "Install it instead, or name the old items with --replaces FINGERPRINT if it is "
            "the same cluster under a new CA name."
        ),
        install,
    )


def _namesake_notes(bundle: Bundle, ledger: Ledger) -> list[str]:
    """What an install beside a cluster whose CA has the same name tells the person."""
    note = tr(
        "{name} is already installed with another CA of the same name; this bundle is installed "
        "beside it as a separate cluster. If it renews that cluster, renew it naming the old CA "
        "instead: --replaces {fingerprint}."
    )
    return [
        note.format(name=c.name, fingerprint=c.ca.sha256[:16])
        for c in _namesakes(bundle, ledger)
        if c.ca is not None
    ]


def _namesakes(bundle: Bundle, ledger: Ledger) -> list[Cluster]:
    return model.namesakes(ledger.records(), bundle, identity.kept_ca_fingerprints)


def _linked(plan: plans.Plan, bundle: Bundle, old: Sequence[Record]) -> plans.Plan:
    """The new CA's records keep which CAs the renewal replaces (`Record.renews`)."""
    new = model.bundle_fingerprints(bundle)
    cas = " ".join(sorted({r.sha256 for r in old if r.kind == Kind.CA.value} - new))
    if not cas:
        return plan

    def link(record: Record) -> Record:
        return replace(record, renews=cas) if record.kind == Kind.CA.value else record

    return replace(
        plan,
        steps=tuple(replace(s, record=link(s.record)) for s in plan.steps),
        unchanged=tuple(link(r) for r in plan.unchanged),
    )


def apply_renewal(
    plan: RenewalPlan,
    ledger: Ledger,
    stores: Sequence[TrustStore],
    verify: Callable[[], Verification] | None = None,
    progress: plans.Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Verify, install, remove the old items. OperationFailed/Cancelled say exactly what state
    is left: a failed check changes nothing; a failed install or a cancel before the removal
    undoes the new items (the identity files get the old ones back)."""
    if verify is not None:
        _require_ok(verify())  # the cluster accepts the new bundle: nothing changed before this
    plans.apply_plan(plan.install, ledger, progress, cancelled)  # undoes itself on failure
    if cancelled is not None and cancelled():
        left = plans.undo_steps(plan.install.steps, ledger, progress)
        if left:
            kept = tr("These new items could not be removed again: {items}.").format(
                items=_names(left)
            )
        else:
            kept = tr("The new items were removed again; the old ones are as they were.")
        raise Cancelled(
            tr("Cancelled before the old items were removed. {kept}").format(kept=kept), ""
        )
    _remove_old(plan, ledger, progress, cancelled)


def _require_ok(result: Verification) -> None:
    if not result.ok:
        raise OperationFailed(
            tr(
                "The cluster does not accept the new bundle yet: {why} Nothing was changed; the "
                "old certificates stay installed."
            ).format(why=result.message),
            result.fix,
        )


def _names(steps: Sequence[plans.Step]) -> str:
    where = tr("{subject} in {location}")
    return ", ".join(
        where.format(subject=printable(s.record.subject), location=s.record.location) for s in steps
    )


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
            tr("The new bundle is installed and verified, but: {why}").format(why=error.message),
            error.fix
            or tr("The old items stay beside the new ones: remove them by their SHA-256."),
            error.remedies if error.fix else (Remedy(Action.STATUS),),
        ) from error
    _settle(plan)


def _settle(plan: RenewalPlan) -> None:
    """Make sure the removal took exactly the old items. NSS files a certificate under the
    nickname its subject already has, so removing the old one may take the new one with it:
    put back what was lost, then check once more."""
    by_name = {s.name: s for s in plan.stores}
    for _ in range(SETTLE_ROUNDS):
        lingering = [s for s in plan.remove.steps if _present(by_name, s.record) is True]
        lost = [s for s in plan.install.steps if _present(by_name, s.record) is False]
        if not lingering and not lost:
            return
        for step in [*lingering, *lost]:
            record = step.record  # the log stays English: not the step's (translated) summary
            log.info(
                "renewal: %s of %s in %s again (the removal of the old items took it too)",
                step.action,
                record.subject,
                record.location,
            )
            step.run()
    unsettled = _unsettled(plan, by_name)
    if unsettled:
        raise OperationFailed(
            tr("After the renewal these items are not as planned: {items}.").format(
                items=unsettled
            ),
            tr("Put back what is missing with Repair."),
            (Remedy(Action.REPAIR),),
        )


def _present(by_name: dict[str, TrustStore], record: Record) -> bool | None:
    return presence(by_name.get(record.store), record)


def _unsettled(plan: RenewalPlan, by_name: dict[str, TrustStore]) -> str:
    old = [s for s in plan.remove.steps if _present(by_name, s.record) is True]
    lost = [s for s in plan.install.steps if _present(by_name, s.record) is False]
    return "; ".join(
        part
        for part in (
            tr("still there: {items}").format(items=_names(old)) if old else "",
            tr("missing: {items}").format(items=_names(lost)) if lost else "",
        )
        if part
    )
