"""Repair: put back what went missing since the install, and cover browser profiles that appeared.

    repair = plan_repair(setup)                  # setup = detect.all_stores_setup()
    print(repair.text())                         # for people (--dry-run, the clusters window)
    plans.apply_plan(repair.plan, setup.ledger)  # an install plan: a failure undoes itself

An item is missing when its store says so now (a CA deleted from a browser, trust cleared by an OS
update). A browser profile is new when an install of the cluster's bundle would reach it today but
the ledger has nothing of the cluster there. Both are re-planned from the bundle material the
identity files keep; without it (a CA-only bundle, files deleted) the item is named, not guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from clustertrust.core import model
from clustertrust.core.consumer_names import consumer_name
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install import clusters as groups
from clustertrust.core.install import plan as plans
from clustertrust.core.model import Cluster, Scope, Setup, Step, TrustStore, presence, trust_host_of

NO_MATERIAL = translatable(
    "ClusterTrust keeps no copy of this cluster's bundle (its identity files are gone, or it "
    "had no client certificate); install the bundle again."
)
GONE = translatable(
    "that store or browser profile is no longer on this computer; nothing to put back."
)


@dataclass(frozen=True)
class Repair:
    plan: plans.Plan  # an install plan holding every repair step
    put_back: tuple[Step, ...]  # items the ledger lists that are missing now
    new: tuple[Step, ...]  # items for browser profiles found since the install
    cannot: tuple[tuple[str, str], ...] = ()  # (what, why it cannot be put back)

    @property
    def is_empty(self) -> bool:
        return self.plan.is_empty

    def lines(self) -> list[str]:
        if self.is_empty and not self.cannot:
            return [
                tr("Nothing to repair: every item is in place and every browser profile is set up.")
            ]
        head = tr(
            "Repair: {missing} missing item(s) to put back, {new} to add for browser profiles "
            "found since the install."
        ).format(missing=len(self.put_back), new=len(self.new))
        steps = self.plan.lines()[1:]
        cannot = tr("- cannot put back {what}: {why}")
        return [head, *steps, *(cannot.format(what=w, why=tr(why)) for w, why in self.cannot)]

    def text(self) -> str:
        return "\n".join(self.lines())

    def to_json(self) -> dict[str, Any]:
        return {
            "put_back": [s.to_json() for s in self.put_back],
            "new": [s.to_json() for s in self.new],
            "cannot": [{"item": what, "reason": why} for what, why in self.cannot],
            "plan": self.plan.to_json(),
        }


def plan_repair(
    setup: Setup, hosted: Callable[[str], Sequence[TrustStore]] | None = None
) -> Repair:
    """Looks at every store (a certutil listing per browser database); changes nothing.
    `hosted(host)`: the stores that trust a CA for that host only, for a cluster whose CA was
    installed so (without it such a cluster is re-planned with `setup.stores`)."""
    put_back: list[Step] = []
    new: list[Step] = []
    cannot: list[tuple[str, str]] = []
    for cluster in model.superseded(groups.group_items(plans.status(setup.ledger, setup.stores))):
        if cluster.superseded:  # what a renewal meant to remove is not put back
            continue
        host = trust_host_of(cluster.records)
        stores = hosted(host) if host and hosted else setup.stores
        back, added, impossible = _repair_cluster(cluster, stores)
        put_back += back
        new += added
        cannot += impossible
    steps = (*put_back, *new)
    scopes = {s.record.scope for s in steps}
    scope = scopes.pop() if len(scopes) == 1 else Scope.USER.value
    notes = tuple(dict.fromkeys(s.note for s in steps if s.note))
    plan = plans.Plan("install", scope, steps, notes=notes)
    return Repair(plan, tuple(put_back), tuple(new), tuple(cannot))


def _repair_cluster(
    cluster: Cluster, stores: Sequence[TrustStore]
) -> tuple[list[Step], list[Step], list[tuple[str, str]]]:
    missing = {i.record.key: i.record for i in cluster.items if i.present is False}
    used = [s for s in stores if s.name in {r.store for r in cluster.records}]
    expected = groups.expected_steps(cluster, used)
    if not expected:
        why = groups.material_problem(cluster) or NO_MATERIAL
        return ([], [], [(_what(r.subject, r.store, r.location), why) for r in missing.values()])
    source = next((r.source for r in cluster.records if r.source), "")
    known = {r.key for r in cluster.records}
    by_name = {s.name: s for s in used}
    back, added = [], []
    for step in expected:
        key = step.record.key
        if key in missing:
            back.append(replace(step, record=replace(step.record, source=missing[key].source)))
        # a store that cannot be asked is better not touched
        elif key not in known and presence(by_name[step.record.store], step.record) is False:
            added.append(replace(step, record=replace(step.record, source=source)))
    reached = {s.record.key for s in expected}
    gone = [
        (_what(r.subject, r.store, r.location), GONE)
        for k, r in missing.items()
        if k not in reached
    ]
    return back, added, gone


def _what(subject: str, store: str, location: str) -> str:
    return tr("{subject} in {consumer} ({location})").format(
        subject=repr(subject), consumer=consumer_name(store, location), location=location
    )


__all__ = ["Repair", "plan_repair"]
