"""The privilege boundary, attacked: repair re-installs only what the ledger recorded, and root
never acts on another user's state. Real NSS databases (certutil), the real Debian trust store
inside a private mount namespace, files really owned by other uids (os.chown, as root)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.install.identity import MaterialRefused, identity_paths, installed_bundle
from support import browsers, namespace, pki


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def attacker_ca() -> pki.Issued:
    return pki.make_ca("attacker-ca")


def swap_kept_ca(pem: bytes) -> Path:
    """What the user (or anyone who can write their files) does: their own CA in ca.crt."""
    kept = identity_paths()
    assert kept is not None
    kept.ca.write_bytes(pem)
    return kept.folder


def test_repair_refuses_a_swapped_ca_and_status_shows_no_tick(
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    kurrent_tgz: Path,
    attacker_ca: pki.Issued,
) -> None:
    # GIVEN an install into Chromium, its CA deleted by hand, a Firefox profile made since, and
    # the identity files' ca.crt swapped for another CA
    chromium = browsers.chromium(isolated_dirs)
    assert run(capsys, "install", str(kurrent_tgz), "--yes")[0] == 0
    browsers.delete(chromium, next(n for n in browsers.nicknames(chromium) if "-ca" in n))
    firefox = browsers.firefox(isolated_dirs, {"default-release": True})["default-release"]
    folder = swap_kept_ca(attacker_ca.cert_pem)

    # WHEN status looks THEN the command-line clients are not "set up"
    code, out, _ = run(capsys, "status")
    assert "✓ Command-line clients" not in out and "✗ Command-line clients: missing" in out

    # WHEN repair plans THEN nothing comes from the swapped files, and it says why
    code, out, _ = run(capsys, "repair", "--dry-run", "--json")
    document = json.loads(out)
    assert document["plan"]["steps"] == [], document["plan"]
    reasons = {item["reason"] for item in document["cannot"]}
    assert len(reasons) == 1 and f"The identity files in {folder} hold a CA" in reasons.pop()

    # WHEN repair runs THEN no browser database holds the swapped CA, and it fails (exit 1)
    code, out, _ = run(capsys, "repair", "--yes")
    assert code == 1 and "'attacker-ca'" in out and "ClusterTrust never installed" in out
    assert "attacker-ca" not in browsers.listing(chromium) + browsers.listing(firefox)

    # AND verify refuses to log in with it (bad input, exit 2), naming the folder
    code, _, err = run(capsys, "verify", "https://127.0.0.1:9/")
    assert code == 2 and str(folder) in err and "never installed" in err


SWAPPED_THEN_REPAIRED = """
import json, sys
from pathlib import Path
from clustertrust.cli.main import main
from clustertrust.core.install.identity import MaterialRefused, identity_paths, installed_bundle
assert main(["install", sys.argv[1], "--scope", "system", "--yes", "--json"]) == 0
identity_paths().ca.write_bytes(Path(sys.argv[2]).read_bytes())
print("=====")
code = main(["repair", "--yes", "--json"])
print("=====")
print(code)
body = b"".join(Path(sys.argv[2]).read_bytes().splitlines()[1:-1])
stores = [*Path("/usr/local/share/ca-certificates").rglob("*")]
stores.append(Path("/etc/ssl/certs/ca-certificates.crt"))
found = [p for p in stores if p.is_file() and body in p.read_bytes().replace(b"\\n", b"")]
print("ANCHORED" if found else "CLEAN")
"""


@pytest.mark.namespace
@pytest.mark.slow
@pytest.mark.skipif(bool(namespace.unavailable_reason()), reason=namespace.unavailable_reason())
def test_a_swapped_ca_never_reaches_the_system_anchors(
    tmp_path: Path, isolated_dirs: Path, kurrent_tgz: Path, attacker_ca: pki.Issued
) -> None:
    # GIVEN a system-scope install in the real Debian store (private mount namespace), then the
    # kept ca.crt swapped; WHEN repair runs THEN the swapped CA is in no anchor and no bundle
    swapped = tmp_path / "attacker.crt"
    swapped.write_bytes(attacker_ca.cert_pem)
    code = f"import sys; sys.argv = ['-', {str(kurrent_tgz)!r}, {str(swapped)!r}]\n"
    done = namespace.run_python(tmp_path / "ns", code + SWAPPED_THEN_REPAIRED)
    assert done.returncode == 0, done.stdout + done.stderr
    _, repaired, rest = done.stdout.split("=====\n")
    exit_code, verdict = rest.split()
    assert json.loads(repaired)["plan"]["steps"] == []
    assert (exit_code, verdict) == ("1", "CLEAN"), repaired


def test_a_ledger_from_before_the_ca_fingerprints_were_kept_is_held_to_its_ca_records(
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    kurrent_tgz: Path,
    attacker_ca: pki.Issued,
) -> None:
    # GIVEN an install whose ledger lacks the identity's CA fingerprints (an older version's)
    browsers.chromium(isolated_dirs)
    assert run(capsys, "install", str(kurrent_tgz), "--yes")[0] == 0
    ledger = isolated_dirs / ".local/state/clustertrust/ledger.json"
    document = json.loads(ledger.read_text())
    for record in document["records"]:
        record.pop("ca_sha256")
    ledger.write_text(json.dumps(document))
    # THEN the untouched files are still what was installed, and a swapped CA is not
    assert installed_bundle().client_cert is not None
    swap_kept_ca(attacker_ca.cert_pem)
    with pytest.raises(MaterialRefused, match="'attacker-ca'"):
        installed_bundle()
