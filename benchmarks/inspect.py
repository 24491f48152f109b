"""Time to read and check a Kurrent-style bundle: in-process median, and `clustertrust inspect`.

Run: python benchmarks/inspect.py [--rounds N]. Target: in-process median <= 0.15 s.
"""

from __future__ import annotations

import os
import sys

# This file's own folder must not be on sys.path: its name would shadow the stdlib `inspect`.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.source.load import load_source
from support import pki

TARGET_SECONDS = 0.15
TARGET_RATIO = 2.0


def alternating_medians(path: Path, rounds: int) -> tuple[float, float]:
    """The installed command against the bare cryptography import in the same environment, one
    after the other, so that both see the same machine load."""
    inspect = [str(Path(sys.executable).parent / "clustertrust"), "inspect", str(path)]
    baseline = [sys.executable, "-c", "import cryptography.x509"]
    times: dict[int, list[float]] = {0: [], 1: []}
    for _ in range(rounds):
        for index, command in enumerate((inspect, baseline)):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[index].append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def median_seconds(action, rounds: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "certificate_bundle.tar.gz"
        path.write_bytes(pki.tar_bytes(pki.kurrent_bundle().files()))
        in_process = median_seconds(
            lambda: check_bundle(read_bundle(load_source(str(path)))), rounds
        )
        whole, baseline = alternating_medians(path, rounds)
    verdict = "meets" if in_process <= TARGET_SECONDS else "MISSES"
    print(
        f"read+check in-process, median of {rounds}: {in_process * 1000:.1f} ms "
        f"({verdict} the {TARGET_SECONDS * 1000:.0f} ms target)"
    )
    print(
        f'`clustertrust inspect` whole process: {whole * 1000:.0f} ms; `python -c "import '
        f'cryptography.x509"`: {baseline * 1000:.0f} ms (medians of {rounds}, alternating); '
        f"ratio {whole / baseline:.2f}x (target <= {TARGET_RATIO:.0f}x)"
    )


if __name__ == "__main__":
    main()
