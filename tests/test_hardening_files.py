"""Files ClusterTrust writes: atomic, 0600 from creation, never through a planted link; a state
folder that is someone else's link is refused; private folders go on every exit path and dead
runs' leftovers at the next start; the ledger lock is held across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from clustertrust.core import fileio, paths
from clustertrust.core.errors import InputError
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Kind, Scope, record_for
from support.cli_runs import cli, pem_bundle, runtime

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="giving a link to another user needs root")


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text("untouched")
    return path


def test_an_atomic_write_replaces_a_planted_link_instead_of_following_it(
    tmp_path: Path, victim: Path
) -> None:
    target = tmp_path / "state.json"
    target.symlink_to(victim)
    fileio.write_atomic(target, b"{}")
    assert victim.read_text() == "untouched"
    assert not target.is_symlink() and target.read_bytes() == b"{}"


def test_files_are_private_from_creation_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        fileio.write_atomic(tmp_path / "private", b"x")
        fileio.write_atomic(tmp_path / "public", b"x", mode=0o644)
        fileio.create_private(tmp_path / "new", b"x")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"private": 0o600, "public": 0o644, "new": 0o600}


def test_creating_a_private_file_never_writes_through_a_link(tmp_path: Path, victim: Path) -> None:
    (tmp_path / "client.p12").symlink_to(victim)
    with pytest.raises(FileExistsError):
        fileio.create_private(tmp_path / "client.p12", b"secret")
    assert victim.read_text() == "untouched"


def test_the_ledger_backup_is_not_written_through_a_planted_link(victim: Path, kurrent) -> None:  # type: ignore[no-untyped-def]
    ledger = Ledger()
    record = record_for(kurrent.ca.cert, Kind.CA, "nss", "/db", "nick", Scope.USER)
    ledger.write_intent(record)
    ledger.path.with_name("ledger.json.bak").symlink_to(victim)
    ledger.mark_done(record)
    assert victim.read_text() == "untouched"
    assert ledger.path.with_name("ledger.json.bak").stat().st_mode & 0o777 == 0o600


@root_only
def test_a_state_folder_that_is_another_users_link_is_refused(
    isolated_dirs: Path, tmp_path: Path
) -> None:
    # GIVEN root running with a HOME whose state folder is a link its owner planted
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    state = isolated_dirs / ".local/state/clustertrust"
    state.parent.mkdir(parents=True)
    state.symlink_to(elsewhere)
    os.lchown(state, 4242, 4242)
    # WHEN a command would write there
    with pytest.raises(InputError) as error:
        paths.state_dir()
    result = cli(
        isolated_dirs,
        "install",
        str(pem_bundle(tmp_path / "b", "x CA", "x client")),
        "--stores",
        "files",
        "--yes",
    )
    # THEN it is refused, exit 2, and nothing is written where the link points
    assert "4242" in error.value.message
    assert result.code == 2, result.err
    assert list(elsewhere.iterdir()) == []


def test_a_link_of_our_own_is_followed(isolated_dirs: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    state = isolated_dirs / ".local/state/clustertrust"
    state.parent.mkdir(parents=True)
    state.symlink_to(elsewhere)
    assert paths.state_dir() == state


def test_a_private_folder_is_removed_when_an_exception_unwinds(isolated_dirs: Path) -> None:
    parent = paths.runtime_dir()
    with pytest.raises(KeyboardInterrupt), fileio.private_folder(parent) as folder:
        fileio.create_private(folder / "pw", b"secret")
        raise KeyboardInterrupt
    assert list(parent.iterdir()) == []
    assert str(parent).startswith(str(runtime(isolated_dirs)))


def test_a_signal_during_the_removal_still_removes_the_key_material(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM arrives as KeyboardInterrupt (cli.main); one that lands inside the folder's own
    removal, as the run ends, stopped that removal halfway and left the key on disk (seen once
    in a whole run's kill test). The removal now finishes, then the interrupt goes on."""
    removing = fileio._rmtree
    landed = []

    def signal_lands_once(folder: Path, ignore_errors: bool = False) -> None:
        if not landed:
            landed.append(folder)
            raise KeyboardInterrupt  # as the handler raises it: before anything is removed
        removing(folder, ignore_errors)

    monkeypatch.setattr(fileio, "_rmtree", signal_lands_once)
    parent = paths.runtime_dir()
    with pytest.raises(KeyboardInterrupt), fileio.private_folder(parent) as folder:
        fileio.create_private(folder / "tls.key", b"secret")
    assert landed == [folder]
    assert list(parent.iterdir()) == []


def test_folders_of_dead_runs_are_removed_and_live_ones_kept(isolated_dirs: Path) -> None:
    parent = paths.runtime_dir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (parent / f"clustertrust-{dead}-0000").mkdir(parents=True)
    (parent / f"clustertrust-{dead}-0000" / "client.p12").write_bytes(b"secret")
    (parent / f"clustertrust-{os.getppid()}-1111").mkdir()
    removed = fileio.remove_dead_folders(parent)
    assert [p.name for p in removed] == [f"clustertrust-{dead}-0000"]
    assert [p.name for p in parent.iterdir()] == [f"clustertrust-{os.getppid()}-1111"]


HOLD = """
import sys
from pathlib import Path
from clustertrust.core import fileio
from clustertrust.core.errors import OperationFailed
try:
    with fileio.exclusive_lock(Path(sys.argv[1]), wait=0.5):
        print("got it")
except OperationFailed as error:
    print("waited:", error.message)
"""


def test_the_lock_is_reentrant_here_and_exclusive_across_processes(tmp_path: Path) -> None:
    lock = tmp_path / "ledger.json.lock"
    with fileio.exclusive_lock(lock), fileio.exclusive_lock(lock):  # an apply calling helpers
        other = subprocess.run(
            [sys.executable, "-c", HOLD, str(lock)], capture_output=True, text=True, timeout=60
        )
    assert other.stdout.startswith("waited:"), other.stderr
    after = subprocess.run(
        [sys.executable, "-c", HOLD, str(lock)], capture_output=True, text=True, timeout=60
    )
    assert after.stdout.strip() == "got it", after.stderr
    assert lock.stat().st_mode & 0o777 == 0o600


def test_a_lock_file_planted_as_a_link_is_not_followed(tmp_path: Path, victim: Path) -> None:
    lock = tmp_path / "ledger.json.lock"
    lock.symlink_to(victim)
    with pytest.raises(InputError, match="is a link or a folder"), fileio.exclusive_lock(lock):
        pass
    assert victim.read_text() == "untouched"


HOLD_ALIVE = """
import fcntl, os, sys
from pathlib import Path
folder = Path(sys.argv[1])
folder.mkdir(mode=0o700)
fd = os.open(folder / ".alive", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("ready", flush=True)
sys.stdin.read()
"""


def test_a_live_run_in_another_pid_namespace_keeps_its_folder(isolated_dirs: Path) -> None:
    # GIVEN a folder named after a PID that is gone here, its ALIVE lock held by a live run (what
    # a run in another PID namespace sharing this HOME looks like from here)
    parent = paths.runtime_dir()
    parent.mkdir(parents=True, exist_ok=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    folder = parent / f"clustertrust-{gone}-2222"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_ALIVE, str(folder)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
    # THEN it is kept while that run lives, and removed once it is gone
    assert fileio.remove_dead_folders(parent) == [] and folder.is_dir()
    holder.communicate("")
    assert fileio.remove_dead_folders(parent) == [folder]


def test_a_runtime_entry_with_an_impossible_pid_is_left_alone(isolated_dirs: Path) -> None:
    parent = paths.runtime_dir()
    (parent / "clustertrust-99999999999999999999-x").mkdir(parents=True)
    (parent / "clustertrust-9999999999-x").mkdir()
    assert fileio.remove_dead_folders(parent) == []  # it raised OverflowError on every start


def test_a_private_folder_holds_its_lock_while_in_use(isolated_dirs: Path) -> None:
    parent = paths.runtime_dir()
    with fileio.private_folder(parent) as folder:
        assert fileio.remove_dead_folders(parent) == [] and folder.is_dir()
    assert list(parent.iterdir()) == []


@pytest.mark.parametrize("planted", ["link", "folder"])
def test_a_lock_file_planted_as_a_link_or_folder_is_named(
    planted: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], kurrent_tgz: Path
) -> None:
    from clustertrust.cli.main import main

    lock = paths.state_dir() / "ledger.json.lock"
    lock.parent.mkdir(parents=True)
    if planted == "link":
        lock.symlink_to(tmp_path / "elsewhere")
    else:
        lock.mkdir()
    code = main(["install", str(kurrent_tgz), "--stores", "files", "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and f"{lock} is a link or a folder" in err and "Traceback" not in err
    assert not (tmp_path / "elsewhere").exists()


def test_report_output_replaces_a_planted_link_instead_of_following_it(
    tmp_path: Path, victim: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from clustertrust.cli.main import main

    planted = tmp_path / "report.txt"
    planted.symlink_to(victim)
    assert main(["report", "-o", str(planted)]) == 0
    assert victim.read_text() == "untouched"
    assert not planted.is_symlink() and "ClusterTrust" in planted.read_text()
