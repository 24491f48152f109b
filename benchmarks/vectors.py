"""The reader over a large real corpus: pyca/cryptography's own test vectors (x509, pkcs7, pkcs12).

Every file is read as a bundle, checked and summarised as `inspect` does. Counted: read, refused
(by kind), and crashes (any exception that is not our own error: must be 0). For each file that
cryptography itself loads as one certificate, our fingerprint must be the same (wrong: must be 0).

Run: pip download --no-deps cryptography-vectors && unzip the wheel somewhere, then
     python benchmarks/vectors.py PATH/cryptography_vectors
"""

from __future__ import annotations

import os
import sys

# This file's folder must not be on sys.path: benchmarks/inspect.py would shadow the stdlib.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import collections
import time
import warnings
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.pieces import UnsupportedContent
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.bundle.summary import bundle_json
from clustertrust.core.errors import ClusterTrustError, PasswordNeeded
from clustertrust.core.source.load import SourceData
from cryptography import x509

FOLDERS = ("x509", "pkcs7", "pkcs12")
PASSWORDS = (None, "cryptography", "password")  # what the vectors' PKCS#12 files use


def direct_fingerprint(data: bytes) -> str | None:
    """What cryptography alone makes of a single-certificate file, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for load in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
            try:
                return certinfo.sha256(load(data))
            except Exception:  # not a certificate it reads: no fingerprint to compare
                continue
    return None


def outcome(path: Path, data: bytes) -> tuple[str, set[str]]:
    for password in PASSWORDS:
        kind, fingerprints = _one_read(path, data, password)
        if kind != "refused: password needed":
            break
    return kind, fingerprints


def _one_read(path: Path, data: bytes, password: str | None) -> tuple[str, set[str]]:
    try:
        bundle = read_bundle(SourceData(str(path), ((path.name, data),)), password=password)
        bundle_json(bundle, check_bundle(bundle))
    except UnsupportedContent:
        return "refused: algorithm not supported", set()
    except PasswordNeeded:
        return "refused: password needed", set()
    except ClusterTrustError:
        return "refused: damaged or not a bundle", set()
    except Exception as exc:  # what this benchmark exists to find
        return f"CRASH {type(exc).__name__}", set()
    certs = [*bundle.ca_certs, *([bundle.client_cert] if bundle.client_cert else [])]
    certs += [item.cert for item in bundle.left_out if item.cert is not None]
    return "read", {certinfo.sha256(c) for c in certs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the cryptography_vectors package folder")
    args = parser.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    crashes, wrong = [], []
    started = time.perf_counter()
    for path in sorted(p for f in FOLDERS for p in (args.root / f).rglob("*") if p.is_file()):
        data = path.read_bytes()
        if not data.strip() or path.suffix == ".py":
            continue
        kind, fingerprints = outcome(path, data)
        counts[kind] += 1
        crashes += [f"{path}: {kind}"] if kind.startswith("CRASH") else []
        expected = direct_fingerprint(data)
        if expected is not None and kind == "read":
            counts["same fingerprint as cryptography"] += expected in fingerprints
            wrong += [] if expected in fingerprints else [str(path)]
    seconds = time.perf_counter() - started
    print(
        f"{sum(v for k, v in counts.items() if not k.startswith('same'))} files in {seconds:.1f} s"
    )
    for kind, number in sorted(counts.items()):
        print(f"  {number:5d}  {kind}")
    print(f"  {len(wrong):5d}  wrong fingerprint", *wrong, sep="\n    ")
    print(*crashes, sep="\n")
    return 1 if crashes or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
