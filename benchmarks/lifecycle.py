"""Helpdesk and lifecycle figures: support report, Kurrent Cloud download, option-file merge,
renewal. Everything runs in a throw-away HOME with sandbox stores (a real NSS database driven by
certutil/pk12util, an anchors folder, identity files) and the local Kurrent Cloud imitation, so
nothing on this machine changes.

    python benchmarks/lifecycle.py [--rounds 5]

Prints the median of each measurement (and the report's size).
"""

from __future__ import annotations

import sys

# This folder holds other scripts (e.g. inspect.py) that would shadow standard modules.
sys.path[:] = [p for p in sys.path if not p.endswith("benchmarks")]

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="ct-bench-home-"))
os.environ["HOME"] = str(HOME)
for variable, sub in (
    ("XDG_CONFIG_HOME", ".config"),
    ("XDG_DATA_HOME", ".local/share"),
    ("XDG_STATE_HOME", ".local/state"),
    ("XDG_CACHE_HOME", ".cache"),
):
    os.environ[variable] = str(HOME / sub)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from clustertrust.core import logs
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.clients.optionfile import merge_section
from clustertrust.core.cloud import kurrent as cloud
from clustertrust.core.install import renewal
from clustertrust.core.model import Scope
from clustertrust.core.report import collect as report
from clustertrust.core.source.load import load_source
from clustertrust.platform import facts
from support import (
    cloud_server,
    pki,
)
from support import lifecycle_support as life


def median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bundle_of(name: str) -> object:
    folder = pki.write_files(HOME / "bundles" / name, pki.kurrent_bundle(name, "p256").files())
    return read_bundle(load_source(str(folder)))


def bench_report(rounds: int) -> None:
    spy = life.SecretsSpy()
    for count in (1, 5):
        setup = life.sandbox(HOME / f"stores-{count}", spy)
        for number in range(count):
            life.install(bundle_of(f"r{count}n{number}"), setup)  # type: ignore[arg-type]
        items = len(setup.ledger.records())
        took = median_ms(
            lambda setup=setup: report.collect(setup, facts.machine_facts(setup, spy)), rounds
        )
        size = len(
            report.render_text(report.collect(setup, facts.machine_facts(setup, spy))).encode()
        )
        print(
            f"report.collect, {count} bundle(s) = {items} ledger items: {took:.0f} ms, "
            f"text {size / 1024:.1f} KiB"
        )
        setup.ledger.path.unlink()


def bench_cloud(rounds: int) -> None:
    kb = pki.kurrent_bundle("c0bench", "p256")
    for server in cloud_server.run_cloud_server(HOME / "cloud"):
        server.state.refresh_tokens.add("rt-bench")
        server.state.projects[("o", "p")] = {"c0bench": {"id": "c0bench"}}
        server.state.bundles["c0bench"] = kb.files()
        settings = cloud.CloudSettings(server.url, server.url, cloud_server.CLIENT_ID)
        for mode in ("tgz", "base64", "json"):
            server.state.body_mode = mode

            def fetch(
                settings: cloud.CloudSettings = settings, context: object = server.context
            ) -> None:
                session = cloud.KurrentCloud(settings, "rt-bench", context=context)  # type: ignore[arg-type]
                read_bundle(session.certificate("o", "p", "c0bench"))

            took = median_ms(fetch, rounds)
            print(f"Kurrent Cloud token + certificate ({mode}) + read: {took:.1f} ms (loopback)")


def bench_merge(rounds: int) -> None:
    text = "".join(
        f"# service {n}\n[svc{n}]\nhost=h{n}.example\ndbname=d{n}\n\n" for n in range(2000)
    )
    values = {"host": "db.example", "sslmode": "verify-full", "sslrootcert": "/x/ca.crt"}
    took = median_ms(lambda: merge_section(text, "svc1000", values), rounds)
    print(f"pg_service merge into 2000 services ({len(text) / 1024:.0f} KiB): {took:.1f} ms")


def bench_renewal(rounds: int) -> None:
    times = []
    for number in range(rounds):
        setup = life.sandbox(HOME / f"renew-{number}", life.SecretsSpy())
        life.install(bundle_of(f"n{number}renew"), setup)  # type: ignore[arg-type]
        renewed = bundle_of(f"n{number}renew")
        started = time.perf_counter()
        plan = renewal.plan_renewal(renewed, Scope.USER, setup.stores, setup.ledger)  # type: ignore[arg-type]
        renewal.apply_renewal(plan, setup.ledger, setup.stores)
        times.append((time.perf_counter() - started) * 1000)
        setup.ledger.path.unlink()
    print(
        f"renewal (plan, install {len(plan.install.steps)} new items, remove "
        f"{len(plan.remove.steps)} old ones, NSS settle): {statistics.median(times):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    logs.setup_logging()  # warnings go to the throw-away HOME's log, not the terminal
    try:
        bench_report(rounds)
        bench_cloud(rounds)
        bench_merge(rounds)
        bench_renewal(rounds)
    finally:
        shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
