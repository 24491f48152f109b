"""What would set a consumer up, or put back what was removed from it: neutral words, and the
one command that does it (`install` and `repair` add only what is missing)."""

from __future__ import annotations

import shlex
from pathlib import Path

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.model import Record
from clustertrust.core.verify.consumers import on_linux
from clustertrust.core.verify.result import Consumer, ConsumerKind, Diagnosis
from clustertrust.core.verify.result import VerifyOutcome as Outcome


def not_set_up(consumer: Consumer, wants_identity: bool, source: str) -> Diagnosis:
    if consumer.kind is ConsumerKind.SYSTEM:
        return Diagnosis(
            Outcome.NOT_SET_UP,
            "Not set up: the install did not include the system trust store, so programs that "
            "use it (curl, Python, other command-line tools) do not trust the cluster's CA.",
            f"If you want them to, {_system_setup()}: {install_command(consumer, source)}",
        )
    if consumer.kind is ConsumerKind.FILES and not wants_identity:
        return Diagnosis(
            Outcome.NOT_SET_UP,
            "Not set up: this bundle has no client certificate with its key, so there are no "
            "identity files to keep; give command-line clients the CA file (ca.crt) directly.",
        )
    what = "the cluster's CA and your client certificate" if wants_identity else "the CA"
    where = "for command-line clients" if consumer.kind is ConsumerKind.FILES else "in it"
    return Diagnosis(
        Outcome.NOT_SET_UP,
        f"Not set up: ClusterTrust has not put {what} {where}.",
        f"To set it up: {install_command(consumer, source)} (only what is missing is added).",
    )


def _system_setup() -> str:
    if on_linux():
        return "install for everyone on this computer (asks for the administrator password)"
    return "add the system store"


def put_back() -> str:
    """What went missing since the install: repair re-plans it from what ClusterTrust keeps."""
    return f"Put it back: {REPAIR} (it adds only what went missing since the install)."


REPAIR = "clustertrust repair"
_OPTIONS = {
    ConsumerKind.BROWSER: "--stores nss",
    ConsumerKind.FILES: "--stores files",
}


def install_command(consumer: Consumer, source: str) -> str:
    option = _OPTIONS.get(consumer.kind)
    if option is None:
        option = "--scope system" if on_linux() else "--stores system"
    return f"clustertrust install {shlex.quote(source)} {option}"


def install_source(bundle: Bundle, records: list[Record], identity_folder: str) -> str:
    """What to give `install`: the bundle it came from while that is still reachable, else
    the identity files ClusterTrust keeps (they hold the CA and the client identity)."""
    for origin in (*(r.source for r in records), bundle.origin):
        if origin.startswith("https://") or (origin and Path(origin).exists()):
            return origin
    return identity_folder or "BUNDLE"
