"""Time to read and check a Kurrent-style bundle: in-process median, and `clustertrust inspect`
as a whole process against `python -c "import cryptography.x509"`, alternating, medians.

Run: python benchmarks/inspect.py [--rounds N]. Targets: in-process median <= 0.15 s; the whole
process <= 2x the bare import. The package is byte-compiled first, as a wheel install does (an
editable install never is, and with PYTHONDONTWRITEBYTECODE set every run would compile each
module again). A third command shows the floor: the imports any reader of this bundle needs
(x509, PKCS#12, tarfile, argparse), to which the PKCS#12 open (its KDF and RSA key check) adds.
"""

from __future__ import annotations

import os
import sys

# This file's own folder must not be on sys.path: its name would shadow the stdlib `inspect`.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import compileall
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.source.load import load_source
from cryptography.hazmat.primitives.serialization import pkcs12
from support import pki

TARGET_SECONDS = 0.15
TARGET_RATIO = 2.0


ROOT = Path(__file__).resolve().parents[1]
FLOOR_IMPORTS = (
    "import cryptography.x509, cryptography.hazmat.primitives.serialization.pkcs12, tarfile, "
    "argparse"
)


def alternating_medians(path: Path, rounds: int) -> list[float]:
    """The installed command, the bare cryptography import and the floor's imports in the same
    environment, one after the other, so that all see the same machine load."""
    commands = [
        [str(Path(sys.executable).parent / "clustertrust"), "inspect", str(path)],
        [sys.executable, "-c", "import cryptography.x509"],
        [sys.executable, "-c", FLOOR_IMPORTS],
    ]
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for index, command in enumerate(commands):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[index].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


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
    for folder in ("core", "cli", "platform", "gui"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    bundle = pki.kurrent_bundle()
    p12 = bundle.files()["bundle.p12"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "certificate_bundle.tar.gz"
        path.write_bytes(pki.tar_bytes(bundle.files()))
        in_process = median_seconds(
            lambda: check_bundle(read_bundle(load_source(str(path)))), rounds
        )
        p12_open = median_seconds(lambda: pkcs12.load_pkcs12(p12, pki.KURRENT_PASSWORD), rounds)
        whole, baseline, floor_imports = alternating_medians(path, rounds)
    verdict = "meets" if in_process <= TARGET_SECONDS else "MISSES"
    print(
        f"read+check in-process, median of {rounds}: {in_process * 1000:.1f} ms "
        f"({verdict} the {TARGET_SECONDS * 1000:.0f} ms target); of it the PKCS#12 open "
        f"(KDF and RSA key check): {p12_open * 1000:.1f} ms"
    )
    print(
        f'`clustertrust inspect` whole process: {whole * 1000:.0f} ms; `python -c "import '
        f'cryptography.x509"`: {baseline * 1000:.0f} ms (medians of {rounds}, alternating); '
        f"ratio {whole / baseline:.2f}x (target <= {TARGET_RATIO:.0f}x)"
    )
    floor = floor_imports + p12_open
    print(
        f"floor: the imports a reader needs {floor_imports * 1000:.0f} ms + the PKCS#12 open = "
        f"{floor * 1000:.0f} ms ({floor / baseline:.2f}x); ClusterTrust's own share "
        f"{(whole - floor) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
