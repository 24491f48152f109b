"""Printing for the command line: JSON documents on stdout, messages for people on stderr."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from clustertrust.core.actions.runtime import printable_lines
from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.i18n import tr


def print_json(document: Any) -> None:
    import json  # only for --json

    json.dump(document, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def report_error(error: ClusterTrustError, as_json: bool) -> int:
    """Say what went wrong and what to do; return the exit code for it."""
    print(f"clustertrust: {error.message}", file=sys.stderr)
    if error.terminal_fix:
        print(tr("What to do: {fix}").format(fix=error.terminal_fix), file=sys.stderr)
    if as_json:
        print_json(
            {
                "error": {
                    "message": error.message,
                    "fix": error.terminal_fix,
                    "exit_code": error.exit_code,
                }
            }
        )
    return error.exit_code


class EscapingStream:
    """A text stream that writes control characters (an ANSI escape in a certificate's name,
    say) as visible escapes; lines and tabs pass. JSON is unaffected: json.dump escapes them."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(printable_lines(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding...
        return getattr(self.inner, name)


@contextlib.contextmanager
def escaped_output() -> Iterator[None]:
    with (
        contextlib.redirect_stdout(EscapingStream(sys.stdout)),
        contextlib.redirect_stderr(EscapingStream(sys.stderr)),
    ):
        yield
