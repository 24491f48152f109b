"""The one way ClusterTrust writes its own files: atomically, private from creation, never through
a planted symlink, and under a cross-process lock where several processes share a file.

    write_atomic(path, data)              # temp file (0600) + fsync + rename + folder fsync
    write_atomic(path, data, mode=0o644)  # the same, readable by all (CA anchors)
    create_private(path, data)            # a new file, 0600 from creation, never replacing one
    read_own(path, limit)                 # a file of ours: no link, not too large, not another's
    with exclusive_lock(lock_path): ...   # one process at a time (flock / msvcrt.locking)
    with private_folder(runtime): ...     # a 0700 folder for key material, removed afterwards
    remove_dead_folders(runtime)          # what killed runs left behind
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from clustertrust.core import paths
from clustertrust.core.errors import InputError, OperationFailed
from clustertrust.core.i18n import tr

PRIVATE = 0o600
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # Windows has no symlink-following open to refuse
BINARY = getattr(os, "O_BINARY", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted at a file's name must not block a read
FOLDER_PREFIX = "clustertrust-"
ALIVE = ".alive"  # locked by the run using a private folder, for as long as it lives
LOCK_WAIT = 600.0  # seconds; an apply waiting on an authorization prompt can take minutes


def write_atomic(path: Path, data: bytes, mode: int = PRIVATE) -> None:
    """Replace `path` with `data`: a reader sees the old or the new file, never half of one.

    The temp file is created exclusively (a planted link is never followed) with mode 0600;
    a wider `mode` is applied to it before the rename. A link at `path` is replaced, not followed.
    """
    tmp = path.with_name(f".{path.name}-{os.urandom(6).hex()}")
    try:
        _write_new(tmp, data)
        if mode != PRIVATE:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_folder(path.parent)


def create_private(path: Path, data: bytes) -> Path:
    """Create a new file readable by the owner only; raises FileExistsError if anything is there
    (a file or a link), so nothing is ever written through a planted link."""
    try:
        _write_new(path, data)
    except FileExistsError:
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return path


def read_own(path: Path, limit: int) -> bytes:
    """Read a file ClusterTrust wrote: InputError (exit 2) when a link or something other than a
    file is at its name, when it is larger than `limit` bytes, or when root would read another
    user's file (paths.refuse_foreign); a missing file is FileNotFoundError."""
    paths.refuse_foreign(path.parent)
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW | BINARY | NONBLOCK)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise _not_ours(path, limit) from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        paths.refuse_foreign_owner(path, info.st_uid)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise _not_ours(path, limit)
        return handle.read(limit + 1)[:limit]


def _not_ours(path: Path, limit: int) -> InputError:
    return InputError(
        tr(
            "{path} is a link, a folder or a file of more than {limit} bytes, not a file "
            "ClusterTrust wrote; nothing was read from it."
        ).format(path=path, limit=limit),
        tr("Remove {path} if you did not put it there, then try again.").format(path=path),
    )


def _write_new(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | BINARY
    fd = os.open(path, flags, PRIVATE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for fsync; the rename is durable there
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Held:
    """A lock held by this process: threads wait on `mutex`, other processes on the file."""

    def __init__(self) -> None:
        self.mutex = threading.RLock()
        self.depth = 0
        self.fd = -1


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def exclusive_lock(path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created 0600 beside the data it guards).

    Re-entrant within a process, so an apply that holds it can call helpers that take it too.
    Raises OperationFailed when another process holds it for longer than `wait` seconds.
    """
    with _held_guard:
        held = _held.setdefault(str(path.absolute()), _Held())
    with held.mutex:
        if held.depth == 0:
            held.fd = _acquire(path, wait)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0:
                _release(held.fd)
                held.fd = -1


def _acquire(path: Path, wait: float) -> int:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW | BINARY, PRIVATE)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EISDIR):
            raise
        raise InputError(
            tr(
                "{path} is a link or a folder, not the lock file ClusterTrust makes there, so "
                "nothing was changed."
            ).format(path=path),
            tr("Remove {path} (ClusterTrust makes it again), then try again.").format(path=path),
        ) from exc
    deadline = time.monotonic() + wait
    while not _try_lock(fd):
        if time.monotonic() > deadline:
            os.close(fd)
            raise OperationFailed(
                tr(
                    "Another ClusterTrust (a window or a terminal) has been changing {folder} for "
                    "more than {seconds} s, so nothing was changed."
                ).format(folder=path.parent, seconds=f"{wait:.0f}"),
                tr("Let it finish or close it, then try again."),
            )
        time.sleep(0.05)
    return fd


def _try_lock(fd: int) -> bool:
    """Lock the file's first byte (Windows) or the whole file (flock); False when held."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError:  # msvcrt reports a held lock as EDEADLOCK
        if sys.platform == "win32":
            return False
        raise
    return True


def _release(fd: int) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(fd)  # closing releases a flock


@contextlib.contextmanager
def private_folder(parent: Path) -> Iterator[Path]:
    """A new 0700 folder in `parent` named after this process, removed on every exit path
    (an exception, SystemExit from SIGTERM, Ctrl-C); `remove_dead_folders` takes what a
    SIGKILL left. The run holds a lock on its ALIVE file for as long as the folder is in use:
    the kernel lets go of it when the process ends, whatever PID namespace it ran in."""
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{FOLDER_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    staging, folder = parent / f".{name}", parent / name
    staging.mkdir(mode=0o700)  # not a name remove_dead_folders looks at until it is locked
    fd = -1
    try:
        fd = os.open(staging / ALIVE, os.O_RDWR | os.O_CREAT | os.O_EXCL | NOFOLLOW, PRIVATE)
        _try_lock(fd)
        os.rename(staging, folder)
        yield folder
    finally:
        if fd != -1:
            _release(fd)
        _remove_even_if_interrupted(folder, staging)


def _remove_even_if_interrupted(*folders: Path) -> None:
    """Key material must not outlive the run: a SIGTERM or Ctrl-C that lands while the folders
    are being removed (the run ending anyway) is held back until they are gone, then raised."""
    interrupted: KeyboardInterrupt | None = None
    for folder in folders:
        while True:
            try:
                _rmtree(folder, ignore_errors=True)
                break
            except KeyboardInterrupt as interrupt:  # SIGTERM arrives as one too (cli.main)
                interrupted = interrupt
    if interrupted is not None:
        raise interrupted


def remove_dead_folders(parent: Path) -> list[Path]:
    """Remove private folders whose run is over (its ALIVE lock is free); returns them."""
    removed = []
    with contextlib.suppress(OSError):
        for folder in parent.iterdir():
            ours = folder.name.startswith(FOLDER_PREFIX) and not folder.is_symlink()
            if ours and not _in_use(folder):
                _rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _in_use(folder: Path) -> bool:
    try:
        fd = os.open(folder / ALIVE, os.O_RDWR | NOFOLLOW | BINARY)
    except FileNotFoundError:  # a folder from a version before the lock: its PID decides
        pid = _owner_pid(folder.name)
        return pid is None or _alive(pid)
    except OSError:
        return True
    try:
        return not _try_lock(fd)
    finally:
        _release(fd)


def _owner_pid(name: str) -> int | None:
    pid = name[len(FOLDER_PREFIX) :].partition("-")[0]
    return int(pid) if pid.isdigit() and len(pid) <= 10 else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process of that number, or no process number at all
    return True


def _alive_windows(pid: int) -> bool:
    import ctypes

    handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
    if not handle:
        return False
    ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
    return True


def _rmtree(folder: Path, ignore_errors: bool = False) -> None:
    import shutil  # only when something is removed: every command's start stays light

    shutil.rmtree(folder, ignore_errors=ignore_errors)
