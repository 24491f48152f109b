"""Names that come from certificates, made safe for where they go: a terminal, a tool's
nickname, a file name. A certificate's name is chosen by whoever made the certificate."""

from __future__ import annotations

import re

_LABEL_PUNCTUATION = " ._@()+=,-"
_DASHES = re.compile(r"-{2,}")


def printable(text: str) -> str:
    """`text` with every non-printable character (NUL, newline, ESC of an ANSI sequence, other
    controls) written as an escape such as \\x1b, so a terminal shows it instead of obeying it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def printable_lines(text: str) -> str:
    """`printable` for output that is meant to span lines: newlines and tabs are kept."""
    return "".join(c if c.isprintable() or c in "\n\t" else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def label(text: str, limit: int = 48) -> str:
    """A label for a tool's nickname or a file name: letters (any script), digits, spaces and a
    few punctuation marks only (no NUL, newline, quote, colon, slash or direction override),
    never empty."""
    kept = "".join(c if c.isalnum() or c in _LABEL_PUNCTUATION else "-" for c in text)
    cleaned = _DASHES.sub("-", kept).strip(" .-")
    return cleaned[:limit].rstrip(" .-") or "certificate"
