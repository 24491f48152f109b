"""`clustertrust verify [URL]`: open the mutual-TLS connection to the cluster UI, judge every
consumer on this computer (browsers, system store, command-line clients), name the outcome."""

from __future__ import annotations

import argparse
import math

from clustertrust.core import actions
from clustertrust.core.actions.verification import (
    BOTH,
    DEFAULT_TIMEOUT,
    ConsumerResult,
    TrustMode,
    VerifyReport,
    parse_target,
)
from clustertrust.core.i18n import tr
from clustertrust.platform import detect

from .options import add_password_options, bundle_from
from .output import print_json

_MODES = {"both": BOTH, "bundle": (TrustMode.BUNDLE,), "system": (TrustMode.SYSTEM,)}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "verify",
        help=tr("prove the mutual-TLS connection to the cluster UI"),
        description=tr(
            "Connect to the cluster UI presenting the client certificate, then check "
            "each consumer on this computer: every browser certificate database, the system trust "
            "store and the command-line clients' identity files. Exit 0 when every consumer the "
            "install set up works; the others are listed as not set up."
        ),
    )
    parser.add_argument(
        "url",
        nargs="?",
        help=tr(
            "the cluster UI address, e.g. https://cluster:2113/ (default: the one remembered "
            "for the cluster)"
        ),
    )
    parser.add_argument(
        "--bundle",
        metavar="SOURCE",
        help=tr(
            "bundle file, folder or https:// URL (default: the client identity installed for "
            "the cluster at URL, else the newest one installed by ClusterTrust)"
        ),
    )
    add_password_options(parser)
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=tr(
            "limit for each step: name lookup, connect, handshake, answer (default {seconds})"
        ).format(seconds=f"{DEFAULT_TIMEOUT:g}"),
    )
    parser.add_argument(
        "--trust",
        choices=sorted(_MODES),
        default="both",
        help=tr(
            "both (default): the bundle's CA, this computer's store and every consumer; "
            "bundle or system: that one connection only"
        ),
    )
    parser.add_argument("--json", action="store_true", help=tr("print one JSON document"))
    parser.set_defaults(handler=run)


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= 600:
        raise argparse.ArgumentTypeError(
            tr("{text} is not a number of seconds from 0.1 to 600").format(text=repr(text))
        )
    return value


def run(args: argparse.Namespace) -> int:
    if args.url:
        parse_target(args.url)  # a bad address is reported before any bundle is read
    machine = detect.RealMachine()
    bundle = bundle_from(args, args.bundle) if args.bundle else None
    # no address: the remembered one of the bundle's cluster, else of the newest identity's
    report = actions.verify(machine, args.url or "", bundle, _MODES[args.trust], args.timeout)
    if args.json:
        print_json(report.to_json())
    else:
        print(human_text(report))
    return 0 if report.ok else 1


def human_text(report: VerifyReport) -> str:
    verdict = report.verdict
    mark = "\u2713" if report.ok else "\u2717"
    lines = [f"{mark} {verdict.outcome.value}: {verdict.message}"]
    if verdict.terminal_fix:
        lines.append(tr("What to do: {fix}").format(fix=verdict.terminal_fix))
    if verdict.terminal_note:
        lines.append(tr("Note: {note}").format(note=verdict.terminal_note))
    if any(c.covered for c in report.consumers):
        lines += [line for c in report.consumers for line in consumer_lines(c)]
    return "\n".join(lines)


def consumer_lines(result: ConsumerResult) -> list[str]:
    mark = "\u2713" if result.ok else ("\u2717" if result.covered else "-")
    message = result.diagnosis.message.removeprefix(f"{result.name} ")  # the name leads the line
    lines = [f"  {mark} {result.name}: {message}"]
    if result.fix and not result.ok:
        said = tr("What to do: {fix}").format(fix=result.fix) if result.covered else result.fix
        lines.append(f"      {said}")
    return lines
