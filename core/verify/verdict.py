"""One verdict from the per-mode results: the line a person (or helpdesk) reads first."""

from __future__ import annotations

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.verify.result import Diagnosis, TrustMode, VerifyOutcome, VerifyResult


def combine(results: tuple[VerifyResult, ...], bundle: Bundle) -> Diagnosis:
    by_mode = {r.trust: r for r in results}
    own, system = by_mode.get(TrustMode.BUNDLE), by_mode.get(TrustMode.SYSTEM)
    if own is None or system is None:
        return results[0].diagnosis
    if own.ok and system.ok:
        return _both_ok(own, system)
    if own.ok:
        return Diagnosis(system.outcome, _bundle_works_but(system.message), system.fix)
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
