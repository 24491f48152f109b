"""Open a bundle, read and check it, and describe it, as both front ends show it: the source
(a file, folder or https:// link), the one immutable `Bundle`, its findings, and summaries of
its certificates."""

from __future__ import annotations

from clustertrust.core.bundle.checks import Finding, Severity, check_bundle, has_errors
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.bundle.summary import (
    CertificateSummary,
    bundle_json,
    bundle_text,
    pretty_fingerprint,
    summarize,
)
from clustertrust.core.source.load import SourceData, load_source

__all__ = [
    "Bundle",
    "CertificateSummary",
    "Finding",
    "Severity",
    "SourceData",
    "bundle_json",
    "bundle_text",
    "check_bundle",
    "has_errors",
    "load_source",
    "pretty_fingerprint",
    "read_bundle",
    "summarize",
]
