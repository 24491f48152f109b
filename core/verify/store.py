"""The last verification result, kept for status and the helpdesk support report.

It holds certificate summaries, timings and outcomes only: no key material, no passwords,
and the URL without credentials or query string.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clustertrust.core import fileio
from clustertrust.core.paths import state_dir
from clustertrust.core.verify.result import VerifyReport

FILE_NAME = "last-verify.json"


def last_verification_path() -> Path:
    return state_dir() / FILE_NAME


def save_last_verification(report: VerifyReport) -> Path:
    """Write atomically (temp file + rename), so a reader never sees half a file."""
    path = last_verification_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fileio.write_atomic(path, json.dumps(report.to_json(), indent=2).encode("utf-8"))
    return path


def load_last_verification() -> dict[str, Any] | None:
    """The saved report as JSON data, or None when there is none or it cannot be read."""
    try:
        data = json.loads(last_verification_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "outcome" in data else None
