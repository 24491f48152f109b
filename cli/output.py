"""Printing for the command line: JSON documents on stdout, messages for people on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from clustertrust.core.errors import ClusterTrustError


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def report_error(error: ClusterTrustError, as_json: bool) -> int:
    """Say what went wrong and what to do; return the exit code for it."""
    print(f"clustertrust: {error.message}", file=sys.stderr)
    if error.fix:
        print(f"What to do: {error.fix}", file=sys.stderr)
    if as_json:
        print_json(
            {"error": {"message": error.message, "fix": error.fix, "exit_code": error.exit_code}}
        )
    return error.exit_code
