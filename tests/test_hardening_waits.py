"""Every network wait under one deadline, attacked: `verify --timeout 3` against a loopback
server that trickles its HTTP answer one byte a second (each read is quick; the answer is not)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from support.cli_runs import cli
from support.tls_peers import Cluster, TricklingTlsServer


def test_verify_timeout_holds_against_a_trickling_server(
    cluster: Cluster, kurrent_tgz: Path, tmp_path: Path
) -> None:
    server = TricklingTlsServer(cluster.server, cluster.bundle.ca, tmp_path / "server")
    try:
        started = time.monotonic()
        done = cli(
            tmp_path, "verify", server.url, "--bundle", str(kurrent_tgz), "--timeout", "3", "--json"
        )
        took = time.monotonic() - started
    finally:
        server.stop()
    document = json.loads(done.out)
    assert (done.code, document["outcome"]) == (1, "timeout"), done.err
    assert took < 3 + 2, f"{took:.1f} s"  # the 3 s, plus the command's own start (about 1 s)
    print(f"verify --timeout 3 against a 1 byte/s server: {took:.1f} s (was still running at 45 s)")
