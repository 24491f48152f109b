"""`clustertrust install SOURCE`: show the plan, ask, apply it; a failure is rolled back."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.errors import Cancelled, InputError
from clustertrust.core.install import plan as plans
from clustertrust.core.install import renewal
from clustertrust.core.model import Scope, Step
from clustertrust.core.source.load import load_source
from clustertrust.platform import detect

from .output import print_json

SYMBOL = {
    plans.StepStatus.DONE: "✓",
    plans.StepStatus.FAILED: "✗",
    plans.StepStatus.UNDONE: "↺",
    plans.StepStatus.UNDO_FAILED: "✗",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "install",
        help="install and trust a bundle's CA and client certificate",
        description="Read a bundle, show exactly what will change, then install it. A failed "
        "step undoes the steps before it.",
    )
    parser.add_argument("source", help="bundle file, folder or https:// URL")
    parser.add_argument(
        "--scope",
        choices=[s.value for s in Scope],
        default=Scope.USER.value,
        help="user (default): your own stores; system: all users (asks for authorization)",
    )
    parser.add_argument(
        "--stores",
        type=store_list,
        default=None,
        help=f"comma-separated, from {','.join(detect.STORE_CHOICES)} (default: all that apply)",
    )
    parser.add_argument("--password", help="PKCS#12 or private-key password, if not 'kurrent'")
    parser.add_argument(
        "--only-host",
        default="",
        metavar="HOST",
        help="macOS: trust the CA only for this host name (security -s HOST)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask before changing anything")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def store_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in detect.STORE_CHOICES]
    choices = ", ".join(detect.STORE_CHOICES)
    if not names:
        raise argparse.ArgumentTypeError(f"no store given; choose from {choices}")
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown store {', '.join(unknown)}; choose from {choices}"
        )
    return names


def run(args: argparse.Namespace) -> int:
    bundle = read_bundle(load_source(args.source), password=args.password)
    scope = Scope(args.scope)
    setup = detect.current_setup(scope, args.stores, trust_host=args.only_host)
    if renewal.replaced_records(bundle, setup.ledger):
        from . import renew_cmd  # it builds on this module's helpers

        return renew_cmd.renew(args, bundle)
    plan = plans.plan_install(bundle, scope, setup.stores, setup.ledger)
    if not args.json:
        print(plan.text())
        print_notes(setup.notes)
    if args.dry_run or plan.is_empty:
        if args.json:
            print_json(document(plan, setup.notes, applied=False))
        elif plan.is_empty:
            print("Nothing to do: everything is already in place.")
        return 0
    confirm(args.yes, f"Apply these {len(plan.steps)} change(s)?")
    plans.apply_plan(plan, setup.ledger, progress=progress_printer(args.json))
    if args.json:
        print_json(document(plan, setup.notes, applied=True))
    else:
        print(f"Installed: {len(plan.steps)} change(s) made.")
    return 0


def print_notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        print(f"Note: {note}")


def confirm(yes: bool, question: str) -> None:
    """--yes skips the question; without a terminal to ask on, --yes is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(
            "Nothing was changed: there is no terminal to ask for confirmation.",
            "Read the plan with --dry-run, then run again with --yes.",
        )
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise Cancelled("Nothing was changed.", "")


def progress_printer(as_json: bool) -> plans.Progress:
    stream = sys.stderr if as_json else sys.stdout

    def show(index: int, step: Step, status: plans.StepStatus) -> None:
        mark = SYMBOL.get(status)
        if mark:
            label = "could not undo" if status is plans.StepStatus.UNDO_FAILED else ""
            print(f"{mark} {index + 1}. {label}{' ' if label else ''}{step.summary}", file=stream)
            stream.flush()

    return show


def document(plan: plans.Plan, notes: tuple[str, ...], applied: bool) -> dict[str, Any]:
    body = plan.to_json()
    body["notes"] = [*body["notes"], *notes]
    return {"applied": applied, "dry_run": not applied, "plan": body}
