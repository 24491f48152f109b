"""Merge one section into an INI-style file as text, so nothing else in it is lost: comments,
other sections, other keys of the same section, `!include` lines and the file's own layout.

Used for ~/.pg_service.conf and MySQL/MariaDB option files; configparser would drop comments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from clustertrust.core import fileio
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr

BACKUP_SUFFIX = ".clustertrust-backup"


def _plain_key(line: str) -> str | None:
    stripped = line.strip()
    if not stripped or stripped[0] in "#;![":
        return None
    return stripped.split("=", 1)[0].strip().lower()


def _is_header(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("[") and stripped.endswith("]")


def merge_section(
    text: str,
    section: str,
    values: Mapping[str, str],
    same_key: Callable[[str], str] = lambda k: k,
) -> str:
    """`text` with `section` holding `values` (every copy of a key set to the new value)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == f"[{section}]"), None)
    fresh = [f"{key}={value}" for key, value in values.items()]
    if start is None:
        spacer = [""] if any(ln.strip() for ln in lines) else []
        return "\n".join([*lines, *spacer, f"[{section}]", *fresh]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _is_header(lines[i])), len(lines))
    wanted = {same_key(k): (k, v) for k, v in values.items()}
    body, seen = [], set()
    for line in lines[start + 1 : end]:
        key = _plain_key(line)
        found = wanted.get(same_key(key)) if key else None
        if found:
            seen.add(same_key(found[0]))
            body.append(f"{found[0]}={found[1]}")
        else:
            body.append(line)
    missing = [f"{k}={v}" for k, v in values.items() if same_key(k) not in seen]
    last = max((i + 1 for i, ln in enumerate(body) if ln.strip()), default=0)
    body[last:last] = missing
    return "\n".join([*lines[: start + 1], *body, *lines[end:]]) + "\n"


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError as exc:
        raise InputError(
            tr("{path} is not a text file.").format(path=path),
            tr("Check the path, or move the file aside."),
        ) from exc
    except OSError as exc:
        raise InputError(
            tr("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror),
            tr("Check its permissions."),
        ) from exc


def write_text(path: Path, text: str, new_mode: int = 0o600) -> Path | None:
    """Replace `path` atomically, keeping its mode; the old content goes to a backup file,
    whose path is returned (None when the file is new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    mode = new_mode
    if path.exists():
        mode = path.stat().st_mode & 0o777
        backup = path.with_name(path.name + BACKUP_SUFFIX)
        fileio.write_atomic(backup, path.read_bytes(), mode=mode)
    fileio.write_atomic(path, text.encode("utf-8"), mode=mode)
    return backup
