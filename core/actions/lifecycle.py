"""Install, renew, repair, remove and status: what each user action plans and applies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.cancel import CancelToken
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.core.install import clusters as groups
from clustertrust.core.install import plan as plans
from clustertrust.core.install import renewal
from clustertrust.core.install import repair as repairs
from clustertrust.core.install.addresses import cluster_of
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Cluster, Machine, Record, Scope, Setup, trust_host_of
from clustertrust.core.remedy import Action, Remedy


@dataclass(frozen=True)
class Changes:
    """A plan as shown and applied: an install, a renewal, a repair or a removal."""

    plan: plans.Plan  # the steps as pages list them (a renewal's installs, then its removals)
    setup: Setup
    renewal: renewal.RenewalPlan | None = None
    repair: repairs.Repair | None = None
    bundle: Bundle | None = None  # a renewal checks it at the cluster before anything changes
    remember: bool = True  # a renewal's check may remember the address (not in the demo)

    @property
    def is_empty(self) -> bool:
        return self.plan.is_empty

    def text(self) -> str:
        return (self.renewal or self.repair or self.plan).text()

    def to_json(self) -> dict[str, Any]:
        return (self.renewal or self.repair or self.plan).to_json()


def plan_changes(
    machine: Machine,
    bundle: Bundle,
    scope: Scope,
    stores: Sequence[str] | None = None,
    trust_host: str = "",
    verify_url: str | None = None,
) -> Changes:
    """What a bundle leads to: the renewal of the installed cluster it belongs to, else an
    install. A renewal keeps the trust host of what it replaces unless one is given. Raises
    InputError for a bundle with errors or nowhere to go."""
    replaced = renewal.replaced_records(bundle, machine.setup().ledger)
    setup = machine.setup(scope, stores, trust_host or trust_host_of(replaced))
    everywhere = machine.setup().stores  # old items may sit in stores this scope does not use
    decided = renewal.plan_changes(
        bundle, scope, setup.stores, setup.ledger, everywhere, verify_url or None
    )
    if isinstance(decided, renewal.RenewalPlan):
        return _renewal(machine, decided, setup, bundle)
    return Changes(decided, setup, bundle=bundle)


def plan_renewal(
    machine: Machine,
    bundle: Bundle,
    scope: Scope | None = None,
    stores: Sequence[str] | None = None,
    replaces: Sequence[str] = (),
    verify_url: str | None = None,
    cluster: Cluster | None = None,
) -> Changes:
    """The renewal of an installed cluster (the one given, or the bundle's): in the scope the
    cluster is installed in unless one is given, checked at `verify_url` or the address
    remembered for the cluster before anything changes; the CA trusted for the same host
    (macOS) as the one it replaces."""
    if cluster is not None:
        _same_cluster(bundle, cluster)
    ledger = machine.setup().ledger
    replaced = renewal.replaced_records(bundle, ledger, replaces)
    if not (replaced or replaces) and cluster is not None and cluster.ca is not None:
        # chosen in the window, tied to the bundle by its CA's name alone (model.renewed_clusters
        # wants more): named by its CA, as `renew --replaces` names it
        replaces = (cluster.ca.sha256,)
        replaced = renewal.replaced_records(bundle, ledger, replaces)
    scope = scope or renewal.scope_of(replaced)
    setup = machine.setup(scope, stores, trust_host_of(replaced))
    everywhere = machine.setup().stores
    url = verify_url or (cluster.ui_url if cluster else None) or None
    decided = renewal.plan_renewal(
        bundle, scope, setup.stores, setup.ledger, replaces, url, everywhere
    )
    return _renewal(machine, decided, setup, bundle)


def _renewal(
    machine: Machine, decided: renewal.RenewalPlan, setup: Setup, bundle: Bundle
) -> Changes:
    remember = not machine.is_sandbox
    return Changes(decided.shown(), setup, decided, bundle=bundle, remember=remember)


def _same_cluster(bundle: Bundle, cluster: Cluster) -> None:
    name = cluster_of(bundle)
    if cluster.ca is not None and name != cluster.name:
        raise InputError(
            tr("This bundle is for the cluster {name}, not {cluster}; nothing was changed.").format(
                name=name, cluster=cluster.name
            ),
            tr(
                "Choose the renewed bundle of {cluster}, or install this one with the wizard."
            ).format(cluster=cluster.name),
        )


def plan_repair(machine: Machine) -> Changes:
    """Put back what went missing; cover browser profiles found since the install. A CA that
    was trusted for one host only (macOS) is put back for that host only."""
    setup = machine.setup()
    repair = repairs.plan_repair(setup, lambda host: machine.setup(trust_host=host).stores)
    return Changes(repair.plan, setup, repair=repair)


def plan_removal(
    machine: Machine, fingerprints: Sequence[str] = (), everything: bool = False
) -> Changes:
    """Remove the items with these fingerprints (or every item ClusterTrust installed)."""
    setup = machine.setup()
    records = setup.ledger.records() if everything else chosen(setup.ledger, fingerprints)
    return Changes(plans.plan_uninstall(records, setup.stores), setup)


STATUS = Remedy(Action.STATUS)


def chosen(ledger: Ledger, fingerprints: Sequence[str]) -> list[Record]:
    """The records the typed fingerprints name; InputError when one names none or several."""
    if not fingerprints:
        raise InputError(
            tr("Say what to remove."),
            tr("Give the SHA-256 fingerprints of the items (status lists them), or --all."),
            (STATUS,),
        )
    picked: dict[tuple[str, str, str], Record] = {}
    for text in fingerprints:
        matches = ledger.find(certinfo.fingerprint_prefix(text))  # "" would mean every item
        if not matches:
            raise InputError(
                tr("Nothing in the ledger has the fingerprint {text}.").format(text=text),
                tr("See what is installed."),
                (STATUS,),
            )
        if len({r.sha256 for r in matches}) > 1:
            raise InputError(
                tr("{text} matches more than one certificate.").format(text=text),
                tr("Give more digits of the fingerprint."),
            )
        picked.update((r.key, r) for r in matches)
    return list(picked.values())


def apply_changes(
    changes: Changes,
    progress: plans.Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """Carry out what was shown. A failed install undoes itself; a renewal is checked at the
    cluster first (`cancel` stops that check)."""
    ledger = changes.setup.ledger
    if changes.renewal is None:
        plans.apply_plan(changes.plan, ledger, progress, cancelled)
        return
    plan, bundle = changes.renewal, changes.bundle
    check = None
    if plan.verify_url and bundle is not None:
        url = plan.verify_url
        check = lambda: _accepted(url, bundle, cancel, changes.remember)  # noqa: E731
    renewal.apply_renewal(plan, ledger, plan.stores, check, progress, cancelled)


def _accepted(
    url: str, bundle: Bundle, cancel: CancelToken | None, remember: bool
) -> renewal.Verification:
    """Does the cluster accept the new bundle (its own CA and client certificate)?"""
    from clustertrust.core.verify import run

    report = run.verify_url(
        url, bundle, modes=(run.TrustMode.BUNDLE,), cancel=cancel, remember=remember
    )
    return report.result(run.TrustMode.BUNDLE) or report.results[0]


def cluster_status(machine: Machine) -> list[Cluster]:
    """Every installed cluster, each item checked in its store, each consumer judged."""
    return groups.cluster_status(machine.setup())
