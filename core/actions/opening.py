"""Open a bundle, once for both front ends (the wizard, the clusters window's renewal, and
`inspect`, `install`, `renew`, `verify --bundle`, `configure --bundle`, `cloud fetch`).

The one rule for its password: the one given, else the Kurrent default ("kurrent"), else the one
the person asked the keyring to remember for this bundle (the wizard's "Remember" box; asked only
when the default does not open it). When none opens it, `NeedsPassword` carries the fetched
source, so the front end asks and calls again without downloading twice. Every bundle opened is
checked, and its certificates described, the same way.

This module loads nothing heavy until a bundle is opened: the wizard's session names `Opened`
before its first window."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clustertrust.core.errors import OperationFailed, PasswordNeeded
from clustertrust.core.i18n import tr, translatable

if TYPE_CHECKING:
    import ssl

    from clustertrust.core.bundle.checks import Finding
    from clustertrust.core.bundle.reader import Bundle
    from clustertrust.core.bundle.summary import CertificateSummary
    from clustertrust.core.cancel import CancelToken
    from clustertrust.core.model import Machine
    from clustertrust.core.source.load import SourceData

PASSWORD_SECRET = "bundle-password:"  # + the bundle's origin (a local one as an absolute path)
CA_TITLE = translatable("Certificate authority — will be trusted")
INTERMEDIATE_TITLE = translatable("Intermediate CA")
CLIENT_WITH_KEY = translatable("Your client certificate — with its private key")
CLIENT_WITHOUT_KEY = translatable("Your client certificate — without a private key")


@dataclass
class Opened:
    """A bundle read and checked, ready for review."""

    source: SourceData
    bundle: Bundle
    findings: list[Finding]
    password: str | None = field(repr=False, default=None)  # the one that opened it, if any
    # (title, summary) per certificate; each title a translatable() constant, shown through tr()
    summaries: list[tuple[str, CertificateSummary]] = field(default_factory=list)
    renews: str = ""  # the installed cluster this bundle renews ("" for a new one)
    # The UI address its source named (a Kurrent Cloud cluster's): offered for verification,
    # never the cluster's address until a verification proves it and the ledger keeps it.
    offered_url: str = ""


class NeedsPassword(PasswordNeeded):
    """No password at hand opens the bundle; `source` is what was fetched, to try again with."""

    def __init__(self, source: SourceData, error: PasswordNeeded) -> None:
        super().__init__(error.message, error.fix, error.remedies)
        self.source = source


def open_bundle(
    spec: str,
    password: str | None = None,
    *,
    source: SourceData | None = None,
    machine: Machine | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    context: ssl.SSLContext | None = None,
) -> Opened:
    """Fetch `spec` (unless `source` was fetched already), read it (the password rule above),
    check it and describe its certificates; with a `machine`, also which installed cluster it
    renews. Raises NeedsPassword, or a BundleError/SourceError saying what is wrong."""
    from clustertrust.core.bundle.checks import check_bundle
    from clustertrust.core.bundle.reader import read_bundle
    from clustertrust.core.source.load import load_source

    if source is None:
        source = load_source(spec, progress=progress, context=context, cancel=cancel)
    try:
        bundle = read_bundle(source, password=password)
    except PasswordNeeded as needed:
        stored = None if password else stored_password(source.origin)
        if not stored:
            raise NeedsPassword(source, needed) from needed
        try:
            bundle, password = read_bundle(source, password=stored), stored
        except PasswordNeeded:
            raise NeedsPassword(source, needed) from needed  # the remembered one is out of date
    opened = Opened(source, bundle, check_bundle(bundle), password, certificate_summaries(bundle))
    if machine is not None:
        from clustertrust.core.actions.lookup import renews

        opened.renews = renews(machine, bundle)
    return opened


def certificate_summaries(bundle: Bundle) -> list[tuple[str, CertificateSummary]]:
    """Each certificate with the part it plays, CA first, as the Review page shows them."""
    from clustertrust.core.bundle.summary import summarize

    titled = [
        (CA_TITLE if index == 0 else INTERMEDIATE_TITLE, cert)
        for index, cert in enumerate(bundle.ca_certs)
    ]
    if bundle.client_cert is not None:
        title = CLIENT_WITH_KEY if bundle.has_key else CLIENT_WITHOUT_KEY
        titled.append((title, bundle.client_cert))
    return [(title, summarize(cert)) for title, cert in titled]


def _secret_name(origin: str) -> str:
    """A local bundle by its absolute path, so a relative one names the same bundle."""
    if "://" not in origin and os.path.exists(origin):
        origin = os.path.abspath(origin)
    return PASSWORD_SECRET + origin


def stored_password(origin: str) -> str | None:
    """The password remembered for this bundle; None when there is none or the keyring is shut."""
    from clustertrust.core import secrets

    try:
        return secrets.load_secret(_secret_name(origin))
    except OperationFailed:
        return None


def remember_password(origin: str, password: str) -> str:
    """Keep the password in the OS keyring (only on the person's request); returns "" or why it
    was not kept."""
    from clustertrust.core import secrets

    try:
        secrets.save_secret(_secret_name(origin), password)
    except OperationFailed as error:
        return tr("The password was not saved: the keyring is not available. {fix}").format(
            fix=error.fix
        )
    return ""
