"""The use cases, once for both front ends: one function per user action, over a `Machine`
(platform.detect.RealMachine for this computer, SandboxMachine for the demo). The wizard, the
clusters window and the commands call these and decide nothing of their own; they take from
core nothing but this package, the domain model (core.model) and the errors (core.errors), an
import-linter contract says so.

    changes = plan_changes(machine, bundle, Scope.USER)   # an install, or the renewal it is
    print(changes.text())                                 # shown before anything changes
    apply_changes(changes, progress, cancelled)           # a failure undoes itself
    clusters = cluster_status(machine)                    # status and the clusters window
    repair = plan_repair(machine); apply_changes(repair)  # put back, cover new profiles
    removal = plan_removal(machine, ["AB12CD34"]); apply_changes(removal)
    report = verify(machine, url, bundle)                 # every consumer judged ("": the
    url, bundle = verify_target(machine, None)            # remembered address, as this says)
    document = support_report(machine)                    # for the helpdesk
    opened = open_bundle("b.tar.gz", machine=machine)     # read, checked, described

What the front ends show and pass on comes through the modules beside: `opening` (open a
bundle: its password rule), `bundles` (read, check and describe a bundle), `verification`
(trust modes and reports), `clients` (the files clients use, the wizard's client settings),
`cloud` (sign in, list and fetch from Kurrent Cloud), `runtime` (log, folders, secrets,
cancelling), `demo`.
Names load on first use, so importing this package costs nothing before the first window.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_INSTALL = "clustertrust.core.install"
_WHERE = {
    **dict.fromkeys(
        (
            "Changes",
            "apply_changes",
            "cluster_status",
            "plan_changes",
            "plan_removal",
            "plan_renewal",
            "plan_repair",
        ),
        ".lifecycle",
    ),
    **dict.fromkeys(
        (
            "adopt_ui_urls",
            "diagnostics",
            "identity_at",
            "identity_files",
            "installed_bundle",
            "remember_ui_url",
            "remembered_url",
            "renews",
            "report_text",
            "save_report",
            "support_report",
            "verify",
            "verify_target",
        ),
        ".lookup",
    ),
    **dict.fromkeys(
        (
            "NeedsPassword",
            "Opened",
            "certificate_summaries",
            "open_bundle",
            "remember_password",
            "stored_password",
        ),
        ".opening",
    ),
    **dict.fromkeys(
        (
            "cluster_state",
            "consumer_kind",
            "days_left",
            "expiry",
            "OLDER",
            "not_covered",
            "older_fix",
            "repair_needed",
            "scope_lines",
        ),
        ".words",
    ),
    "cluster_of": f"{_INSTALL}.addresses",
    "consumer_line": f"{_INSTALL}.clusters",
    "consumer_name": "clustertrust.core.consumer_names",
    **dict.fromkeys(
        ("RENEW", "RENEW_FIX", "expiry_warnings", "needs_warning"), f"{_INSTALL}.expiry"
    ),
    **dict.fromkeys(("Plan", "Progress", "StepStatus"), f"{_INSTALL}.plan"),
    "RenewalPlan": f"{_INSTALL}.renewal",
    "Repair": f"{_INSTALL}.repair",
    **dict.fromkeys(
        ("Certificate", "Cluster", "Consumer", "ConsumerKind", "ConsumerState", "ItemStatus"),
        "clustertrust.core.model",
    ),
    **dict.fromkeys(("Action", "Remedy", "for_terminal"), "clustertrust.core.remedy"),
}
__all__ = [
    "OLDER",
    "RENEW",
    "RENEW_FIX",
    "Action",
    "Certificate",
    "Changes",
    "Cluster",
    "Consumer",
    "ConsumerKind",
    "ConsumerState",
    "ItemStatus",
    "NeedsPassword",
    "Opened",
    "Plan",
    "Progress",
    "Remedy",
    "RenewalPlan",
    "Repair",
    "StepStatus",
    "adopt_ui_urls",
    "apply_changes",
    "certificate_summaries",
    "cluster_of",
    "cluster_state",
    "cluster_status",
    "consumer_kind",
    "consumer_line",
    "consumer_name",
    "days_left",
    "diagnostics",
    "expiry",
    "expiry_warnings",
    "for_terminal",
    "identity_at",
    "identity_files",
    "installed_bundle",
    "needs_warning",
    "not_covered",
    "older_fix",
    "open_bundle",
    "plan_changes",
    "plan_removal",
    "plan_renewal",
    "plan_repair",
    "remember_password",
    "remember_ui_url",
    "remembered_url",
    "renews",
    "repair_needed",
    "report_text",
    "save_report",
    "scope_lines",
    "stored_password",
    "support_report",
    "verify",
    "verify_target",
]

if TYPE_CHECKING:
    from clustertrust.core.actions.lifecycle import (
        Changes,
        apply_changes,
        cluster_status,
        plan_changes,
        plan_removal,
        plan_renewal,
        plan_repair,
    )
    from clustertrust.core.actions.lookup import (
        adopt_ui_urls,
        diagnostics,
        identity_at,
        identity_files,
        installed_bundle,
        remember_ui_url,
        remembered_url,
        renews,
        report_text,
        save_report,
        support_report,
        verify,
        verify_target,
    )
    from clustertrust.core.actions.opening import (
        NeedsPassword,
        Opened,
        certificate_summaries,
        open_bundle,
        remember_password,
        stored_password,
    )
    from clustertrust.core.actions.words import (
        OLDER,
        cluster_state,
        consumer_kind,
        days_left,
        expiry,
        not_covered,
        older_fix,
        repair_needed,
        scope_lines,
    )
    from clustertrust.core.consumer_names import consumer_name
    from clustertrust.core.install.addresses import cluster_of
    from clustertrust.core.install.clusters import consumer_line
    from clustertrust.core.install.expiry import RENEW, RENEW_FIX, expiry_warnings, needs_warning
    from clustertrust.core.install.plan import Plan, Progress, StepStatus
    from clustertrust.core.install.renewal import RenewalPlan
    from clustertrust.core.install.repair import Repair
    from clustertrust.core.model import (
        Certificate,
        Cluster,
        Consumer,
        ConsumerKind,
        ConsumerState,
        ItemStatus,
    )
    from clustertrust.core.remedy import Action, Remedy, for_terminal


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
