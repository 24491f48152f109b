"""The one runner for every external command: argv lists, timeouts, captured output, redaction.

Nothing else in ClusterTrust calls subprocess. Tests substitute a recording runner with the same
`run` signature. On Windows children start without a console window (a windowed build would
flash one per command otherwise, jupyter_client PR #346) and their output is decoded with the
OEM code page, the one console programs write in (a GBK certutil message read as UTF-8 turns
into `ʧ��`, DASungta/trae-proxy#11). No decision is taken on that text: it is only shown.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from clustertrust.core.errors import CommandError

__all__ = [
    "CommandError",
    "CommandResult",
    "CommandTimedOut",
    "Runner",
    "SubprocessRunner",
    "redact",
]

log = logging.getLogger("clustertrust.runner")

REDACTED = "***"
DEFAULT_TIMEOUT = 120.0
CREATE_NO_WINDOW = 0x08000000  # subprocess.CREATE_NO_WINDOW, which exists only on Windows


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).strip()


class CommandTimedOut(CommandError):
    """The command was stopped after its time limit (returncode None)."""


def creation_flags(platform: str = sys.platform) -> int:
    return CREATE_NO_WINDOW if platform == "win32" else 0


def output_encoding(platform: str = sys.platform) -> str:
    # "oem" is Python's codec for the OEM code page; it exists only on Windows.
    return "oem" if platform == "win32" else "utf-8"


class Runner(Protocol):
    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secrets: Iterable[str] = (),
        check: bool = True,
    ) -> CommandResult: ...


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class SubprocessRunner:
    """Runs commands for real. Passwords go by `input` (stdin) or files; never log them.

    `env` and `cwd` fix the children's environment and working folder (the privileged helper
    passes a minimal one); None inherits ours. `encoding` and `flags` default to this OS's.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        encoding: str | None = None,
        flags: int | None = None,
    ) -> None:
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.encoding = encoding or output_encoding()
        self.flags = creation_flags() if flags is None else flags

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secrets: Iterable[str] = (),
        check: bool = True,
    ) -> CommandResult:
        secrets = tuple(secrets)
        shown = tuple(redact(a, secrets) for a in argv)
        started = time.monotonic()
        try:
            done = subprocess.run(
                list(argv),
                input=input if input is not None else b"",
                capture_output=True,
                timeout=timeout,
                check=False,
                env=self.env,
                cwd=self.cwd,
                creationflags=self.flags,
            )
        except FileNotFoundError as exc:
            log.info("command not found: %s", " ".join(shown))
            raise CommandError(shown, None, "", "could not start: program not found") from exc
        except subprocess.TimeoutExpired as exc:
            log.warning("command timed out after %.0fs: %s", timeout, " ".join(shown))
            raise CommandTimedOut(shown, None, "", f"timed out after {timeout:.0f} s") from exc
        result = CommandResult(
            argv=shown,
            returncode=done.returncode,
            stdout=redact(done.stdout.decode(self.encoding, errors="replace"), secrets),
            stderr=redact(done.stderr.decode(self.encoding, errors="replace"), secrets),
            duration=time.monotonic() - started,
        )
        log.info("ran %s -> exit %d in %.3fs", " ".join(shown), done.returncode, result.duration)
        if check and done.returncode != 0:
            raise CommandError(shown, done.returncode, result.output)
        return result
