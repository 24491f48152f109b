"""Where ClusterTrust keeps its own files (platformdirs): state, config, data, logs, runtime.

The privilege rule lives here, decided once (`checked`): a process running as root (euid 0)
refuses any path that is, or lies under, something another user owns (their HOME with `sudo -E`,
a ledger's location in someone's folder, a browser profile); it never acts on a user's state as
root. Any process refuses a symlink owned by someone else at a folder or the folder holding it.
"""

from __future__ import annotations

import os
from pathlib import Path

from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr

APP = "clustertrust"


def state_dir() -> Path:
    """The ledger and the last verification result live here."""
    return _user_dir("user_state_dir")


def config_dir() -> Path:
    """Settings such as the last cluster used; never passwords or tokens."""
    return _user_dir("user_config_dir")


def data_dir() -> Path:
    """Files the user asked us to keep (client key 0600, CA copies for client configuration)."""
    return _user_dir("user_data_dir")


def log_dir() -> Path:
    return _user_dir("user_log_dir")


def _user_dir(function: str) -> Path:
    import platformdirs  # on first use: a start whose runtime folder is XDG_RUNTIME_DIR needs none

    return checked(Path(getattr(platformdirs, function)(APP, appauthor=False)))


def runtime_dir() -> Path:
    """Short-lived key material handed to tools: the session's private runtime folder
    (XDG_RUNTIME_DIR, a tmpfs gone at logout) when there is one, else a folder in the state
    folder; never the shared temporary folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and _private_folder(Path(runtime)):
        return checked(Path(runtime) / APP)
    return checked(state_dir() / "run")


def _private_folder(folder: Path) -> bool:
    try:
        info = folder.lstat()
    except OSError:
        return False
    return folder.is_dir() and not folder.is_symlink() and info.st_uid == _euid()


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else 0


def checked(folder: Path) -> Path:
    """`folder`, unless it or its parent is a symlink someone else owns, or (as root) it or a
    folder above it belongs to another user (InputError, exit 2)."""
    refuse_foreign(folder)
    for path in (folder, folder.parent):
        try:
            info = path.lstat()
        except OSError:
            continue
        if path.is_symlink() and not _ours(info.st_uid):
            raise InputError(
                tr(
                    "{path} is a link owned by another user (uid {uid}), so ClusterTrust will not "
                    "write through it; nothing was changed."
                ).format(path=path, uid=info.st_uid),
                tr("Remove the link {path}, or run ClusterTrust as the user who owns it.").format(
                    path=path
                ),
            )
    return folder


def _ours(uid: int) -> bool:
    """Ours, or root's (a link root made is as trusted as root itself)."""
    return not hasattr(os, "geteuid") or uid in (os.geteuid(), 0)


def refuse_foreign(path: Path) -> None:
    """As root: InputError when `path` or a folder above it (as written and as resolved) exists
    and belongs to another user, who could swap what root is about to read or write there."""
    if _euid() != 0:
        return
    for above in _lineage(path):
        try:
            refuse_foreign_owner(above, above.lstat().st_uid)
        except OSError:
            continue  # not there (yet): what is above it decides


def refuse_foreign_owner(path: Path, owner: int) -> None:
    """As root: InputError when `owner` (of `path`, as already looked at) is another user."""
    if _euid() == 0 and owner != 0:
        raise InputError(
            tr(
                "ClusterTrust is running as root, and {path} belongs to another user (uid {uid}), "
                "so it will not read or change anything there; nothing was changed."
            ).format(path=path, uid=owner),
            tr(
                "Run ClusterTrust as that user (it asks for authorization itself where it needs "
                "it), or as root with root's own HOME (sudo without -E or --preserve-env)."
            ),
        )


def _lineage(path: Path) -> list[Path]:
    written = Path(os.path.abspath(path))
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = written
    return list(dict.fromkeys([written, *written.parents, resolved, *resolved.parents]))
