"""Plans against the sandbox stores (a real NSS database with real certutil/pk12util, an anchors
folder, identity files): apply, status, idempotency, rollback when any step fails, crashes
between intent and done, cancel."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
from clustertrust.core.install import plan as plans
from clustertrust.core.install.identity import identity_paths
from clustertrust.core.model import Scope, Step
from clustertrust.core.source.load import load_source
from clustertrust.platform import detect
from clustertrust.platform.runner import CommandError
from support import pki


@pytest.fixture
def setup(tmp_path: Path) -> detect.Setup:
    return detect.sandbox_setup(tmp_path / "sandbox")


def snapshot(root: Path) -> dict[str, object]:
    """Everything a plan can change in the sandbox, in comparable form."""
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "nssdb" not in p.parts and not p.name.startswith("ledger")
    }
    db = f"sql:{root / 'nssdb'}"
    certs = subprocess.run(["certutil", "-L", "-d", db], capture_output=True, text=True).stdout
    keys = subprocess.run(["certutil", "-K", "-d", db], capture_output=True, text=True).stdout
    folders = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir())
    return {"files": files, "certs": certs, "keys": keys, "folders": folders}


def test_install_status_and_uninstall_in_the_sandbox(bundle: Bundle, setup: detect.Setup) -> None:
    root = setup.ledger.path.parent
    before = snapshot(root)
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    assert [(s.record.store, s.record.kind) for s in plan.steps] == [
        ("linux-anchors", "ca"),
        ("nss", "ca"),
        ("nss", "identity"),
        ("identity-files", "identity"),
    ]
    seen: list[tuple[int, str]] = []
    plans.apply_plan(plan, setup.ledger, progress=lambda i, s, st: seen.append((i, st.value)))
    assert seen == [(i, st) for i in range(4) for st in ("running", "done")]

    items = plans.status(setup.ledger, setup.stores)
    assert [(i.present, i.record.state) for i in items] == [(True, "done")] * 4
    assert all(85 <= i.days_left <= 90 for i in items)
    assert "d4f2example-ca (ClusterTrust" in snapshot(root)["certs"]
    assert "u,u,u" in snapshot(root)["certs"]  # the client certificate has its key

    removal = plans.plan_uninstall(setup.ledger.records(), setup.stores)
    plans.apply_plan(removal, setup.ledger)
    assert setup.ledger.records() == []
    assert snapshot(root) == before


def test_identity_files_are_private_and_found_for_other_engineers(
    bundle: Bundle, setup: detect.Setup, kurrent: pki.KurrentBundle
) -> None:
    plans.apply_plan(
        plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger), setup.ledger
    )
    found = identity_paths(setup.ledger)
    assert found is not None and found.folder.parent == setup.ledger.path.parent / "identities"
    # one folder per cluster, named after its CA, that a renewal rewrites in place
    assert found.folder.name.startswith("d4f2example-ca-")
    assert found.folder.stat().st_mode & 0o777 == 0o700
    assert found.key.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN PRIVATE KEY" in found.key.read_bytes()  # unencrypted PKCS#8 for clients
    assert found.ca.read_bytes() == kurrent.ca.cert_pem
    assert found.cert.read_bytes() == kurrent.client.cert_pem
    assert identity_paths(setup.ledger, found.sha256[:10]) == found
    assert identity_paths(setup.ledger, "0" * 12) is None or found.sha256.startswith("0" * 12)


def test_reinstalling_the_same_bundle_changes_nothing(bundle: Bundle, setup: detect.Setup) -> None:
    plans.apply_plan(
        plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger), setup.ledger
    )
    records = setup.ledger.records()
    again = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    assert again.is_empty and len(again.unchanged) == 4
    plans.apply_plan(again, setup.ledger)
    assert setup.ledger.records() == records
    assert "already in place" in again.text()


def _failing(step: Step, after_change: bool) -> Step:
    def run() -> None:
        if after_change:
            step.run()  # the change happened, then the step reports failure
        raise CommandError(("injected",), 1, "injected failure")

    return replace(step, run=run)


@pytest.mark.parametrize("after_change", [False, True], ids=["before-change", "after-change"])
@pytest.mark.parametrize("failing", range(4))
def test_any_failing_step_leaves_every_store_as_it_was(
    bundle: Bundle, setup: detect.Setup, failing: int, after_change: bool
) -> None:
    root = setup.ledger.path.parent
    before = snapshot(root)
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    steps = list(plan.steps)
    steps[failing] = _failing(steps[failing], after_change)
    with pytest.raises(OperationFailed) as raised:
        plans.apply_plan(replace(plan, steps=tuple(steps)), setup.ledger)
    assert "injected failure" in raised.value.message
    assert "your stores are as they were" in raised.value.message
    assert snapshot(root) == before
    assert setup.ledger.records() == []


def test_an_undo_that_fails_keeps_its_record_and_says_so(
    bundle: Bundle, setup: detect.Setup
) -> None:
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    steps = list(plan.steps)

    def broken_undo() -> None:
        raise OSError("disk on fire")

    steps[0] = replace(steps[0], undo=broken_undo)
    steps[2] = _failing(steps[2], after_change=False)
    with pytest.raises(OperationFailed) as raised:
        plans.apply_plan(replace(plan, steps=tuple(steps)), setup.ledger)
    assert "could not be undone" in raised.value.message
    assert "clustertrust uninstall --all" in raised.value.terminal_fix
    (kept,) = setup.ledger.records()
    assert kept.store == "linux-anchors" and kept.state == "done"


def test_crash_after_the_change_but_before_done_is_reported_and_finished(
    bundle: Bundle, setup: detect.Setup
) -> None:
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    step = plan.steps[1]  # the NSS CA
    setup.ledger.write_intent(step.record)
    step.run()  # ...and the process dies before mark_done
    (item,) = plans.status(setup.ledger, setup.stores)
    assert (item.record.state, item.present) == ("intent", True)

    again = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    assert [r.store for r in again.unchanged] == ["nss"] and len(again.steps) == 3
    plans.apply_plan(again, setup.ledger)
    assert {r.state for r in setup.ledger.records()} == {"done"} and len(
        setup.ledger.records()
    ) == 4


def test_crash_before_the_change_can_be_uninstalled(bundle: Bundle, setup: detect.Setup) -> None:
    root = setup.ledger.path.parent
    before = snapshot(root)
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    for step in plan.steps:
        setup.ledger.write_intent(step.record)  # intents written, nothing done
    assert [i.present for i in plans.status(setup.ledger, setup.stores)] == [False] * 4
    plans.apply_plan(plans.plan_uninstall(setup.ledger.records(), setup.stores), setup.ledger)
    assert setup.ledger.records() == [] and snapshot(root) == before


def test_cancel_between_steps_undoes_what_was_done(bundle: Bundle, setup: detect.Setup) -> None:
    root = setup.ledger.path.parent
    before = snapshot(root)
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    finished: list[int] = []

    def progress(index: int, step: Step, status: plans.StepStatus) -> None:
        if status is plans.StepStatus.DONE:
            finished.append(index)

    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(plan, setup.ledger, progress, cancelled=lambda: len(finished) >= 2)
    assert raised.value.exit_code == 3
    assert snapshot(root) == before and setup.ledger.records() == []


def test_a_refused_authorization_is_a_cancel_and_rolls_back(
    bundle: Bundle, setup: detect.Setup
) -> None:
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    steps = list(plan.steps)

    def refuse() -> None:
        raise Cancelled("Authorization was refused.", "Try again.")

    undone: list[str] = []
    first_undo = steps[0].undo
    steps[0] = replace(steps[0], undo=lambda: [first_undo(), undone.append("first")])
    steps[1] = replace(steps[1], run=refuse, undo=lambda: undone.append("refused"))
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(replace(plan, steps=tuple(steps)), setup.ledger)
    assert "refused" in raised.value.message and setup.ledger.records() == []
    assert undone == ["first"]  # no second prompt for the step that was refused


def test_a_bundle_with_error_findings_is_refused(tmp_path: Path, setup: detect.Setup) -> None:
    ca = pki.make_ca("plain-cert", ca=False)
    source = tmp_path / "not-a-ca.crt"
    source.write_bytes(ca.cert_pem)
    root = setup.ledger.path.parent
    before = snapshot(root)
    with pytest.raises(InputError) as raised:
        plans.plan_install(
            read_bundle(load_source(str(source))), Scope.USER, setup.stores, setup.ledger
        )
    assert raised.value.exit_code == 2 and "clustertrust inspect" in raised.value.terminal_fix
    assert snapshot(root) == before


def test_plans_print_and_serialise(bundle: Bundle, setup: detect.Setup) -> None:
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)
    text = plan.text()
    assert text.startswith("Plan to install (user scope): 4 step(s)")
    assert "1. Trust the CA 'd4f2example-ca' in the demo anchors folder" in text
    assert "-t C,," in text and "undo:" in text and "Restart your browsers" in text
    document = plan.to_json()
    assert document["steps"][2]["kind"] == "identity"
    assert "Restart your browsers" in document["steps"][1]["note"]
    assert document["steps"][1]["commands"][0].startswith("/usr/bin/certutil -A")
    assert all(len(s["sha256"]) == 64 for s in document["steps"])


def test_a_cancel_whose_undo_fails_says_what_stayed(bundle: Bundle, setup: detect.Setup) -> None:
    plan = plans.plan_install(bundle, Scope.USER, setup.stores, setup.ledger)

    def broken_undo() -> None:
        raise OSError("read-only file system")

    steps = (replace(plan.steps[0], undo=broken_undo), *plan.steps[1:])
    asked = iter([False, True])
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(replace(plan, steps=steps), setup.ledger, cancelled=lambda: next(asked))
    assert (
        "could not be undone" in raised.value.message
        and "uninstall --all" in raised.value.terminal_fix
    )
    assert [r.store for r in setup.ledger.records()] == ["linux-anchors"]
