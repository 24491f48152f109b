"""What would set a consumer up, or put back what was removed from it: neutral words, and the
action that does it (core/remedy.py; `install` and `repair` add only what is missing)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.i18n import tr
from clustertrust.core.model import Record
from clustertrust.core.remedy import Action, Remedy
from clustertrust.core.verify.consumers import on_linux
from clustertrust.core.verify.result import Consumer, ConsumerKind, Diagnosis
from clustertrust.core.verify.result import VerifyOutcome as Outcome

if TYPE_CHECKING:
    from clustertrust.core.verify.judge import Proof


def not_set_up(consumer: Consumer, proof: Proof) -> Diagnosis:
    if consumer.kind is ConsumerKind.SYSTEM:
        return Diagnosis(
            Outcome.NOT_SET_UP,
            tr(
                "Not set up: the install did not include the system trust store, so programs "
                "that use it (curl, Python, other command-line tools) do not trust the cluster's "
                "CA."
            ),
            _system_setup(),
            remedies=(_install(consumer, proof.source),),
        )
    if consumer.kind is ConsumerKind.FILES and not proof.wants_identity:
        return Diagnosis(
            Outcome.NOT_SET_UP,
            tr(
                "Not set up: this bundle has no client certificate with its key, so there are "
                "no identity files to keep; give command-line clients the CA file (ca.crt) "
                "directly."
            ),
        )
    if consumer.kind in proof.covered_kinds:  # a browser profile made after the install
        return Diagnosis(
            Outcome.NOT_SET_UP,
            tr("Not covered yet: this browser profile was made after the install."),
            tr("Repair adds it from what ClusterTrust keeps (the bundle is not needed)."),
            remedies=(REPAIR,),
        )
    return Diagnosis(
        Outcome.NOT_SET_UP,
        _not_put(consumer, proof.wants_identity),
        tr("To set it up, install the bundle for it (only what is missing is added)."),
        remedies=(_install(consumer, proof.source),),
    )


def _not_put(consumer: Consumer, wants_identity: bool) -> str:
    files = consumer.kind is ConsumerKind.FILES
    if wants_identity and files:
        return tr(
            "Not set up: ClusterTrust has not put the cluster's CA and your client certificate "
            "for command-line clients."
        )
    if wants_identity:
        return tr(
            "Not set up: ClusterTrust has not put the cluster's CA and your client certificate "
            "in it."
        )
    if files:
        return tr("Not set up: ClusterTrust has not put the CA for command-line clients.")
    return tr("Not set up: ClusterTrust has not put the CA in it.")


def _system_setup() -> str:
    if on_linux():
        return tr(
            "If you want them to, install for everyone on this computer (asks for the "
            "administrator password)."
        )
    return tr("If you want them to, add the system store.")


def put_back(outcome: Outcome, message: str) -> Diagnosis:
    """What went missing since the install: repair re-plans it from what ClusterTrust keeps."""
    return Diagnosis(
        outcome,
        message,
        tr("Put it back with Repair: it adds only what went missing since the install."),
        remedies=(REPAIR,),
    )


REPAIR = Remedy(Action.REPAIR)
REPORT = Remedy(Action.REPORT)
_OPTIONS = {
    ConsumerKind.BROWSER: ("--stores", "nss"),
    ConsumerKind.FILES: ("--stores", "files"),
}


def _install(consumer: Consumer, source: str) -> Remedy:
    option = _OPTIONS.get(consumer.kind)
    if option is None:
        option = ("--scope", "system") if on_linux() else ("--stores", "system")
    return Remedy(Action.INSTALL, (source, *option))


def install_source(bundle: Bundle, records: list[Record], identity_folder: str) -> str:
    """What to give `install`: the bundle it came from while that is still reachable, else
    the identity files ClusterTrust keeps (they hold the CA and the client identity)."""
    for origin in (*(r.source for r in records), bundle.origin):
        if origin.startswith("https://") or (origin and Path(origin).exists()):
            return origin
    return identity_folder or "BUNDLE"
