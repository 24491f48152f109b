"""Plans: the exact, ordered changes for this machine, shown before anything changes.

Public API (stores come from clustertrust.platform.detect):

    from clustertrust.platform import detect
    from clustertrust.core.install import plan as plans
    from clustertrust.core.install.ledger import Ledger

    setup = detect.current_setup(scope)            # or detect.sandbox_setup(root) for the demo
    plan = plans.plan_install(bundle, scope, setup.stores, setup.ledger)
    print(plan.text())                             # for people (--dry-run, the wizard)
    plan.to_json()                                 # for --json
    plans.apply_plan(plan, setup.ledger, progress=on_step, cancelled=lambda: flag.is_set())
        # on_step(index, step, StepStatus) is called as each step runs/finishes/fails/is undone;
        # `cancelled` is asked before every step (cancelling between steps is always safe).
        # Failure: done steps are undone in reverse, then OperationFailed (exit 1) is raised,
        # or Cancelled (exit 3) when the user cancelled or refused an authorization prompt.
    plans.status(setup.ledger, setup.stores)       # [ItemStatus(record, present, days_left)]
    plan = plans.plan_uninstall(records, setup.stores)   # then apply_plan as above

A removal plan does not roll back (a removed private key cannot be put back): each removal is
tried, the ones that fail keep their ledger record, and OperationFailed lists them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from clustertrust.core import certinfo
from clustertrust.core.bundle.checks import check_bundle, has_errors, store_refusals
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import (
    Cancelled,
    ClusterTrustError,
    CommandError,
    InputError,
    OperationFailed,
)
from clustertrust.core.i18n import tr
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import ItemStatus, Kind, Record, Scope, Step, TrustStore, presence
from clustertrust.core.names import printable
from clustertrust.core.remedy import Action, Remedy

# What a failing step raises: a tool's error, ours, the OS's, and ValueError for an argument
# a process cannot take (an embedded NUL).
STEP_ERRORS = (CommandError, ClusterTrustError, OSError, ValueError)
REMOVE_ALL = Remedy(Action.UNINSTALL, ("--all",))


class StepStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNDOING = "undoing"
    UNDONE = "undone"
    UNDO_FAILED = "undo_failed"


Progress = Callable[[int, Step, StepStatus], None]


@dataclass(frozen=True)
class Plan:
    action: str  # "install" or "uninstall"
    scope: str
    steps: tuple[Step, ...]
    unchanged: tuple[Record, ...] = ()  # already present: nothing to do
    unavailable: tuple[tuple[str, str], ...] = ()  # (store title, why and what to do)
    notes: tuple[str, ...] = ()

    @property
    def needs_authorization(self) -> bool:
        return any(s.needs_authorization for s in self.steps)

    @property
    def is_empty(self) -> bool:
        return not self.steps

    def lines(self) -> list[str]:
        if self.action == "install":
            head = tr("Plan to install ({scope} scope): {count} step(s)")
        else:
            head = tr("Plan to remove ({scope} scope): {count} step(s)")
        lines = [head.format(scope=self.scope, count=len(self.steps))]
        for number, step in enumerate(self.steps, 1):
            first, *rest = step.lines()
            lines += [f"{number}. {first}", *rest]
        in_place = tr("= already in place: {subject} in {store} ({location})")
        lines += [
            in_place.format(subject=printable(r.subject), store=r.store, location=r.location)
            for r in self.unchanged
        ]
        skipped = tr("- skipped {store}: {why}")
        lines += [skipped.format(store=title, why=why) for title, why in self.unavailable]
        lines += [tr("Note: {note}").format(note=tr(n)) for n in self.notes]
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "scope": self.scope,
            "needs_authorization": self.needs_authorization,
            "steps": [s.to_json() for s in self.steps],
            "unchanged": [r.to_json() for r in self.unchanged],
            "unavailable": [{"store": t, "reason": w} for t, w in self.unavailable],
            "notes": list(self.notes),
        }


def plan_install(
    bundle: Bundle, scope: Scope, stores: Sequence[TrustStore], ledger: Ledger
) -> Plan:
    """Raises InputError (exit 2) for a bundle with error findings or a store without scope."""
    if has_errors(check_bundle(bundle)):
        raise InputError(
            tr("The bundle from {origin} has errors, so nothing will be installed.").format(
                origin=bundle.origin
            ),
            tr("See them, then get a fixed bundle."),
            (Remedy(Action.INSPECT, (bundle.origin,)),),
        )
    steps: list[Step] = []
    unchanged: list[Record] = []
    unavailable: list[tuple[str, str]] = []
    refusals = store_refusals(bundle, stores)
    for store in stores:
        available = store.detect()
        if not available.available or store.name in refusals:
            unavailable.append((tr(store.title), refusals.get(store.name) or available.reason))
            continue
        for step in store.plan_install(bundle, scope):
            step = replace(step, record=origin_of(step.record, bundle))
            if presence(store, step.record):  # unknown: planned, putting it there again
                unchanged.append(ledger.get(step.record.key) or step.record)
            else:
                steps.append(step)
    if not steps and not unchanged:
        raise InputError(
            _nowhere(unavailable),
            tr(
                "Fix what is listed above, or choose other stores (--scope system trusts the CA "
                "for the whole computer)."
            ),
        )
    notes = tuple(dict.fromkeys(s.note for s in steps if s.note))
    return Plan("install", scope.value, tuple(steps), tuple(unchanged), tuple(unavailable), notes)


def origin_of(record: Record, bundle: Bundle) -> Record:
    """The record with where it came from: the bundle, and for an identity the CA installed with
    it, which ties it to its cluster through renewals."""
    issuer = certinfo.sha256(bundle.ca) if bundle.ca and record.kind == Kind.IDENTITY else ""
    return replace(record, source=bundle.origin, issuer=issuer)


def _nowhere(unavailable: list[tuple[str, str]]) -> str:
    reasons = " ".join(f"{title}: {why}" for title, why in unavailable)
    return (
        tr("No trust store on this computer can take this bundle. {reasons}")
        .format(reasons=reasons)
        .strip()
    )


def plan_uninstall(records: Sequence[Record], stores: Sequence[TrustStore]) -> Plan:
    by_name = {s.name: s for s in stores}
    steps: list[Step] = []
    unavailable: list[tuple[str, str]] = []
    for record in records:
        store = by_name.get(record.store)
        if store is None:
            unavailable.append(
                (
                    record.store,
                    tr(
                        "{subject} at {location} is in a store this computer does not have; "
                        "remove it by hand."
                    ).format(subject=printable(record.subject), location=record.location),
                )
            )
            continue
        steps += store.plan_remove(record)
    scope = records[0].scope if records else Scope.USER.value
    return Plan("uninstall", scope, tuple(steps), (), tuple(unavailable))


def status(ledger: Ledger, stores: Sequence[TrustStore]) -> list[ItemStatus]:
    by_name = {s.name: s for s in stores}
    items = []
    for record in ledger.records():
        present = presence(by_name.get(record.store), record)
        items.append(ItemStatus(record, present, record.days_left()))
    return items


def apply_plan(
    plan: Plan,
    ledger: Ledger,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    with ledger.locked():  # another ClusterTrust process waits until this apply is over
        for record in plan.unchanged:
            if ledger.get(record.key) is not None:
                ledger.mark_done(record)
        if plan.action == "install":
            _install(plan.steps, ledger, progress or _quiet, cancelled or _never)
        else:
            _remove(plan.steps, ledger, progress or _quiet, cancelled or _never)


def _quiet(index: int, step: Step, state: StepStatus) -> None:
    return None


def _never() -> bool:
    return False


def _install(
    steps: Sequence[Step], ledger: Ledger, progress: Progress, cancelled: Callable[[], bool]
) -> None:
    done: list[tuple[int, Step]] = []
    try:
        for index, step in enumerate(steps):
            if cancelled():
                raise _cancelled(_rollback(done, ledger, progress))
            _install_one(index, step, done, ledger, progress)
    except (KeyboardInterrupt, SystemExit) as stop:  # Ctrl-C or SIGTERM: undo like a failure
        raise _cancelled(_rollback(done, ledger, progress), interrupted=True) from stop


def _install_one(
    index: int, step: Step, done: list[tuple[int, Step]], ledger: Ledger, progress: Progress
) -> None:
    """Run one step; it is in `done` before its intent record is written, so an interrupt at any
    point undoes it (undoing what is not there yet is a no-op)."""
    done.append((index, step))
    record = ledger.write_intent(step.record)
    progress(index, step, StepStatus.RUNNING)
    try:
        step.run()
    except STEP_ERRORS as error:
        progress(index, step, StepStatus.FAILED)
        # A refused prompt changed nothing: undoing it would only ask a second time.
        refused = isinstance(error, Cancelled)
        if refused:
            done.pop()
            ledger.remove(step.record)
        left = _rollback(done, ledger, progress)
        raise _failure(step, error, left) from error
    ledger.mark_done(record)
    progress(index, step, StepStatus.DONE)


def undo_steps(
    steps: Sequence[Step], ledger: Ledger, progress: Progress | None = None
) -> list[Step]:
    """Undo applied install steps, last first, with their own undo (which puts back what a
    step replaced); returns the ones that could not be undone."""
    with ledger.locked():
        return _rollback(list(enumerate(steps)), ledger, progress or _quiet)


def _rollback(done: list[tuple[int, Step]], ledger: Ledger, progress: Progress) -> list[Step]:
    """Undo in reverse; returns the steps that could not be undone (their records stay)."""
    left = []
    for index, step in reversed(done):
        progress(index, step, StepStatus.UNDOING)
        try:
            step.undo()
        except STEP_ERRORS:
            progress(index, step, StepStatus.UNDO_FAILED)
            left.append(step)
            continue
        ledger.remove(step.record)
        progress(index, step, StepStatus.UNDONE)
    return left


def _cancelled(left: list[Step], interrupted: bool = False) -> Cancelled:
    if not left:
        if interrupted:
            return Cancelled(tr("Interrupted; the steps already done were undone."), "")
        return Cancelled(tr("Cancelled; the steps already done were undone."), "")
    return Cancelled(
        tr("Cancelled; these could not be undone and stay in the ledger: {items}.").format(
            items=_items(left)
        ),
        tr("Remove them."),
        (REMOVE_ALL,),
    )


def _items(steps: list[Step]) -> str:
    where = tr("{subject} in {location}")
    return ", ".join(
        where.format(subject=printable(s.record.subject), location=s.record.location) for s in steps
    )


def _failure(step: Step, error: Exception, left: list[Step]) -> ClusterTrustError:
    reason = error.message if isinstance(error, ClusterTrustError) else str(error)
    if not left:
        undone = tr("Everything done before it was undone; your stores are as they were.")
    else:
        undone = tr("These could not be undone and stay in the ledger: {items}.").format(
            items=_items(left)
        )
    action = f"{step.summary[0].lower()}{step.summary[1:]}"
    message = tr("Could not {action}: {reason} {undone}").format(
        action=action, reason=reason, undone=undone
    )
    if isinstance(error, Cancelled):
        return Cancelled(message, error.fix, error.remedies)
    if isinstance(error, ClusterTrustError) and error.fix:
        return OperationFailed(message, error.fix, error.remedies)
    if left:
        fix = tr("Fix the cause above, remove what stayed, then install again.")
        return OperationFailed(message, fix, (REMOVE_ALL,))
    return OperationFailed(message, tr("Fix the cause above and install again."))


def _remove(
    steps: Sequence[Step], ledger: Ledger, progress: Progress, cancelled: Callable[[], bool]
) -> None:
    failed: list[str] = []
    for index, step in enumerate(steps):
        if cancelled():
            raise Cancelled(tr("Cancelled; the items not yet removed are still installed."), "")
        progress(index, step, StepStatus.RUNNING)
        try:
            step.run()
        except STEP_ERRORS as error:
            if isinstance(error, Cancelled):
                raise
            progress(index, step, StepStatus.FAILED)
            where = tr("{subject} in {location}").format(
                subject=printable(step.record.subject), location=step.record.location
            )
            failed.append(f"{where}: {error}")
            continue
        ledger.remove(step.record)
        progress(index, step, StepStatus.DONE)
    if failed:
        raise OperationFailed(
            tr("Some items could not be removed: {items}.").format(items="; ".join(failed)),
            tr("They stay in the ledger; fix the cause and run the uninstall again."),
        )


__all__ = [
    "ItemStatus",
    "Plan",
    "Progress",
    "StepStatus",
    "apply_plan",
    "plan_install",
    "plan_uninstall",
    "status",
    "undo_steps",
]
