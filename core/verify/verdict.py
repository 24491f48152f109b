"""One verdict from the per-mode results: the line a person (or helpdesk) reads first."""

from __future__ import annotations

from dataclasses import replace

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.i18n import tr
from clustertrust.core.verify.advice import REPAIR
from clustertrust.core.verify.result import (
    ConsumerResult,
    Diagnosis,
    TrustMode,
    VerifyOutcome,
    VerifyResult,
)


def combine(results: tuple[VerifyResult, ...], bundle: Bundle) -> Diagnosis:
    by_mode = {r.trust: r for r in results}
    own, system = by_mode.get(TrustMode.BUNDLE), by_mode.get(TrustMode.SYSTEM)
    if own is None or system is None:
        return results[0].diagnosis
    if own.ok and system.ok:
        return _both_ok(own, system)
    if own.ok:
        return replace(system.diagnosis, message=_bundle_works_but(system), note="")
    if system.ok and own.outcome is VerifyOutcome.SERVER_UNTRUSTED:
        return Diagnosis(
            VerifyOutcome.OK,
            system.message,
            "",
            tr(
                "The server's certificate comes from a CA this computer already trusts, not "
                "from the bundle's CA; the bundle's CA only vouches for client certificates."
            ),
        )
    return own.diagnosis


def _both_ok(own: VerifyResult, system: VerifyResult) -> Diagnosis:
    return Diagnosis(
        VerifyOutcome.OK,
        system.message.replace(  # the trust mode's name as situation.trust_name put it in
            tr("this computer's trust store"),
            tr("this computer's trust store and with the bundle's CA"),
        ),
        "",
        system.diagnosis.note or own.diagnosis.note,
    )


def _bundle_works_but(system: VerifyResult) -> str:
    message = system.message
    if system.outcome is VerifyOutcome.SERVER_UNTRUSTED:  # "This computer does not trust …"
        clause = message[:1].lower() + message[1:]
        return tr("The bundle works with its own CA, but {clause}").format(clause=clause)
    return tr(
        "The bundle works with its own CA. With this computer's trust store: {message}"
    ).format(message=message)


def by_consumer(
    consumers: tuple[ConsumerResult, ...], answer: VerifyResult | None, fallback: Diagnosis
) -> Diagnosis:
    """Ok when every consumer the install covered is ok; uncovered ones only get a note. With
    nothing of this cluster installed here, the verdict of the trust modes stands."""
    covered = [c for c in consumers if c.covered]
    if not covered:
        return fallback
    failing = [c for c in covered if not c.ok]
    if failing:
        return _failing(failing)
    return _all_covered_work(covered, [c for c in consumers if not c.covered], answer)


def _failing(failing: list[ConsumerResult]) -> Diagnosis:
    first = failing[0].diagnosis
    if all(c.diagnosis == first for c in failing):  # one cause for all: the network, the server
        return first
    fixes = " ".join(dict.fromkeys(c.diagnosis.fix for c in failing if c.diagnosis.fix))
    remedies = tuple(dict.fromkeys(r for c in failing for r in c.diagnosis.remedies))
    message = first.message
    if len(failing) > 1:
        message = tr("{names} cannot reach the cluster UI. {message}").format(
            names=_names([c.name for c in failing]), message=message
        )
    return Diagnosis(first.outcome, message, fixes, remedies=remedies)


def _all_covered_work(
    covered: list[ConsumerResult], uncovered: list[ConsumerResult], answer: VerifyResult | None
) -> Diagnosis:
    names = _names([c.name for c in covered])
    if answer is None:
        message = tr(
            "Mutual TLS to the cluster UI works for everything the install set up: {names}."
        )
    elif answer.tls_version:
        message = tr(
            "Mutual TLS to the cluster UI works for everything the install set up: {names}; "
            "the server answered HTTP {status} ({tls})."
        )
    else:
        message = tr(
            "Mutual TLS to the cluster UI works for everything the install set up: {names}; "
            "the server answered HTTP {status}."
        )
    status, tls = (answer.http_status, answer.tls_version) if answer else (None, None)
    notes = [answer.diagnosis.note] if answer and answer.diagnosis.note else []
    new = [c for c in uncovered if not c.ok and REPAIR in c.diagnosis.remedies]
    idle = [c.name for c in uncovered if not c.ok and c not in new]
    if idle:
        notes.append(tr("Not set up by this install: {names}.").format(names=_names(idle)))
    text = message.format(names=names, status=status, tls=tls)
    if not new:
        return Diagnosis(VerifyOutcome.OK, text, "", " ".join(notes))
    fix = tr("Not covered yet: {names}.").format(names=_names([c.name for c in new]))
    return Diagnosis(VerifyOutcome.OK, text, fix, " ".join(notes), (REPAIR,))


def _names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return tr("{names} and {last}").format(names=", ".join(names[:-1]), last=names[-1])
