"""The support report as plain text, from the document core.report.collect builds."""

from __future__ import annotations

from typing import Any

from clustertrust.core.bundle.summary import pretty_fingerprint

PRESENT = {True: "present now", False: "MISSING from its store", None: "cannot be checked here"}


def render_text(document: dict[str, Any]) -> str:
    lines = [
        "ClusterTrust support report",
        f"Generated {document['generated_at']}",
        "",
        *_system(document),
        "",
        *_stores(document),
        "",
        *_ledger(document["ledger"]),
        "",
        *_verification(document.get("last_verification")),
        "",
        *_log(document["log"]),
    ]
    return "\n".join(lines) + "\n"


def _system(document: dict[str, Any]) -> list[str]:
    app, system = document["app"], document["system"]
    return [
        f"App:     clustertrust {app['version']} (Python {app['python']})",
        f"OS:      {system.get('distribution') or system['os']} — {system['platform']}",
        f"WSL:     {'yes' if system['wsl'] else 'no'}",
        *[f"Note:    {note}" for note in document.get("notes", [])],
    ]


def _stores(document: dict[str, Any]) -> list[str]:
    lines = ["Store mechanisms:"]
    for store in document["stores"]:
        state = "available" if store["available"] else f"not available: {store.get('reason', '')}"
        lines.append(f"  {store['title']} [{store['name']}]: {state}")
        lines += [f"    database {db}" for db in store.get("databases", [])]
    lines.append("Tools:")
    for tool in document["tools"]:
        lines.append(
            f"  {tool['name']}: {tool['version']}" + (f" ({tool['path']})" if tool["path"] else "")
        )
    return lines


def _ledger(ledger: dict[str, Any]) -> list[str]:
    lines = [f"Installed items (ledger {ledger['path']}):"]
    if ledger.get("error"):
        lines.append(f"  The ledger cannot be read: {ledger['error']}")
    if not ledger["items"] and not ledger.get("error"):
        lines.append("  none")
    for item in ledger["items"]:
        left = f"{item['days_left']} days left" if item["days_left"] >= 0 else "EXPIRED"
        lines += [
            f"  {item['subject']} [{item['kind']}] in {item['store']}: {PRESENT[item['present']]}",
            f"    SHA-256   {pretty_fingerprint(item['sha256'])}",
            f"    expires   {item['expires']} ({left})",
            f"    location  {item['location']} (scope {item['scope']}, state {item['state']})",
            f"    installed {item['installed_at'] or '?'} from {item['source'] or '?'}",
        ]
    lines += [f"  ! {warning}" for warning in ledger.get("expiry_warnings", [])]
    if ledger.get("expiry_fix"):
        lines.append(f"  What to do: {ledger['expiry_fix']}")
    return lines


def _verification(report: dict[str, Any] | None) -> list[str]:
    if not report:
        return ["Last verification: none recorded"]
    lines = [
        f"Last verification of {report.get('url')} at {report.get('checked_at')}:",
        f"  outcome   {report.get('outcome')} — {report.get('message')}",
    ]
    if report.get("fix"):
        lines.append(f"  fix       {report['fix']}")
    for mode, result in (report.get("modes") or {}).items():
        lines += _mode(mode, result)
    return lines


def _mode(mode: str, result: dict[str, Any]) -> list[str]:
    timings = result.get("timings_ms") or {}
    shown = ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items() if isinstance(v, int | float))
    lines = [
        f"  trusting {mode}: {result.get('outcome')} (HTTP {result.get('http_status') or '-'}, "
        f"{result.get('tls_version') or 'no TLS'})",
        f"    timings  {shown or 'none'}",
    ]
    for cert in result.get("server_chain") or []:
        fingerprint = pretty_fingerprint(cert.get("sha256", ""))
        lines.append(
            f"    server chain: {cert.get('subject')} issued by {cert.get('issuer')}, "
            f"until {str(cert.get('not_after'))[:10]}, SHA-256 {fingerprint}"
        )
    return lines


def _log(log: dict[str, Any]) -> list[str]:
    lines = [f"Last {len(log['lines'])} log lines ({log['path']}):"]
    return lines + [f"  {line}" for line in log["lines"]] if log["lines"] else [*lines, "  (empty)"]
