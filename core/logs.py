"""The rotating log file in the user log folder, and the last lines of it for support reports.

Every external command is logged by the runner (argv redacted, exit code, duration); this module
decides where those records go. A last-line filter scrubs anything shaped like key material or a
registered secret, so a mistake elsewhere cannot leak it into the file.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections import deque
from pathlib import Path

from clustertrust.core.i18n import tr

LOGGER_NAME = "clustertrust"
LOG_FILE = "clustertrust.log"
MAX_BYTES = 1 << 20
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_PEM_SECRET = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY|PKCS12)-----.*?(-----END \1-----|\Z)", re.DOTALL
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")
_secrets: set[str] = set()


def log_path() -> Path:
    from clustertrust.core import paths  # platformdirs: only once a record is written

    return paths.log_dir() / LOG_FILE


def register_secret(value: str) -> None:
    """Remember a password or token for this process so it is scrubbed from every record."""
    if value and len(value) >= 4:
        _secrets.add(value)


def scrub(text: str) -> str:
    text = _PEM_SECRET.sub("[private key removed]", text)
    text = _BEARER.sub(r"\1***", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


class _FirstRecordHandler(logging.Handler):
    """Makes the rotating file (and works out its path) at the first record: a command that
    logs nothing, such as `inspect` or a refused input, neither pays for it nor leaves a file."""

    def __init__(self) -> None:
        super().__init__()
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            self._file = _private_rotating_file(log_path())
            self._file.setFormatter(self.formatter)
        self._file.handle(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def _private_rotating_file(path: Path) -> logging.Handler:
    import logging.handlers

    class PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
        """Readable by the user only, created with its folder when first opened."""

        warned = False

        def _open(self):  # type: ignore[no-untyped-def]
            from clustertrust.core.fileio import NOFOLLOW

            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # 0600 from creation, and a link planted in place of the log is not followed
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | NOFOLLOW
            fd = os.open(self.baseFilename, flags, 0o600)
            return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

        def handleError(self, record: logging.LogRecord) -> None:
            if not self.warned:  # a read-only home must not stop the tool itself
                cannot = tr("clustertrust: cannot write the log at {path}")
                print(cannot.format(path=self.baseFilename), file=sys.stderr)
                self.warned = True

    return PrivateRotatingHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )


def setup_logging(verbose: bool = False) -> None:
    """Send ClusterTrust's records to the rotating file (and stderr when verbose)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if getattr(h, "_clustertrust", False)]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handlers: list[logging.Handler] = [_FirstRecordHandler()]
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(ScrubFilter())
        handler._clustertrust = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def last_lines(count: int = 40) -> list[str]:
    """The newest `count` lines of the log (scrubbed again), oldest first; [] when there is none."""
    path = log_path()
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            tail = deque(handle, maxlen=count)
    except OSError:
        return []
    return [scrub(line.rstrip("\n")) for line in tail]
