"""NSS browser databases: discovery (Chromium, Firefox profiles.ini in every known location) and
the real certutil/pk12util on temporary databases."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.model import Scope
from clustertrust.platform import nss
from clustertrust.platform.runner import CommandError, SubprocessRunner
from support import pki


def new_db(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    return folder


def listing(folder: Path, *extra: str) -> str:
    argv = ["certutil", "-L", "-d", f"sql:{folder}", *extra]
    return subprocess.run(argv, capture_output=True, text=True).stdout


def keys(folder: Path) -> str:
    argv = ["certutil", "-K", "-d", f"sql:{folder}"]
    return subprocess.run(argv, capture_output=True, text=True).stdout


USER = 64023  # a uid with no name: enough to own a folder


def test_finds_chromium_and_firefox_profiles_everywhere(
    isolated_dirs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = isolated_dirs
    monkeypatch.setattr(os, "geteuid", lambda: USER)  # a user's run: their profile elsewhere too
    new_db(home / ".pki/nssdb")
    new_db(home / ".local/share/pki/nssdb")
    new_db(home / "snap/chromium/current/.pki/nssdb")
    classic = home / ".mozilla/firefox"
    new_db(classic / "abcd.default-release")
    elsewhere = new_db(tmp_path / "profiles-on-another-disk/work")
    os.chown(elsewhere, USER, -1)
    (classic / "profiles.ini").write_text(
        "[General]\nStartWithLastProfile=1\n\n"
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\nDefault=1\n\n"
        f"[Profile1]\nName=work\nIsRelative=0\nPath={elsewhere}\n\n"
        "[Profile2]\nName=never-started\nIsRelative=1\nPath=zz.never\n\n"
        "[Install4F96D1932A9F858E]\nDefault=abcd.default-release\n"
    )
    for root in (
        ".config/mozilla/firefox",
        "snap/firefox/common/.mozilla/firefox",
        ".var/app/org.mozilla.firefox/.mozilla/firefox",
    ):
        new_db(home / root / "p.default")
        (home / root / "profiles.ini").write_text(
            "[Profile0]\nName=p\nIsRelative=1\nPath=p.default\n"
        )
    old = home / ".mozilla/firefox/legacy"
    old.mkdir()
    (old / "cert8.db").write_bytes(b"")  # pre-2017 format: not used

    databases = nss.find_databases(home)
    found = {db.name: db.folder for db in databases}
    assert len(found) == len(databases)  # every database has its own name
    assert found["Firefox (profile default-release)"] == classic / "abcd.default-release"
    assert found["Browser certificate database"] == elsewhere  # no layout says which browser
    snap = home / "snap/firefox/common/.mozilla/firefox/p.default"
    assert found["Firefox (profile default, snap)"] == snap  # the folder's name, as status has it
    never = next(db for db in databases if db.folder == classic / "zz.never")
    assert not never.exists  # listed, never started: install creates its database
    assert "Chromium (snap)" in found
    folders = set(found.values())
    assert home / ".pki/nssdb" in folders and home / ".local/share/pki/nssdb" in folders
    assert {
        home / r / "p.default"
        for r in (
            ".config/mozilla/firefox",
            "snap/firefox/common/.mozilla/firefox",
            ".var/app/org.mozilla.firefox/.mozilla/firefox",
        )
    } <= folders
    assert len(folders) == 9  # with the never-started profile


@pytest.mark.skipif(os.geteuid() != 0, reason="root's attack: needs root to chown")
def test_as_root_no_profile_outside_the_home_or_of_another_user_is_used(
    isolated_dirs: Path, tmp_path: Path
) -> None:
    """What profiles.ini may point root at: a folder anywhere (root would create a database with
    the client key there), `..` out of the home, a profile another user owns."""
    root = isolated_dirs / ".mozilla/firefox"
    kept = new_db(root / "abcd.default-release")
    theirs = new_db(root / "efgh.theirs")
    os.chown(theirs, USER, -1)
    anywhere = tmp_path / "served/www"
    anywhere.mkdir(parents=True)
    (root / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\n\n"
        f"[Profile1]\nName=anywhere\nIsRelative=0\nPath={anywhere}\n\n"
        f"[Profile2]\nName=up\nIsRelative=1\nPath={os.path.relpath(anywhere, root)}\n\n"
        "[Profile3]\nName=theirs\nIsRelative=1\nPath=efgh.theirs\n"
    )
    assert [db.folder for db in nss.find_databases(isolated_dirs)] == [kept]


def test_a_broken_profiles_ini_is_skipped(isolated_dirs: Path) -> None:
    root = isolated_dirs / ".mozilla/firefox"
    root.mkdir(parents=True)
    (root / "profiles.ini").write_bytes(b"\xff\xfe[Profile0\nPath")
    assert nss.find_databases(isolated_dirs) == []


def test_ca_and_identity_go_in_and_come_out(tmp_path: Path, bundle: Bundle) -> None:
    db = new_db(tmp_path / "db")
    store = nss.NssStore(SubprocessRunner(), [nss.Database(db)])
    assert store.detect().available
    steps = store.plan_install(bundle, Scope.USER)
    assert [s.record.kind for s in steps] == ["ca", "identity"]
    for step in steps:
        assert not store.is_installed(step.record)
        step.run()
        assert store.is_installed(step.record)
    listed = listing(db)
    assert "d4f2example-ca (ClusterTrust" in listed and "C,," in listed
    assert "d4f2example-kurrentdb-client (ClusterTrust" in listed and "u,u,u" in listed
    assert "d4f2example-kurrentdb-client" in keys(db)
    for step in reversed(steps):
        (removal,) = store.plan_remove(step.record)
        removal.run()
        removal.run()  # removing what is gone is fine
        assert not store.is_installed(step.record)
    assert "ClusterTrust" not in listing(db) and "no keys found" in keys(db).lower()


def test_the_p12_password_is_random_and_never_shown(tmp_path: Path, bundle: Bundle) -> None:
    db = new_db(tmp_path / "db")
    seen: list[tuple[str, ...]] = []

    class Spy(SubprocessRunner):
        def run(self, argv, **kwargs):  # type: ignore[no-untyped-def, override]
            result = super().run(argv, **kwargs)
            seen.append(result.argv)
            return result

    store = nss.NssStore(Spy(), [nss.Database(db)])
    identity = store.plan_install(bundle, Scope.USER)[1]
    identity.run()
    (pk12,) = [a for a in seen if a[0].endswith("pk12util")]
    assert "-W" not in pk12 and "-w" in pk12  # the password travels in a 0600 file
    assert not Path(pk12[pk12.index("-w") + 1]).exists()  # ...removed afterwards
    assert "kurrent" not in " ".join(pk12)


def test_is_installed_matches_by_fingerprint_not_by_name(tmp_path: Path, bundle: Bundle) -> None:
    db = new_db(tmp_path / "db")
    store = nss.NssStore(SubprocessRunner(), [nss.Database(db)])
    ca_step = store.plan_install(bundle, Scope.USER)[0]
    other = pki.make_ca("d4f2example-ca")  # same name, different certificate
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", ca_step.record.name, "-t", "C,,", "-a"],
        input=other.cert_pem,
        check=True,
    )
    assert not store.is_installed(ca_step.record)
    ca_step.undo()  # must not delete somebody else's certificate
    assert ca_step.record.name in listing(db)


def test_missing_certutil_names_the_package(tmp_path: Path, bundle: Bundle) -> None:
    db = new_db(tmp_path / "db")
    store = nss.NssStore(SubprocessRunner(), [nss.Database(db)])
    store.certutil = None
    available = store.detect()
    assert not available.available
    assert "libnss3-tools" in available.reason and "nss-tools" in available.reason
    assert "mozilla-nss-tools" in available.reason
    with pytest.raises(CommandError, match="libnss3-tools"):
        store.plan_install(bundle, Scope.USER)[0].run()


def test_no_browser_database_is_explained(isolated_dirs: Path) -> None:
    available = nss.NssStore(SubprocessRunner()).detect()
    assert not available.available and "start the browser once" in available.reason


def test_install_steps_tell_to_restart_browsers(tmp_path: Path, bundle: Bundle) -> None:
    store = nss.NssStore(SubprocessRunner(), [nss.Database(new_db(tmp_path / "db"))])
    assert all("Restart your browsers" in s.note for s in store.plan_install(bundle, Scope.USER))


@pytest.mark.parametrize(
    "name",
    [
        "a\x00b",
        "a\nb",
        "a\x1b[31mb",
        "a\"b'c",
        "token:nick",
        "$(touch x)",
        "",
        "é" * 30,
        "a\u202eb",
    ],
)
def test_a_nickname_holds_no_character_nss_or_a_shell_would_misread(name: str) -> None:
    ca = pki.make_ca(name or "placeholder", "p256")
    if not name:  # a CA without a usable name still gets a nickname
        ca = pki.make_ca(" ", "p256")
    nick = nss.nickname(ca.cert)
    assert nick.isprintable()
    assert not set(nick) & set("\x00\n\"':$`\\/")
    assert nick.endswith(")") and "(ClusterTrust " in nick


def test_a_shown_command_splits_back_into_the_argv_it_runs(tmp_path: Path, bundle: Bundle) -> None:
    import shlex

    hostile = tmp_path / "profile $(touch x) 'q'"
    hostile.mkdir()
    store = nss.NssStore(SubprocessRunner(), [nss.Database(hostile)])
    (ca_step, identity_step) = store.plan_install(bundle, Scope.USER)
    assert shlex.split(ca_step.undo_commands[0]) == list(store._delete_argv(ca_step.record))
    shown = shlex.split(identity_step.commands[0])
    assert shown[shown.index("-d") + 1] == f"sql:{hostile}"
