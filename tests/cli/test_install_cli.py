"""`clustertrust install/status/uninstall` end to end in-process, against a real NSS database in
the test's own HOME and the identity files store. System scope is only ever dry-run here (the
real run is tests/test_linux.py, inside a mount namespace)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.install.ledger import default_path
from clustertrust.platform import nss
from support import pki


@pytest.fixture
def browser_db(isolated_dirs: Path) -> Path:
    folder = isolated_dirs / ".pki/nssdb"
    folder.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    return folder


def state(db: Path) -> tuple[str, bool, list[str]]:
    listed = subprocess.run(["certutil", "-L", "-d", f"sql:{db}"], capture_output=True, text=True)
    data = Path(os.environ["XDG_DATA_HOME"]) / "clustertrust"
    files = sorted(str(p) for p in data.rglob("*")) if data.exists() else []
    return (
        listed.stdout,
        default_path().exists() and bool(json.loads(default_path().read_text())["records"]),
        files,
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_prints_the_plan_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], browser_db: Path, kurrent_tgz: Path
) -> None:
    before = state(browser_db)
    code, out, _ = run(capsys, "install", str(kurrent_tgz), "--dry-run")
    assert code == 0
    assert out.startswith("Plan to install (user scope): 3 step(s)")
    assert "certutil -A" in out and "pk12util -i" in out and "tls.key (0600)" in out
    assert state(browser_db) == before


def test_dry_run_json_is_one_document(
    capsys: pytest.CaptureFixture[str], browser_db: Path, kurrent_tgz: Path
) -> None:
    code, out, _ = run(capsys, "install", str(kurrent_tgz), "--dry-run", "--json")
    document = json.loads(out)
    assert code == 0 and document["dry_run"] is True and document["applied"] is False
    assert [s["store"] for s in document["plan"]["steps"]] == ["nss", "nss", "identity-files"]


def test_system_scope_dry_run_names_the_system_store(
    capsys: pytest.CaptureFixture[str], kurrent_tgz: Path
) -> None:
    anchors = sorted(os.listdir("/usr/local/share/ca-certificates"))
    code, out, _ = run(
        capsys,
        "install",
        str(kurrent_tgz),
        "--scope",
        "system",
        "--stores",
        "system",
        "--dry-run",
        "--json",
    )
    (step,) = json.loads(out)["plan"]["steps"]
    assert code == 0 and step["store"] == "linux-anchors"
    assert step["location"].startswith("/usr/local/share/ca-certificates/clustertrust-")
    assert sorted(os.listdir("/usr/local/share/ca-certificates")) == anchors


def test_install_status_reinstall_uninstall(
    capsys: pytest.CaptureFixture[str],
    browser_db: Path,
    kurrent_tgz: Path,
    kurrent: pki.KurrentBundle,
) -> None:
    before = state(browser_db)
    code, out, _ = run(capsys, "install", str(kurrent_tgz), "--yes")
    assert code == 0 and out.count("✓") == 3 and "Installed: 3 change(s)" in out
    assert "Restart your browsers" in out

    code, out, _ = run(capsys, "status", "--json")
    items = json.loads(out)["items"]
    assert code == 0 and [(i["store"], i["kind"], i["present"]) for i in items] == [
        ("nss", "ca", True),
        ("nss", "identity", True),
        ("identity-files", "identity", True),
    ]
    assert all(85 <= i["days_left"] <= 90 and i["state"] == "done" for i in items)
    assert items[0]["source"] == str(kurrent_tgz)

    code, out, _ = run(capsys, "install", str(kurrent_tgz), "--yes")
    assert code == 0 and "Nothing to do" in out
    code, out, _ = run(capsys, "status")
    assert out.count(": present") == 3 and "d4f2example-ca [CA] in Chromium" in out

    ca_prefix = items[0]["sha256"][:12]
    code, out, _ = run(capsys, "uninstall", ca_prefix, "--yes")
    assert code == 0 and "Removed: 1 item(s)" in out
    code, out, _ = run(capsys, "uninstall", "--all", "--yes", "--json")
    assert code == 0 and len(json.loads(out)["plan"]["steps"]) == 2
    assert state(browser_db) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["install", "/nonexistent/bundle.tar.gz", "--yes"], "does not exist"),
        (["install", "{tgz}"], "no terminal to ask"),
        (["uninstall", "deadbeefdeadbeef", "--yes"], "Nothing in the ledger"),
        (["uninstall", "xyz", "--yes"], "not a SHA-256 fingerprint"),
    ],
)
def test_bad_input_is_exit_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
    browser_db: Path,
    kurrent_tgz: Path,
    argv: list[str],
    message: str,
) -> None:
    before = state(browser_db)
    code, _, err = run(capsys, *[a.format(tgz=kurrent_tgz) for a in argv])
    assert code == 2 and message in err and "What to do:" in err
    assert state(browser_db) == before


def test_unknown_store_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], kurrent_tgz: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["install", str(kurrent_tgz), "--stores", "system,keychain"])
    assert exited.value.code == 2 and "unknown store keychain" in capsys.readouterr().err


def test_a_bundle_with_errors_is_refused(
    capsys: pytest.CaptureFixture[str], browser_db: Path, tmp_path: Path
) -> None:
    not_ca = tmp_path / "server.crt"
    not_ca.write_bytes(pki.make_ca("not-a-ca", ca=False).cert_pem)
    before = state(browser_db)
    code, _, err = run(capsys, "install", str(not_ca), "--yes")
    assert code == 2 and "has errors" in err and "clustertrust inspect" in err
    assert state(browser_db) == before


def test_a_failing_step_is_exit_1_and_rolled_back(
    capsys: pytest.CaptureFixture[str],
    browser_db: Path,
    kurrent_tgz: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "certutil").symlink_to("/usr/bin/certutil")
    (tools / "pk12util").write_text(
        "#!/bin/sh\necho 'pk12util: PKCS12 decode failed' >&2\nexit 1\n"
    )
    (tools / "pk12util").chmod(0o755)
    monkeypatch.setattr(nss, "TOOL_DIRS", (str(tools),))
    before = state(browser_db)
    code, out, err = run(capsys, "install", str(kurrent_tgz), "--yes")
    assert code == 1
    assert "PKCS12 decode failed" in err and "your stores are as they were" in err
    assert "↺ 1." in out  # the CA step was undone
    assert state(browser_db) == before


def test_a_damaged_ledger_stops_status_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    default_path().parent.mkdir(parents=True)
    default_path().write_text("{oops")
    code, _, err = run(capsys, "status")
    assert code == 1 and "is damaged" in err and "move it aside" in err
    assert default_path().read_text() == "{oops"


def test_installing_a_renewed_bundle_replaces_the_old_items(
    capsys: pytest.CaptureFixture[str], browser_db: Path, kurrent_tgz: Path, tmp_path: Path
) -> None:
    before = state(browser_db)
    assert run(capsys, "install", str(kurrent_tgz), "--yes")[0] == 0
    old = {i["sha256"] for i in json.loads(run(capsys, "status", "--json")[1])["items"]}
    renewed = tmp_path / "renewed.tar.gz"
    renewed.write_bytes(pki.tar_bytes(pki.kurrent_bundle("d4f2example").files()))  # same CA name

    code, out, _ = run(capsys, "install", str(renewed), "--yes")
    items = json.loads(run(capsys, "status", "--json")[1])["items"]
    assert code == 0 and "Renewed: 3 old item(s) replaced." in out
    assert len(items) == 3 and all(i["present"] for i in items)
    assert not old & {i["sha256"] for i in items}
    assert run(capsys, "uninstall", "--all", "--yes")[0] == 0
    assert state(browser_db) == before


def test_status_warns_from_14_days_before_expiry(
    capsys: pytest.CaptureFixture[str], browser_db: Path, tmp_path: Path
) -> None:
    soon = pki.kurrent_bundle("soon", not_before=pki.NOW - pki.dt.timedelta(days=80), days=90)
    path = tmp_path / "soon.tar.gz"
    path.write_bytes(pki.tar_bytes(soon.files()))
    assert run(capsys, "install", str(path), "--yes")[0] == 0
    code, out, _ = run(capsys, "status")
    assert code == 0 and "Expiry warnings:" in out
    assert "soon-kurrentdb-client expires on" in out and "in 9 days" in out
    assert "clustertrust renew" in out
    warnings = json.loads(run(capsys, "status", "--json")[1])["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("soon-kurrentdb-client")
    run(capsys, "uninstall", "--all", "--yes")
