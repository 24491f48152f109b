"""The system-wide list of CA anchors ClusterTrust installed, kept by root beside no user file.

The privileged helper removes an anchor only when this list names it: a `clustertrust-*` file
someone else put there, or a name a caller made up, is left alone. The file and its folder must
be owned by root and must not be links, so a user cannot plant the list.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from clustertrust.core import fileio
from clustertrust.core.errors import OperationFailed
from clustertrust.core.i18n import tr


def names(path: Path) -> set[str]:
    return set(_load(path))


def add(path: Path, name: str, sha256: str) -> None:
    anchors = _load(path)
    anchors[name] = sha256
    _save(path, anchors)


def discard(path: Path, name: str) -> None:
    anchors = _load(path)
    if anchors.pop(name, None) is not None:
        _save(path, anchors)


def _check_owned(path: Path) -> None:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        raise OperationFailed(
            tr("{path} is a link or not owned by the administrator; it was not used.").format(
                path=path
            ),
            tr("Remove {path} as root and run the command again.").format(path=path),
        )


def _load(path: Path) -> dict[str, str]:
    try:
        _check_owned(path.parent)
        _check_owned(path)
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise OperationFailed(
            tr("{path} cannot be read: {reason}.").format(path=path, reason=error),
            tr("Remove {path} as root.").format(path=path),
        ) from error
    anchors = document.get("anchors") if isinstance(document, dict) else None
    if not isinstance(anchors, dict):
        raise OperationFailed(
            tr("{path} is damaged.").format(path=path),
            tr("Remove {path} as root.").format(path=path),
        )
    return {str(k): str(v) for k, v in anchors.items()}


def _save(path: Path, anchors: dict[str, str]) -> None:
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    _check_owned(path.parent)
    document = json.dumps({"format": 1, "anchors": anchors}, indent=2, sort_keys=True)
    fileio.write_atomic(path, document.encode("utf-8"), mode=0o644)
