"""How long verify takes on loopback, next to curl doing the same mutual-TLS request.

    python benchmarks/verify.py [--runs 30]

Starts a real nginx (ssl_verify_client on) on 127.0.0.1 with a fresh Kurrent-style bundle,
then prints medians and 90th percentiles in milliseconds for:
  - verify_mode in-process (bundle trust): context + key load, and the connection itself
  - verify_url in-process with both trust modes (what `clustertrust verify` does)
  - curl --cacert/--cert/--key: its own timings (-w) and the wall time of the process
  - `clustertrust verify --trust bundle` as a whole process (Python start-up included)
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Run as a script, this folder is sys.path[0], and benchmarks/inspect.py would shadow the
# standard library's inspect module: search the tests folder instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent / "tests"))

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable

from clustertrust.core.cancel import CancelToken
from clustertrust.core.target import parse_target
from clustertrust.core.verify.connect import exchange
from clustertrust.core.verify.identity import client_context
from clustertrust.core.verify.run import TrustMode, verify_mode, verify_url
from support import pki
from support.servers import free_port, mtls_server_block, start_nginx
from support.tls_peers import bundle_of, write_pair


def summary(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{label:<62} median {statistics.median(ordered):7.2f} ms   p90 {p90:7.2f} ms"


def timed(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def curl_samples(url: str, folder: Path, runs: int) -> tuple[list[float], list[float]]:
    curl = shutil.which("curl") or "curl"
    command = [
        curl,
        "-s",
        "-o",
        "/dev/null",
        "--cacert",
        str(folder / "ca.crt"),
        "--cert",
        str(folder / "tls.crt"),
        "--key",
        str(folder / "tls.key"),
        "-w",
        "%{http_code} %{time_total}",
        url,
    ]
    own, wall = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        wall.append((time.perf_counter() - start) * 1000)
        status, total = out.split()
        assert status == "200", f"curl got HTTP {status}"
        own.append(float(total) * 1000)
    return own, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="clustertrust-bench-"))
    kurrent = pki.kurrent_bundle()
    server_cert = pki.make_leaf(
        kurrent.ca, "cluster-ui", client=False, server_names=["127.0.0.1", "localhost"]
    )
    cert, key = write_pair(folder, "server", server_cert)
    bundle_folder = folder / "bundle"
    bundle_folder.mkdir()
    for name, data in kurrent.files().items():
        (bundle_folder / name).write_bytes(data)
    port = free_port()
    nginx = start_nginx(
        folder / "nginx", [mtls_server_block(port, cert, key, bundle_folder / "ca.crt")], [port]
    )
    url = f"https://127.0.0.1:{port}/"
    bundle = bundle_of(kurrent.files())
    target = parse_target(url)
    try:
        assert verify_url(url, bundle, modes=(TrustMode.BUNDLE,), remember=False).ok
        print(f"verify on loopback, nginx mTLS, RSA 2048 client key, {runs} runs each")
        print(
            summary(
                "in-process: client context + key load (bundle trust)",
                timed(lambda: client_context(bundle, TrustMode.BUNDLE), runs),
            )
        )
        context = client_context(bundle, TrustMode.BUNDLE)  # no session reuse: each is full
        print(
            summary(
                "in-process: connection only (DNS..first byte)",
                timed(lambda: exchange(target, context, 10, CancelToken()), runs),
            )
        )
        print(
            summary(
                "in-process: verify_mode, bundle trust",
                timed(lambda: verify_mode(target, bundle, TrustMode.BUNDLE), runs),
            )
        )
        print(
            summary(
                "in-process: verify_mode, system trust (truststore, OS bundle)",
                timed(lambda: verify_mode(target, bundle, TrustMode.SYSTEM), runs),
            )
        )
        print(
            summary(
                "in-process: verify_url, both trust modes",
                timed(lambda: verify_url(url, bundle, remember=False), runs),
            )
        )
        own, wall = curl_samples(url, bundle_folder, runs)
        print(summary("curl: its own time_total (connection only)", own))
        print(summary("curl: whole process (wall)", wall))
        command = [
            sys.executable,
            "-m",
            "clustertrust.cli.main",
            "verify",
            url,
            "--bundle",
            str(bundle_folder),
            "--trust",
            "bundle",
        ]
        # the whole-process runs save last-verify.json: keep it out of the real home folder
        env = {**os.environ, "HOME": str(folder), "XDG_STATE_HOME": str(folder / "state")}
        cli_runs = max(3, runs // 5)
        print(
            summary(
                f"clustertrust verify --trust bundle, whole process ({cli_runs} runs)",
                timed(
                    lambda: subprocess.run(command, capture_output=True, check=True, env=env),
                    cli_runs,
                ),
            )
        )
    finally:
        nginx.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
