"""What a front end's process sets up and keeps: its log, its folders, files it writes, secrets
in the OS keyring, cancelling long work, and text from certificates made safe to show. The
wizard's workers import this before the first window: every name loads on first use."""

from __future__ import annotations

import contextlib
import importlib
from typing import TYPE_CHECKING, Any

from clustertrust.core.errors import ClusterTrustError

_WHERE = {
    "CancelToken": "clustertrust.core.cancel",
    "config_dir": "clustertrust.core.paths",
    "runtime_dir": "clustertrust.core.paths",
    "create_private": "clustertrust.core.fileio",
    "write_atomic": "clustertrust.core.fileio",
    "setup_logging": "clustertrust.core.logs",
    "printable": "clustertrust.core.names",
    "printable_lines": "clustertrust.core.names",
}
__all__ = [
    "CancelToken",
    "config_dir",
    "create_private",
    "delete_secret",
    "load_secret",
    "prepare_own_files",
    "printable",
    "printable_lines",
    "runtime_dir",
    "save_secret",
    "setup_logging",
    "write_atomic",
]

if TYPE_CHECKING:
    from clustertrust.core.cancel import CancelToken
    from clustertrust.core.fileio import create_private, write_atomic
    from clustertrust.core.logs import setup_logging
    from clustertrust.core.names import printable, printable_lines
    from clustertrust.core.paths import config_dir, runtime_dir


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(where), name)


def prepare_own_files(verbose: bool = False) -> None:
    """Before a command that uses ClusterTrust's own files: temporary key material of runs that
    were killed (SIGKILL, power loss) is removed, and the log is set up."""
    from clustertrust.core import fileio, logs, paths

    with contextlib.suppress(ClusterTrustError, OSError):  # the command itself will say why
        fileio.remove_dead_folders(paths.runtime_dir())
    logs.setup_logging(verbose)


def load_secret(name: str) -> str | None:
    """From the OS keyring (loaded on first use); OperationFailed when it is shut."""
    from clustertrust.core import secrets

    return secrets.load_secret(name)


def save_secret(name: str, value: str) -> None:
    from clustertrust.core import secrets

    secrets.save_secret(name, value)


def delete_secret(name: str) -> bool:
    """False when there was none."""
    from clustertrust.core import secrets

    return secrets.delete_secret(name)
