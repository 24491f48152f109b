"""Where ClusterTrust keeps its own files (platformdirs): state, config, data, logs, runtime.

Each folder is refused when it (or the folder holding it) is a symlink owned by someone else:
root running with a user's HOME must not write where that user's link points.
"""

from __future__ import annotations

import os
from pathlib import Path

from clustertrust.core.errors import InputError

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
    return state_dir() / "run"


def _private_folder(folder: Path) -> bool:
    try:
        info = folder.lstat()
    except OSError:
        return False
    return folder.is_dir() and not folder.is_symlink() and info.st_uid == _euid()


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else 0


def checked(folder: Path) -> Path:
    """`folder`, unless it or its parent is a symlink someone else owns (InputError, exit 2)."""
    for path in (folder, folder.parent):
        try:
            info = path.lstat()
        except OSError:
            continue
        if path.is_symlink() and not _ours(info.st_uid):
            raise InputError(
                f"{path} is a link owned by another user (uid {info.st_uid}), so ClusterTrust "
                "will not write through it; nothing was changed.",
                f"Remove the link {path}, or run ClusterTrust as the user who owns it.",
            )
    return folder


def _ours(uid: int) -> bool:
    """Ours, or root's (a link root made is as trusted as root itself)."""
    return not hasattr(os, "geteuid") or uid in (os.geteuid(), 0)
