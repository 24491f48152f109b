"""The support report as plain text, from the document core.report.collect builds: the frame in
the user's language, the document's own values (messages, reasons, log lines) as recorded."""

from __future__ import annotations

from typing import Any

from clustertrust.core.bundle.summary import pretty_fingerprint
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install.expiry import days_left

PRESENT = {
    True: translatable("present now"),
    False: translatable("MISSING from its store"),
    None: translatable("cannot be checked here"),
}


def render_text(document: dict[str, Any]) -> str:
    lines = [
        tr("ClusterTrust support report"),
        tr("Generated {time}").format(time=document["generated_at"]),
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
    os_name = system.get("distribution") or system["os"]
    return [
        tr("App:     clustertrust {version} (Python {python})").format(
            version=app["version"], python=app["python"]
        ),
        tr("OS:      {os} — {platform}").format(os=os_name, platform=system["platform"]),
        tr("WSL:     {answer}").format(answer=tr("yes") if system["wsl"] else tr("no")),
        *[tr("Note:    {note}").format(note=note) for note in document.get("notes", [])],
    ]


def _stores(document: dict[str, Any]) -> list[str]:
    lines = [tr("Store mechanisms:")]
    for store in document["stores"]:
        if store["available"]:
            state = tr("available")
        else:
            state = tr("not available: {reason}").format(reason=store.get("reason", ""))
        lines.append(f"  {tr(store['title'])} [{store['name']}]: {state}")
        lines += [tr("    database {path}").format(path=db) for db in store.get("databases", [])]
    lines.append(tr("Tools:"))
    for tool in document["tools"]:
        lines.append(
            f"  {tool['name']}: {tool['version']}" + (f" ({tool['path']})" if tool["path"] else "")
        )
    return lines


def _ledger(ledger: dict[str, Any]) -> list[str]:
    lines = [tr("Installed items (ledger {path}):").format(path=ledger["path"])]
    if ledger.get("error"):
        lines.append(tr("  The ledger cannot be read: {error}").format(error=ledger["error"]))
    if not ledger["items"] and not ledger.get("error"):
        lines.append(tr("  none"))
    for item in ledger["items"]:
        lines += _item(item)
    lines += [f"  ! {warning}" for warning in ledger.get("expiry_warnings", [])]
    if ledger.get("expiry_fix"):
        lines.append(tr("  What to do: {fix}").format(fix=ledger["expiry_fix"]))
    return lines


def _item(item: dict[str, Any]) -> list[str]:
    left = days_left(item["days_left"])
    where = tr("  {subject} [{kind}] in {store}: {state}")
    return [
        where.format(
            subject=item["subject"],
            kind=item["kind"],
            store=item["store"],
            state=tr(PRESENT[item["present"]]),
        ),
        tr("    SHA-256   {fingerprint}").format(fingerprint=pretty_fingerprint(item["sha256"])),
        tr("    expires   {date} ({left})").format(date=item["expires"], left=left),
        tr("    location  {location} (scope {scope}, state {state})").format(
            location=item["location"], scope=item["scope"], state=item["state"]
        ),
        tr("    installed {time} from {source}").format(
            time=item["installed_at"] or "?", source=item["source"] or "?"
        ),
    ]


def _verification(report: dict[str, Any] | None) -> list[str]:
    if not report:
        return [tr("Last verification: none recorded")]
    lines = [
        tr("Last verification of {url} at {time}:").format(
            url=report.get("url"), time=report.get("checked_at")
        ),
        tr("  outcome   {outcome} — {message}").format(
            outcome=report.get("outcome"), message=report.get("message")
        ),
    ]
    if report.get("fix"):
        lines.append(tr("  fix       {fix}").format(fix=report["fix"]))
    for mode, result in (report.get("modes") or {}).items():
        lines += _mode(mode, result)
    return lines


def _mode(mode: str, result: dict[str, Any]) -> list[str]:
    timings = result.get("timings_ms") or {}
    shown = ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items() if isinstance(v, int | float))
    lines = [
        tr("  trusting {mode}: {outcome} (HTTP {status}, {tls})").format(
            mode=mode,
            outcome=result.get("outcome"),
            status=result.get("http_status") or "-",
            tls=result.get("tls_version") or tr("no TLS"),
        ),
        tr("    timings  {timings}").format(timings=shown or tr("none")),
    ]
    for cert in result.get("server_chain") or []:
        line = tr(
            "    server chain: {subject} issued by {issuer}, until {date}, SHA-256 {fingerprint}"
        )
        lines.append(
            line.format(
                subject=cert.get("subject"),
                issuer=cert.get("issuer"),
                date=str(cert.get("not_after"))[:10],
                fingerprint=pretty_fingerprint(cert.get("sha256", "")),
            )
        )
    return lines


def _log(log: dict[str, Any]) -> list[str]:
    count = len(log["lines"])
    lines = [tr("Last {count} log lines ({path}):").format(count=count, path=log["path"])]
    return (
        lines + [f"  {line}" for line in log["lines"]]
        if log["lines"]
        else [*lines, tr("  (empty)")]
    )
