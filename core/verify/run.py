"""Verify the mutual-TLS connection to a cluster UI in each trust mode, and name the outcome.

    report = verify_url("https://cluster:2113/", bundle, timeout=10)
    report.ok, report.outcome, report.verdict.message, report.verdict.fix, report.to_json()

Safe to call from a worker thread: `timeout` bounds the whole call, every connection together
(DNS, connect, proxy tunnel, handshake and each read of the answer get what is left of it), and
`cancel.cancel()` from another thread stops it at once with Cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.bundle.summary import summarize
from clustertrust.core.cancel import CancelToken, Deadline
from clustertrust.core.i18n import english, language, tr
from clustertrust.core.target import Target, parse_target
from clustertrust.core.verify.alerts import http_refusal
from clustertrust.core.verify.cluster import consumers_report
from clustertrust.core.verify.connect import Exchange, StepFailed, exchange
from clustertrust.core.verify.consumers import Inventory
from clustertrust.core.verify.diagnose import diagnose_failure
from clustertrust.core.verify.identity import client_context
from clustertrust.core.verify.replay import Evidence
from clustertrust.core.verify.result import (
    Diagnosis,
    Timings,
    TrustMode,
    VerifyOutcome,
    VerifyReport,
    VerifyResult,
)
from clustertrust.core.verify.situation import Situation, parse_chain
from clustertrust.core.verify.store import save_last_verification
from clustertrust.core.verify.verdict import combine

__all__ = [
    "BOTH",
    "DEFAULT_TIMEOUT",
    "CancelToken",
    "Inventory",
    "TrustMode",
    "VerifyOutcome",
    "VerifyReport",
    "VerifyResult",
    "verify_mode",
    "verify_url",
]

DEFAULT_TIMEOUT = 10.0
BOTH = (TrustMode.BUNDLE, TrustMode.SYSTEM)
_SAME_IN_EVERY_MODE = {
    VerifyOutcome.DNS_FAILED,
    VerifyOutcome.CONNECTION_REFUSED,
    VerifyOutcome.TIMEOUT,
}


def verify_url(
    url: str,
    bundle: Bundle,
    *,
    modes: Iterable[TrustMode] = BOTH,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: CancelToken | None = None,
    remember: bool = True,
    inventory: Inventory | None = None,
) -> VerifyReport:
    """Verify in each mode and save the report. With both asked for, a bundle without a CA
    skips the bundle mode, and a network failure (DNS, refused, timeout) is not tried twice.
    With an inventory (and both modes), each consumer on this computer is judged too, the
    verdict covers what the install set up. `remember`: save the report for the support report.
    Raises InputError for a bad URL or an unusable client identity."""
    target = parse_target(url)
    evidence = Evidence()
    judged = _Judged(target, bundle, list(modes), timeout, cancel or CancelToken(), inventory)
    report = judged.report(evidence)
    if remember:  # kept in English, judged again from what was seen: nothing connects twice
        translated = bool(language())
        with english():
            stored = report
            if translated:
                stored = replace(judged.report(evidence.replay()), checked_at=report.checked_at)
            save_last_verification(stored)
    return report


@dataclass(frozen=True)
class _Judged:
    """What verify_url was asked, to be judged from real connections or from their replay."""

    target: Target
    bundle: Bundle
    wanted: list[TrustMode]
    timeout: float
    cancel: CancelToken
    inventory: Inventory | None

    def report(self, evidence: Evidence) -> VerifyReport:
        target, bundle, cancel, timeout = self.target, self.bundle, self.cancel, self.timeout
        wanted = self.wanted
        every_mode = len(wanted) > 1  # consumers are judged only against both kinds of trust
        if not bundle.ca_certs and len(wanted) > 1:  # nothing of its own to trust: system only
            wanted = [m for m in wanted if m is not TrustMode.BUNDLE]
        deadline = Deadline(timeout)  # every connection together: --timeout is the whole wait

        def connect(other: Bundle, mode: TrustMode = TrustMode.BUNDLE) -> VerifyResult:
            return verify_mode(
                target,
                other,
                mode,
                timeout=timeout,
                cancel=cancel,
                deadline=deadline,
                evidence=evidence,
            )

        results: list[VerifyResult] = []
        for mode in wanted:
            results.append(connect(bundle, mode))
            if results[-1].outcome in _SAME_IN_EVERY_MODE:
                break  # the network failed before trust mattered: another mode would only wait
        report = VerifyReport(target.display, combine(tuple(results), bundle), tuple(results))
        if self.inventory is not None and every_mode:
            where = f"{target.host}:{target.port}"
            inventory = evidence.browsers(self.inventory)
            report = consumers_report(report, where, bundle, inventory, connect)
        return report


def verify_mode(
    target: Target,
    bundle: Bundle,
    trust: TrustMode,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: CancelToken | None = None,
    deadline: Deadline | None = None,
    evidence: Evidence | None = None,
) -> VerifyResult:
    """One fresh TLS context, one connection, one GET, all within `timeout` seconds or before
    `deadline` when one is given; never raises for a network outcome. With `evidence`, the
    connection is recorded there, or taken from it when it replays."""
    context = client_context(bundle, trust)
    cancel = cancel or CancelToken()
    try:
        connect = evidence.exchange if evidence else exchange
        seen = connect(target, context, deadline or Deadline(timeout), cancel)
        diagnosis = diagnose_answer(seen, _situation(seen, trust, bundle, timeout))
    except StepFailed as failure:
        seen = failure.exchange
        diagnosis = diagnose_failure(failure, _situation(seen, trust, bundle, timeout))
    return _result(seen, trust, bundle, diagnosis)


def _situation(seen: Exchange, trust: TrustMode, bundle: Bundle, timeout: float) -> Situation:
    return Situation(seen.target, trust, bundle, timeout, seen.proxy, seen.cert_requested)


def diagnose_answer(seen: Exchange, at: Situation) -> Diagnosis:
    """TLS worked and the server answered: judge the HTTP status."""
    status = seen.status or 0
    refusal = http_refusal(status, seen.body, at)
    if refusal:
        return refusal
    ms = f"{seen.timings.get('total', 0.0):.0f}"
    if at.presented_cert:
        works = tr(
            "Mutual TLS to {where} works with {trust}: the server answered HTTP {status} "
            "({tls}, {ms} ms)."
        )
    else:
        works = tr(
            "TLS to {where} works (no client cert) with {trust}: the server answered HTTP "
            "{status} ({tls}, {ms} ms)."
        )
    works = works.format(
        where=at.where, trust=at.trust_name, status=status, tls=seen.tls_version, ms=ms
    )
    if status in (401, 403):
        note = tr(
            "The cluster wants a login next (HTTP {status}): the certificate part is done."
        ).format(status=status)
        return Diagnosis(VerifyOutcome.OK, works, "", note)
    if 200 <= status < 400:
        return Diagnosis(VerifyOutcome.OK, works)
    message = tr(
        "The TLS connection to {where} works, but the server answered HTTP {status} for {path}."
    )
    return Diagnosis(
        VerifyOutcome.HTTP_ERROR,
        message.format(where=at.where, status=status, path=at.target.path.split("?", 1)[0]),
        _http_fix(status),
    )


def _http_fix(status: int) -> str:
    if status == 404:
        return tr("Check the path in the address; the cluster UI is usually at / on its port.")
    if status in (421, 400):
        return tr(
            "The server does not serve this name here: use the address from the cluster console."
        )
    if status >= 500:
        return tr(
            "The cluster UI has a problem of its own: try later, or tell the cluster's operator."
        )
    return tr(
        "Check the address; if it is right, tell the cluster's operator which status came back."
    )


def _result(seen: Exchange, trust: TrustMode, bundle: Bundle, diagnosis: Diagnosis) -> VerifyResult:
    t = seen.timings
    return VerifyResult(
        url=seen.target.display,
        trust=trust,
        diagnosis=diagnosis,
        timings=Timings(
            t.get("dns"), t.get("connect"), t.get("handshake"), t.get("first_byte"), t.get("total")
        ),
        server_chain=tuple(summarize(c) for c in parse_chain(seen.chain_der)),
        tls_version=seen.tls_version,
        cipher=seen.cipher,
        http_status=seen.status,
        client_certificate=summarize(bundle.client_cert) if bundle.client_cert else None,
        client_cert_requested=seen.cert_requested,
        proxy=f"{seen.proxy.host}:{seen.proxy.port}" if seen.proxy else None,
        chain_der=tuple(seen.chain_der),
    )
