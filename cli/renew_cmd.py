"""`clustertrust renew SOURCE`: install a newer bundle for the same cluster, verify it, then
remove the old items; a failed install or verification leaves the old items as they were."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.install import renewal
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope, Setup
from clustertrust.core.verify.run import TrustMode, verify_url
from clustertrust.platform import detect

from .args import add_stores, parents
from .changes import confirm, print_notes, progress_printer
from .options import bundle_from
from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "renew",
        help="replace an installed bundle with its renewed version (install, verify, remove old)",
        description="Install the renewed bundle of a cluster whose certificates are already "
        "installed (found by the CA's name, or by --replaces), verify it, then remove the old "
        "items. If the install or the verification fails, the new items are undone.",
        parents=parents("password", "changes", "json"),
    )
    add_stores(parser, "user: your own stores (default: where the cluster is installed)", None)
    parser.add_argument("source", help="the renewed bundle: file, folder or https:// URL")
    parser.add_argument("--replaces", nargs="+", metavar="FINGERPRINT", help="old items' SHA-256")
    parser.add_argument("--verify", metavar="URL", help="the cluster UI to verify before removal")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return renew(args, bundle_from(args, args.source))


def renew(args: argparse.Namespace, bundle: Bundle) -> int:
    ledger = Ledger()
    old = renewal.replaced_records(bundle, ledger, args.replaces or ())
    scope = Scope(args.scope) if args.scope else renewal.scope_of(old)
    setup = detect.current_setup(scope, args.stores, ledger=ledger)
    everywhere = detect.all_stores_setup(ledger=setup.ledger).stores
    plan = renewal.plan_renewal(
        bundle, scope, setup.stores, setup.ledger, args.replaces or (), args.verify, everywhere
    )
    return carry_out(args, plan, setup, renewal_check(plan, bundle))


def carry_out(
    args: argparse.Namespace,
    plan: renewal.RenewalPlan,
    setup: Setup,
    check: Callable[[], renewal.Verification] | None,
) -> int:
    """Show, ask, apply: for `renew`, and for `install` given a renewed bundle."""
    if not args.json:
        print(plan.text())
        print_notes(setup.notes)
    if args.dry_run:
        if args.json:
            print_json({**plan.to_json(), "applied": False})
        return 0
    confirm(args.yes, "Apply this renewal?")
    renewal.apply_renewal(
        plan, setup.ledger, plan.stores, check, progress=progress_printer(args.json)
    )
    if args.json:
        print_json({**plan.to_json(), "applied": True})
    else:
        print(f"Renewed: {len(plan.replaced)} old item(s) replaced.")
    return 0


def renewal_check(
    plan: renewal.RenewalPlan, bundle: Bundle
) -> Callable[[], renewal.Verification] | None:
    """At the plan's address, the cluster must accept the new bundle (its own CA and client
    certificate), as in the clusters window's renewal."""
    url = plan.verify_url
    if not url:
        return None

    def check() -> renewal.Verification:
        report = verify_url(url, bundle, modes=(TrustMode.BUNDLE,))
        return report.result(TrustMode.BUNDLE) or report.results[0]

    return check
