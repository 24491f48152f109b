"""What would set a consumer up, or put back what was removed from it: neutral words, and the
one command that does it (`install` and `repair` add only what is missing)."""

from __future__ import annotations

import shlex
from pathlib import Path

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.i18n import tr
from clustertrust.core.model import Record
from clustertrust.core.verify.consumers import on_linux
from clustertrust.core.verify.result import Consumer, ConsumerKind, Diagnosis
from clustertrust.core.verify.result import VerifyOutcome as Outcome


def not_set_up(consumer: Consumer, wants_identity: bool, source: str) -> Diagnosis:
    if consumer.kind is ConsumerKind.SYSTEM:
        return Diagnosis(
            Outcome.NOT_SET_UP,
            tr(
                "Not set up: the install did not include the system trust store, so programs "
                "that use it (curl, Python, other command-line tools) do not trust the cluster's "
                "CA."
            ),
            _system_setup().format(command=install_command(consumer, source)),
        )
    if consumer.kind is ConsumerKind.FILES and not wants_identity:
        return Diagnosis(
            Outcome.NOT_SET_UP,
            tr(
                "Not set up: this bundle has no client certificate with its key, so there are "
                "no identity files to keep; give command-line clients the CA file (ca.crt) "
                "directly."
            ),
        )
    fix = tr("To set it up: {command} (only what is missing is added).")
    return Diagnosis(
        Outcome.NOT_SET_UP,
        _not_put(consumer, wants_identity),
        fix.format(command=install_command(consumer, source)),
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
    """The advice for the system store, with {command} to format in."""
    if on_linux():
        return tr(
            "If you want them to, install for everyone on this computer (asks for the "
            "administrator password): {command}"
        )
    return tr("If you want them to, add the system store: {command}")


def put_back() -> str:
    """What went missing since the install: repair re-plans it from what ClusterTrust keeps."""
    return tr("Put it back: {command} (it adds only what went missing since the install).").format(
        command=REPAIR
    )


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
