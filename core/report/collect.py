"""The support report for the helpdesk: app and OS, stores and tool versions, every ledger item
(present now or not, expiry, days left), the last verification and the last lines of the log.

It never holds key material, passwords, tokens or p12 content: it is built only from
certificate summaries, ledger records and the (already scrubbed) log, and every string is
scrubbed once more on the way out. Origins lose credentials and query strings.
"""

from __future__ import annotations

import datetime as dt
import sys
import urllib.parse
from typing import Any

from clustertrust.core import __version__
from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.i18n import english
from clustertrust.core.install import plan as plans
from clustertrust.core.install.expiry import RENEW, RENEW_FIX, expiry_warnings
from clustertrust.core.logs import last_lines, log_path, scrub
from clustertrust.core.model import Setup
from clustertrust.core.remedy import for_terminal
from clustertrust.core.report.text import render_text
from clustertrust.core.verify.store import load_last_verification

LOG_LINES = 40

__all__ = ["LOG_LINES", "collect", "render_text", "safe_origin"]


def collect(setup: Setup, machine: dict[str, Any], log_lines: int = LOG_LINES) -> dict[str, Any]:
    """Everything the helpdesk needs, as one JSON-ready document (already redacted), in English
    whatever the user's language. `machine` is platform.facts.machine_facts: the system, each
    store's state and the tools' versions."""
    with english():
        return _collect(setup, machine, log_lines)


def _collect(setup: Setup, machine: dict[str, Any], log_lines: int) -> dict[str, Any]:
    document = {
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "app": {"name": "clustertrust", "version": __version__, "python": sys.version.split()[0]},
        "system": machine["system"],
        "notes": list(setup.notes),
        "stores": machine["stores"],
        "tools": machine["tools"],
        "ledger": _ledger(setup),
        "last_verification": load_last_verification(),
        "log": {"path": str(log_path()), "lines": last_lines(log_lines)},
    }
    return _redacted(document)


def _ledger(setup: Setup) -> dict[str, Any]:
    section: dict[str, Any] = {"path": str(setup.ledger.path)}
    try:
        items = plans.status(setup.ledger, setup.stores)
    except ClusterTrustError as error:  # a damaged ledger is itself worth reporting
        return {**section, "error": str(error), "items": []}
    section["items"] = [_item(item) for item in items]
    warnings = expiry_warnings(items)
    section["expiry_warnings"] = warnings
    if warnings:
        section["expiry_fix"] = for_terminal(RENEW_FIX, (RENEW,))
    return section


def _item(item: plans.ItemStatus) -> dict[str, Any]:
    record = item.record
    return {
        "sha256": record.sha256,
        "subject": record.subject,
        "kind": record.kind,
        "store": record.store,
        "location": record.location,
        "scope": record.scope,
        "expires": record.not_after[:10],
        "days_left": item.days_left,
        "present": item.present,
        "state": record.state,
        "installed_at": record.installed_at,
        "source": safe_origin(record.source),
    }


def safe_origin(origin: str) -> str:
    """A download address without user:password@ or ?query (signed links carry tokens there)."""
    if "://" not in origin:
        return origin
    parts = urllib.parse.urlsplit(origin)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    hidden = " (query removed)" if parts.query else ""
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", "")) + hidden


def _redacted(node: Any) -> Any:
    if isinstance(node, str):
        return scrub(node)
    if isinstance(node, dict):
        return {key: _redacted(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_redacted(value) for value in node]
    return node
