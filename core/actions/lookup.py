"""Verify, and what the front ends look up: the installed identity and the cluster's address."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.cancel import CancelToken
from clustertrust.core.install import addresses, identity, renewal
from clustertrust.core.model import Cluster, Machine
from clustertrust.core.report import diagnostics as helpdesk

if TYPE_CHECKING:
    from clustertrust.core.verify.run import TrustMode, VerifyReport

log = logging.getLogger("clustertrust.report")


def verify(
    machine: Machine,
    url: str,
    bundle: Bundle | None = None,
    modes: Iterable[TrustMode] | None = None,
    timeout: float | None = None,
    cancel: CancelToken | None = None,
) -> VerifyReport:
    """The mutual-TLS check at `url`, every consumer on the machine judged; without a bundle,
    with the installed identity of the cluster at `url` (`identity_at`); without an address
    ("": `verify_target`), the bundle's cluster (or the newest installed one's) at its
    remembered address. The ledger keeps `url` as the cluster's address once the bundle's CA
    vouches for the server there. The demo's sandbox is not this computer's trust store:
    there only the bundle's CA is trusted."""
    from clustertrust.core.verify import run
    from clustertrust.core.verify.cluster import remember_cluster

    if not url:
        url, bundle = verify_target(machine, bundle)
    bundle = bundle or identity_at(machine, url)
    if machine.is_sandbox:
        modes = (run.TrustMode.BUNDLE,)
    report = run.verify_url(
        url,
        bundle,
        modes=run.BOTH if modes is None else modes,
        timeout=run.DEFAULT_TIMEOUT if timeout is None else timeout,
        cancel=cancel,
        remember=not machine.is_sandbox,
        inventory=machine.inventory(),
    )
    remember_cluster(machine.setup().ledger, bundle, report)  # the sandbox has its own ledger
    return report


def verify_target(machine: Machine, bundle: Bundle | None = None) -> tuple[str, Bundle]:
    """What `verify` given no address checks: the cluster of `bundle` (None: of the newest
    installed identity) at the UI address remembered for it. InputError when none is
    remembered yet, with the verification at a given address as the remedy."""
    from clustertrust.core.errors import InputError
    from clustertrust.core.i18n import tr
    from clustertrust.core.remedy import Action, Remedy

    bundle = bundle or installed_bundle(machine)
    url = remembered_url(machine, bundle)
    if not url:
        raise InputError(
            tr("No cluster UI address is remembered for this cluster yet."),
            tr("Give the address once: it is remembered as soon as a server answers there."),
            (Remedy(Action.VERIFY, ("https://your-cluster:2113/",)),),
        )
    return url, bundle


def installed_bundle(machine: Machine, sha256: str = "") -> Bundle:
    """The client identity ClusterTrust installed (the newest, or the one with this SHA-256)."""
    return identity.installed_bundle(machine.setup().ledger, sha256)


def identity_at(machine: Machine, url: str) -> Bundle:
    """The one rule for the identity a verification without a bundle uses: the newest client
    installed for the cluster whose UI address `url` is; the newest installed one when the
    address is no installed cluster's (InputError when none is installed)."""
    ledger = machine.setup().ledger
    return identity.installed_bundle(
        ledger, identity.client_of(ledger, addresses.cas_at(ledger, url))
    )


def remembered_url(machine: Machine, bundle: Bundle) -> str:
    """The UI address remembered for this bundle's cluster ("" when none)."""
    return addresses.remembered_url(machine.setup().ledger, bundle)


def remember_ui_url(machine: Machine, cluster: Cluster, url: str) -> str:
    """Keep the address a person gave for a listed cluster; returns it as kept (InputError for
    a bad one)."""
    ca = cluster.ca.sha256 if cluster.ca is not None else ""
    return addresses.remember_ui_url(machine.setup().ledger, cluster.name, url, ca)


def adopt_ui_urls(machine: Machine, urls: Mapping[str, str]) -> None:
    """Addresses older versions kept elsewhere (the wizard's settings) go to the ledger."""
    addresses.adopt_ui_urls(machine.setup().ledger, urls)


def renews(machine: Machine, bundle: Bundle) -> str:
    """The installed cluster this bundle renews, or ""."""
    if not renewal.replaced_records(bundle, machine.setup().ledger):
        return ""
    return addresses.cluster_of(bundle)


def identity_files(machine: Machine, sha256: str) -> identity.IdentityPaths | None:
    """Where the client identity with this SHA-256 is kept for command-line clients."""
    return identity.identity_paths(machine.setup().ledger, sha256)


def support_report(machine: Machine) -> dict[str, Any]:
    """The redacted support report for the helpdesk, as one JSON-ready document (no key,
    password or token); `report_text` words it."""
    from clustertrust.core.i18n import english
    from clustertrust.core.report.collect import collect

    with english():  # machine-readable: the same in every language (setup notes, store facts)
        return collect(machine.setup(), machine.facts())


def save_report(machine: Machine, path: Path, as_json: bool = False) -> Path:
    """Write the support report (as text, or its JSON document) to `path`, for the wizard's
    Save button and `clustertrust report -o`; a link planted at `path` is replaced, not
    followed. Returns the absolute path; InputError when it cannot be written there."""
    from clustertrust.core.errors import InputError
    from clustertrust.core.fileio import write_atomic
    from clustertrust.core.i18n import tr

    document = support_report(machine)
    text = json.dumps(document, indent=2) + "\n" if as_json else report_text(document)
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise InputError(
            tr("The report could not be written to {path}: {reason}.").format(
                path=path, reason=error.strerror
            ),
            tr("Choose a folder you can write to, such as your Documents folder."),
        ) from error
    log.info("support report written to %s", path)
    return path.absolute()


def report_text(document: dict[str, Any]) -> str:
    from clustertrust.core.report.text import render_text

    return render_text(document)


def diagnostics(clusters: Sequence[Cluster], system: str) -> str:
    """A few lines for a chat with the helpdesk: no key, path under the home folder or token."""
    return helpdesk.diagnostics(clusters, system)
