"""The one place that turns certificates and bundles into summaries for people and for JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from clustertrust.core import certinfo
from clustertrust.core.bundle.checks import Finding
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.i18n import tr, tr_n, translatable
from cryptography import x509

_SYMBOL = {"error": "✗", "warning": "!", "info": "i"}
SEVERITY = {
    "error": translatable("error"),
    "warning": translatable("warning"),
    "info": translatable("info"),
}


class CertificateSummary(NamedTuple):
    subject: str
    issuer: str
    not_before: str
    not_after: str
    days_left: int
    sha256: str
    sha1: str
    key_type: str
    is_ca: bool

    @property
    def validity(self) -> str:
        if self.days_left >= 0:
            left = tr_n("{days} day left", "{days} days left", self.days_left)
        else:
            left = tr("expired")
        return tr("{start} to {end} ({left})").format(
            start=self.not_before[:10],
            end=self.not_after[:10],
            left=left.format(days=self.days_left),
        )


def summarize(cert: x509.Certificate, at: dt.datetime | None = None) -> CertificateSummary:
    return CertificateSummary(
        subject=certinfo.common_name(cert.subject),
        issuer=certinfo.common_name(cert.issuer),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        days_left=certinfo.days_left(cert, at),
        sha256=certinfo.sha256(cert),
        sha1=certinfo.sha1(cert),
        key_type=certinfo.key_description(cert.public_key()),
        is_ca=certinfo.is_ca(cert),
    )


def pretty_fingerprint(hex_digest: str) -> str:
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2)).upper()


def certificate_lines(title: str, summary: CertificateSummary) -> list[str]:
    return [
        f"{title}: {summary.subject}",
        tr("  issued by   {issuer}").format(issuer=summary.issuer),
        tr("  valid       {validity}").format(validity=summary.validity),
        tr("  key         {key}").format(key=summary.key_type),
        f"  SHA-256     {pretty_fingerprint(summary.sha256)}",
    ]


def finding_line(finding: Finding) -> str:
    severity = tr(SEVERITY[finding.severity.value])
    return f"  {_SYMBOL[finding.severity.value]} {severity}: {finding.message}"


def bundle_text(bundle: Bundle, findings: list[Finding]) -> str:
    lines = [
        tr("Bundle from {origin}").format(origin=bundle.origin),
        tr("Recognised: {kind}").format(kind=tr(bundle.system.value)),
        "",
    ]
    for cert in bundle.ca_certs:
        lines += certificate_lines(tr("CA certificate"), summarize(cert))
    if bundle.client_cert:
        lines += certificate_lines(tr("Client certificate"), summarize(bundle.client_cert))
        key = tr("  private key included") if bundle.has_key else tr("  private key not included")
        lines.append(key)
    lines += ["", tr("Findings:") if findings else tr("Findings: none")]
    lines += [finding_line(f) for f in findings]
    return "\n".join(lines)


def bundle_json(bundle: Bundle, findings: list[Finding]) -> dict[str, Any]:
    ca = summarize(bundle.ca) if bundle.ca else None
    client = summarize(bundle.client_cert) if bundle.client_cert else None
    return {
        "origin": bundle.origin,
        "system": bundle.system.name.lower(),
        "system_name": bundle.system.value,
        "ca": ca._asdict() if ca else None,
        "ca_chain": [summarize(c)._asdict() for c in bundle.ca_certs],
        "client": client._asdict() if client else None,
        "has_key": bundle.has_key,
        "has_p12": bundle.p12 is not None,
        "files": list(bundle.files),
        "ignored_files": list(bundle.ignored),
        "findings": [
            {"severity": f.severity.value, "code": f.code, "message": f.message} for f in findings
        ],
    }
