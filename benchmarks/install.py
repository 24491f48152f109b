"""Install + uninstall of a CA in the Debian system store: ClusterTrust against the plain tools.

Runs inside a private mount namespace (copies of /usr/local/share/ca-certificates and
/etc/ssl/certs, update.d hooks masked; see tests/namespace.py), so this machine's trust store is
never changed. Needs root and unshare. Each round, in the same run and on the same copies:

  plain tools:   cp ca.crt <anchors>/x.crt; update-ca-certificates;
                 rm <anchors>/x.crt; update-ca-certificates --fresh
  clustertrust:  `clustertrust install B --scope system --stores system --yes`;
                 `clustertrust uninstall --all --yes` (two processes, as a user runs them)
  api:           plan_install + apply_plan + plan_uninstall + apply_plan in this process

Prints the median of each and the ratios (target: clustertrust / plain <= 1.3).

    python benchmarks/install.py [--rounds 5]
"""

from __future__ import annotations

import sys

# This folder holds other scripts (e.g. inspect.py) that would shadow standard modules.
sys.path[:] = [p for p in sys.path if not p.endswith("benchmarks")]

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from support import (
    namespace,
    pki,
)

INSIDE = "CLUSTERTRUST_BENCH_INSIDE"
UPDATE = "/usr/sbin/update-ca-certificates"


def plain_round(ca_pem: Path) -> float:
    target = namespace.ANCHORS / "plain-benchmark-ca.crt"
    started = time.perf_counter()
    shutil.copyfile(ca_pem, target)
    subprocess.run([UPDATE], check=True, capture_output=True)
    target.unlink()
    subprocess.run([UPDATE, "--fresh"], check=True, capture_output=True)
    return time.perf_counter() - started


def cli_round(bundle: Path) -> float:
    command = [sys.executable, "-m", "clustertrust.cli.main"]
    started = time.perf_counter()
    subprocess.run(
        [*command, "install", str(bundle), "--scope", "system", "--stores", "system", "--yes"],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    subprocess.run(
        [*command, "uninstall", "--all", "--yes"],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def api_round(bundle: Path) -> float:
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.install import plan as plans
    from clustertrust.core.model import Scope
    from clustertrust.core.source.load import load_source
    from clustertrust.platform import detect

    started = time.perf_counter()
    setup = detect.current_setup(Scope.SYSTEM, ["system"])
    opened = read_bundle(load_source(str(bundle)))
    plans.apply_plan(
        plans.plan_install(opened, Scope.SYSTEM, setup.stores, setup.ledger), setup.ledger
    )
    plans.apply_plan(plans.plan_uninstall(setup.ledger.records(), setup.stores), setup.ledger)
    return time.perf_counter() - started


def inside(rounds: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="clustertrust-bench-"))
    os.environ["HOME"] = str(work / "home")  # our ledger goes here, not in the real home
    os.environ["XDG_STATE_HOME"] = str(work / "home/.local/state")
    kurrent = pki.kurrent_bundle("benchmark")
    bundle = work / "certificate_bundle.tar.gz"
    bundle.write_bytes(pki.tar_bytes(kurrent.files()))
    ca_pem = work / "ca.crt"
    ca_pem.write_bytes(kurrent.ca.cert_pem)
    subprocess.run([UPDATE, "--fresh"], check=True, capture_output=True)  # a consistent start
    times: dict[str, list[float]] = {"plain": [], "clustertrust": [], "api": []}
    runs = [
        ("plain", lambda: plain_round(ca_pem)),
        ("clustertrust", lambda: cli_round(bundle)),
        ("api", lambda: api_round(bundle)),
    ]
    for index in range(rounds):  # interleaved and rotated, so drift and order hit all alike
        for name, run in runs[index % 3 :] + runs[: index % 3]:
            times[name].append(run())
    return {k: v for k, v in times.items()}


def report(times: dict[str, list[float]]) -> None:
    plain = statistics.median(times["plain"])
    labels = {
        "plain": "plain tools (cp + update-ca-certificates, rm + --fresh)",
        "clustertrust": "clustertrust install + uninstall (CLI, 2 processes)",
        "api": "clustertrust plan + apply (API, in process)",
    }
    print(f"rounds: {len(times['plain'])}, install + uninstall each; median (min..max) seconds")
    for name, label in labels.items():
        median = statistics.median(times[name])
        ratio = "" if name == "plain" else f"  ratio {median / plain:.2f}"
        print(f"{label:56} {median:.3f} ({min(times[name]):.3f}..{max(times[name]):.3f}){ratio}")
    print("target: ratio <= 1.3")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if os.environ.get(INSIDE):
        print(json.dumps(inside(args.rounds)))
        return 0
    reason = namespace.unavailable_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="clustertrust-ns-") as work:
        code = (
            f"import sys, runpy; sys.argv = [{__file__!r}, '--rounds', '{args.rounds}']; "
            f"runpy.run_path({__file__!r}, run_name='__main__')"
        )
        done = namespace.run_python(Path(work), code, {INSIDE: "1"}, timeout=1800)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    report(json.loads(done.stdout.strip().splitlines()[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
