"""One verdict from the per-mode results: the line a person (or helpdesk) reads first."""

from __future__ import annotations

from dataclasses import replace

from clustertrust.core.bundle.reader import Bundle
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
        return replace(system.diagnosis, message=_bundle_works_but(system.message), note="")
    if system.ok and own.outcome is VerifyOutcome.SERVER_UNTRUSTED:
        return Diagnosis(
            VerifyOutcome.OK,
            system.message,
            "",
            "The server's certificate comes from a CA this computer already trusts, not from "
            "the bundle's CA; the bundle's CA only vouches for client certificates.",
        )
    return own.diagnosis


def _both_ok(own: VerifyResult, system: VerifyResult) -> Diagnosis:
    return Diagnosis(
        VerifyOutcome.OK,
        system.message.replace(
            "this computer's trust store", "this computer's trust store and with the bundle's CA"
        ),
        "",
        system.diagnosis.note or own.diagnosis.note,
    )


def _bundle_works_but(system_message: str) -> str:
    if system_message.startswith("This computer "):
        return f"The bundle works with its own CA, but t{system_message[1:]}"
    return f"The bundle works with its own CA. With this computer's trust store: {system_message}"


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
        message = f"{_names([c.name for c in failing])} cannot reach the cluster UI. {message}"
    return Diagnosis(first.outcome, message, fixes, remedies=remedies)


def _all_covered_work(
    covered: list[ConsumerResult], uncovered: list[ConsumerResult], answer: VerifyResult | None
) -> Diagnosis:
    status = f" the server answered HTTP {answer.http_status}" if answer else ""
    tls = f" ({answer.tls_version})" if answer and answer.tls_version else ""
    message = (
        f"Mutual TLS to the cluster UI works for everything the install set up: "
        f"{_names([c.name for c in covered])};{status}{tls}."
    )
    notes = [answer.diagnosis.note] if answer and answer.diagnosis.note else []
    new = [c for c in uncovered if not c.ok and REPAIR in c.diagnosis.remedies]
    idle = [c.name for c in uncovered if not c.ok and c not in new]
    if idle:
        notes.append(f"Not set up by this install: {_names(idle)}.")
    message = message.replace(";.", ".")
    if not new:
        return Diagnosis(VerifyOutcome.OK, message, "", " ".join(notes))
    fix = f"Not covered yet: {_names([c.name for c in new])}."  # profiles made since the install
    return Diagnosis(VerifyOutcome.OK, message, fix, " ".join(notes), (REPAIR,))


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
