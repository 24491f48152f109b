"""A system-wide install renewed twice: the real Debian store (update-ca-certificates) inside a
private mount namespace, the user's real browser databases in the test's HOME, the cluster UI
demanding a client certificate. A same-CA renewal, then the cluster moves to its new CA, then
the new-CA renewal; after each step the system bundle holds exactly the current CA, `verify`
passes with this computer's trust, and every browser database holds exactly the current CA
and client identity."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from support import namespace
from support.rotation import RotatingCluster, Rotation, assert_holding, kurrent_tgz

pytestmark = [
    pytest.mark.namespace,
    pytest.mark.slow,
    pytest.mark.skipif(bool(namespace.unavailable_reason()), reason=namespace.unavailable_reason()),
]

LIFE = """
import json, sys, time
from pathlib import Path
from clustertrust.cli.main import main
a, b, c, url, pause, go, ca1, ca2 = sys.argv[1:]

def system_holds():
    text = Path("/etc/ssl/certs/ca-certificates.crt").read_text()
    return [ca1 in text, ca2 in text]

def step(name, *argv):
    code = main(list(argv))
    print("@@" + json.dumps({"step": name, "code": code, "system": system_holds()}), flush=True)

step("install", "install", a, "--scope", "system", "--yes")
step("verify", "verify", url)
step("same-CA renewal", "renew", b, "--yes")
step("verify", "verify", url)
Path(pause).touch()
for _ in range(600):
    if Path(go).exists():
        break
    time.sleep(0.1)
step("new-CA renewal", "renew", c, "--yes")
step("verify", "verify", url)
print("@@status", flush=True)
main(["status", "--json"])
print("@@end", flush=True)
step("uninstall", "uninstall", "--all", "--yes")
"""


def pem_body(pem: bytes) -> str:
    """The base64 lines of a PEM, as update-ca-certificates copies them into its bundle."""
    return "".join(pem.decode().splitlines()[1:-1])[:64]


def test_a_system_wide_install_renews_with_the_same_then_a_new_ca(
    tmp_path: Path,
    isolated_dirs: Path,
    rotation: Rotation,
    rotating_cluster: RotatingCluster,
    browser_dbs: dict[str, Path],
) -> None:
    r, pause, go = rotation, tmp_path / "pause", tmp_path / "go"
    bundles = [
        kurrent_tgz(tmp_path, n, ca, c)
        for n, ca, c in (("a", r.ca1, r.client1), ("b", r.ca1, r.client2), ("c", r.ca2, r.client3))
    ]
    checked: list[str] = []

    def move_the_cluster() -> None:
        """Between the renewals: the browsers after the first, then the server moves."""
        deadline = time.monotonic() + 240
        while not pause.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            assert_holding(browser_dbs, r.ca1, r.client2, "the same-CA renewal")
            checked.append("same-CA renewal")
        finally:
            rotating_cluster.serve(r.server2, r.ca2)
            go.touch()

    mover = threading.Thread(target=move_the_cluster, daemon=True)
    mover.start()
    argv = [*map(str, bundles), rotating_cluster.ui.url, str(pause), str(go)]
    argv += [pem_body(r.ca1.cert_pem), pem_body(r.ca2.cert_pem)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSL_CERT")}
    code = f"import sys; sys.argv = ['-', *{argv!r}]\n"
    done = namespace.run_python(tmp_path / "ns", code + LIFE, env=env, timeout=600)
    mover.join(10)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    lines = done.stdout.splitlines()
    steps = [json.loads(line[2:]) for line in lines if line.startswith("@@{")]
    assert [(s["step"], s["code"], s["system"]) for s in steps] == [
        ("install", 0, [True, False]),
        ("verify", 0, [True, False]),
        ("same-CA renewal", 0, [True, False]),
        ("verify", 0, [True, False]),
        ("new-CA renewal", 0, [False, True]),
        ("verify", 0, [False, True]),
        ("uninstall", 0, [False, False]),
    ], said
    assert checked == ["same-CA renewal"]
    status = json.loads("\n".join(lines[lines.index("@@status") + 1 : lines.index("@@end")]))
    (cluster,) = status["clusters"]
    assert {c["name"]: c["state"] for c in cluster["consumers"]} == dict.fromkeys(
        [*browser_dbs, "Command-line clients", "System trust store"], "ok"
    )
    assert_holding(browser_dbs, None, None, "the uninstall")
