"""The privilege boundary, attacked: repair re-installs only what the ledger recorded, and root
never acts on another user's state. Real NSS databases (certutil), the real Debian trust store
inside a private mount namespace, files really owned by other uids (os.chown, as root)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.errors import InputError
from clustertrust.core.install.identity import (
    MaterialRefused,
    identity_paths,
    installed_bundle,
    recorded_bundle,
)
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Record
from support import browsers, cli_runs, namespace, pki

USER_A, USER_B = 64031, 64032  # uid numbers with no name: enough to own files
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="root's attacks: needs root to chown")


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
from clustertrust.core.install.identity import (
    MaterialRefused,
    identity_paths,
    installed_bundle,
    recorded_bundle,
)
from clustertrust.core.model import Record
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


def give(folder: Path, uid: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, uid)


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every path under `folder`: its owner and its content's SHA-256 ("" for a folder)."""
    found = {}
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        found[str(path)] = (info.st_uid, hashlib.sha256(data).hexdigest() if data else "")
    return found


@as_root
def test_root_with_a_users_home_changes_nothing_there(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path, kurrent_tgz: Path
) -> None:
    # GIVEN user A's install (made here, then given to uid A) with something for repair to do,
    # and root running with A's HOME (what sudo -E gives)
    chromium = browsers.chromium(isolated_dirs)
    assert run(capsys, "install", str(kurrent_tgz), "--yes")[0] == 0
    browsers.delete(chromium, next(n for n in browsers.nicknames(chromium) if "-ca" in n))
    browsers.firefox(isolated_dirs, {"default-release": True})
    give(isolated_dirs, USER_A)
    before = snapshot(isolated_dirs)
    # WHEN root runs each command THEN each refuses (bad input, exit 2) and nothing there changed
    for argv in (
        ["repair", "--yes"],
        ["uninstall", "--all", "--yes"],
        ["install", str(kurrent_tgz), "--yes"],
        ["renew", str(kurrent_tgz), "--yes"],
        ["status"],
        ["verify", "https://127.0.0.1:9/"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2 and f"uid {USER_A}" in err and "Traceback" not in err, (argv, err)
    assert snapshot(isolated_dirs) == before


@as_root
def test_root_never_follows_a_ledger_into_another_users_identity_folder(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path, tmp_path: Path, kurrent_tgz: Path
) -> None:
    # GIVEN user B's install (B's 0700 identity folder holds B's key), given to uid B
    home_b = tmp_path / "home-b"
    cli_runs.new_browser_db(home_b)
    assert cli_runs.cli(home_b, "install", str(kurrent_tgz), "--yes").code == 0
    give(home_b, USER_B)
    # AND root's own ledger made to list B's items, and a new Firefox profile in root's HOME
    ledger = Ledger()
    ledger.path.parent.mkdir(parents=True)
    shutil.copyfile(home_b / ".local/state/clustertrust/ledger.json", ledger.path)
    firefox = browsers.firefox(isolated_dirs, {"default-release": True})["default-release"]
    # WHEN root repairs THEN it refuses B's items, and B's key is in no database of root's
    code, _, err = run(capsys, "repair", "--yes")
    assert code == 2 and str(home_b) in err and f"uid {USER_B}" in err
    assert "kurrentdb-client" not in browsers.listing(firefox)
    assert run(capsys, "uninstall", "--all", "--yes")[0] == 2
    assert "kurrentdb-client" in cli_runs.db_listing(home_b / ".pki/nssdb")  # B's, untouched
    # AND reading B's identity files is refused where they are read, whatever lists them
    (record,) = [
        r for r in json.loads(ledger.path.read_text())["records"] if "identities" in r["location"]
    ]
    with pytest.raises(InputError, match=f"uid {USER_B}"):
        recorded_bundle(Record.from_json(record))


def test_uninstall_deletes_only_the_files_it_wrote(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path, kurrent_tgz: Path, tmp_path: Path
) -> None:
    # GIVEN an install, and a ledger edited to say it also wrote another program's identity
    # files (same names, the user's own), and the kept ca.crt swapped
    assert run(capsys, "install", str(kurrent_tgz), "--stores", "files", "--yes")[0] == 0
    other = pki.make_ca("other-service-ca")
    leaf = pki.make_leaf(other, "other-service")
    theirs = pki.write_files(
        tmp_path / "other-service",
        {"ca.crt": other.cert_pem, "tls.crt": leaf.cert_pem, "tls.key": leaf.key_pem()},
    )
    ledger = Ledger()
    document = json.loads(ledger.path.read_text())
    (mine,) = document["records"]
    document["records"].append({**mine, "location": str(theirs)})
    ledger.path.write_text(json.dumps(document))
    kept = swap_kept_ca(other.cert_pem)
    # WHEN everything is uninstalled THEN their files stay, and of ours the swapped ca.crt
    assert run(capsys, "uninstall", "--all", "--yes")[0] == 0
    assert sorted(p.name for p in theirs.iterdir()) == ["ca.crt", "tls.crt", "tls.key"]
    assert [p.name for p in kept.iterdir()] == ["ca.crt"]
    assert (kept / "ca.crt").read_bytes() == other.cert_pem


@as_root
@pytest.mark.parametrize("planted", ["state/run", "above state"])
def test_root_follows_no_link_into_another_users_folder(
    planted: str, isolated_dirs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no session runtime folder, and a link in or above the state folder to A's folder
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    give(theirs, USER_A)
    state = isolated_dirs / ".local/state"
    link = state / "clustertrust/run" if planted == "state/run" else state
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists():
        link.rmdir()
    link.symlink_to(theirs)
    # WHEN root asks where its temporary key material goes THEN it is refused, not followed
    from clustertrust.core import paths

    with pytest.raises(InputError, match=f"uid {USER_A}"):
        paths.runtime_dir()
    os.lchown(link, USER_A, USER_A)  # the link itself A's too
    with pytest.raises(InputError, match=f"uid {USER_A}"):
        paths.runtime_dir()
    assert list(theirs.iterdir()) == []


@pytest.mark.parametrize(
    "edit",
    [
        lambda record: {**record, "not_after": "soon"},
        lambda record: {**record, "not_after": "2030-01-01T00:00:00"},  # no time zone
        lambda record: {**record, "scope": "everyone"},
        lambda record: {**record, "kind": ["ca"]},
    ],
    ids=["not_after soon", "no time zone", "unknown scope", "a list for a word"],
)
def test_a_hand_edited_ledger_is_named_damaged_not_a_traceback(
    edit: object, capsys: pytest.CaptureFixture[str], kurrent_tgz: Path
) -> None:
    assert run(capsys, "install", str(kurrent_tgz), "--stores", "files", "--yes")[0] == 0
    ledger = Ledger()
    document = json.loads(ledger.path.read_text())
    document["records"] = [edit(r) for r in document["records"]]  # type: ignore[operator]
    ledger.path.write_text(json.dumps(document))
    before = ledger.path.read_bytes()
    for argv in (["status"], ["repair", "--yes"], ["uninstall", "--all", "--yes"]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "is damaged" in err and "Traceback" not in err, (argv, err)
        assert "What to do:" in err
    assert ledger.path.read_bytes() == before


def test_a_deeply_nested_ledger_is_named_damaged(capsys: pytest.CaptureFixture[str]) -> None:
    ledger = Ledger()
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_text("[" * 100_000)
    code, _, err = run(capsys, "status")
    assert code == 1 and "is damaged" in err and "Traceback" not in err
