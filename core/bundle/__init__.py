"""A bundle from bytes: safe unpacking, recognising pieces by content, one immutable `Bundle`,
the checks that decide whether it may be installed, and the summaries people read."""

from clustertrust.core.bundle.reader import Bundle, System, read_bundle

__all__ = ["Bundle", "System", "read_bundle"]
