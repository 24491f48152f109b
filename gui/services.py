"""The core and platform entry points the windows call, in one object the demo and tests can
point at a sandbox. Everything that touches a file, a store or the network runs on a worker
thread. The wizard imports this module only after its first page is painted."""

from __future__ import annotations

import ssl
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clustertrust.core import certinfo, secrets
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.bundle.summary import CertificateSummary, summarize
from clustertrust.core.clients import settings as clientconfig
from clustertrust.core.errors import InputError, OperationFailed, PasswordNeeded
from clustertrust.core.install import addresses, renewal
from clustertrust.core.install import clusters as groups
from clustertrust.core.install import plan as plans
from clustertrust.core.install import repair as repairs
from clustertrust.core.install.addresses import cluster_of
from clustertrust.core.install.identity import identity_paths, installed_bundle
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import SourceData, load_source
from clustertrust.platform import detect
from clustertrust.platform.runner import Runner

from .session import NeedsPassword, Opened
from .workers import JobControl

PASSWORD_SECRET = "bundle-password:"  # + the bundle's origin


@dataclass(frozen=True)
class Planned:
    plan: plans.Plan  # what the pages list (a renewal's installs, then its removals)
    setup: detect.Setup
    renewal: renewal.RenewalPlan | None = None
    bundle: Bundle | None = None  # a renewal checks it at the cluster before the old items go


@dataclass(frozen=True)
class PlannedRepair:
    repair: repairs.Repair
    setup: detect.Setup

    @property
    def plan(self) -> plans.Plan:
        return self.repair.plan


@dataclass(frozen=True)
class PlannedRenewal:
    plan: renewal.RenewalPlan
    setup: detect.Setup
    bundle: Bundle
    url: str


class Services:
    """Real stores by default; `sandbox` keeps every store and the ledger inside one folder."""

    def __init__(
        self,
        sandbox: Path | None = None,
        runner: Runner | None = None,
        cloud_context: ssl.SSLContext | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.runner = runner  # None: platform.runner.SubprocessRunner
        self.cloud_context = cloud_context  # None: the system's trust, as for any web site
        # Two workers may ask at once (the welcome page's list, the plan): the sandbox's browser
        # database is created once, never by two certutil -N at the same time.
        self._setup_lock = threading.Lock()
        self._adopt_lock = threading.Lock()
        self._adopted = sandbox is not None  # the demo never takes the real user's addresses

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    def default_scope(self, platform: str = sys.platform) -> Scope:
        """User scope ("Only me") everywhere: no administrator password; on Linux the browsers and
        the command-line clients, which is what a person reaches the cluster with."""
        return Scope.USER

    def scope_lines(self, platform: str = sys.platform) -> dict[Scope, str]:
        """What each scope covers, in one line each, as the Plan page shows it."""
        if platform.startswith("linux"):
            return {
                Scope.USER: "No password: your browsers (Chromium, Firefox) and command-line "
                "clients.",
                Scope.SYSTEM: "Administrator password: adds the system trust store, for every "
                "user and program on this computer.",
            }
        return {
            Scope.USER: "Your account's certificate store (used by your browsers), Firefox and "
            "command-line clients.",
            Scope.SYSTEM: "Administrator password: the computer's certificate store, for every "
            "user, plus your browsers and command-line clients.",
        }

    def setup(self, scope: Scope | None = None) -> detect.Setup:
        """The stores for `scope`; None means every store (for status and removal)."""
        if self.sandbox is not None:
            with self._setup_lock:
                return detect.sandbox_setup(self.sandbox, self.runner)
        if scope is None:
            return detect.all_stores_setup(self.runner)
        return detect.current_setup(scope, runner=self.runner)

    def ledger(self) -> Ledger:
        """The real user's ledger, or the sandbox's: never both."""
        return Ledger(self.sandbox / "ledger.json") if self.sandbox is not None else Ledger()

    def plan_install(self, bundle: Bundle, scope: Scope, verify_url: str = "") -> Planned:
        """An install, or the renewal of the installed cluster the bundle belongs to (checked at
        `verify_url`, else at the address remembered for the cluster, before the old items go)."""
        self._adopt_old_ui_urls()  # the renewal's check uses the remembered address
        setup = self.setup(scope)
        everywhere = self.setup().stores  # old items may sit in stores this scope does not use
        decided = renewal.plan_changes(
            bundle, scope, setup.stores, setup.ledger, everywhere, verify_url or None
        )
        if isinstance(decided, renewal.RenewalPlan):
            return Planned(decided.shown(), setup, decided, bundle)
        return Planned(decided, setup)

    def renews(self, bundle: Bundle) -> str:
        """The installed cluster this bundle renews, or ""."""
        if not renewal.replaced_records(bundle, self.setup().ledger):
            return ""
        return cluster_of(bundle)

    def apply(self, planned: Planned, control: JobControl) -> None:
        def on_step(index: int, step: Any, status: plans.StepStatus) -> None:
            control.step((index, status.value))

        ledger = planned.setup.ledger
        if planned.renewal is None:
            plans.apply_plan(planned.plan, ledger, on_step, control.cancelled)
            return
        url, bundle = planned.renewal.verify_url, planned.bundle
        check = (lambda: self._renewal_check(url, bundle, control)) if url and bundle else None
        stores = planned.renewal.stores
        renewal.apply_renewal(planned.renewal, ledger, stores, check, on_step, control.cancelled)

    def status(self) -> tuple[list[plans.ItemStatus], Any]:
        setup = self.setup()
        return plans.status(setup.ledger, setup.stores), setup

    def plan_uninstall(self, records: list[Any]) -> Planned:
        setup = self.setup()
        return Planned(plans.plan_uninstall(records, setup.stores), setup)

    def verify(self, url: str, bundle: Bundle, control: JobControl) -> Any:
        """Both trust modes on a real machine. The sandbox is not this computer's trust store,
        so there only the bundle's CA (the very certificate the sandbox holds) is trusted."""
        from clustertrust.core.verify import run as verify

        modes = (verify.TrustMode.BUNDLE,) if self.is_sandbox else verify.BOTH
        token = control.cancel_token("verification")
        inventory = None if self.is_sandbox else detect.current_inventory(self.runner)
        return verify.verify_url(
            url,
            bundle,
            modes=modes,
            cancel=token,
            remember=not self.is_sandbox,
            inventory=inventory,
        )

    def remembered_url(self, bundle: Bundle) -> str:
        """The UI address the ledger remembers for this bundle's cluster ("" when none)."""
        self._adopt_old_ui_urls()
        return addresses.remembered_url(self.ledger(), bundle)

    def remember_ui_url(self, cluster: groups.Cluster, url: str) -> str:
        """Keep the address a person gave for a listed cluster; returns it as kept."""
        ca = cluster.ca.sha256 if cluster.ca is not None else ""
        return addresses.remember_ui_url(self.ledger(), cluster.name, url, ca)

    def _adopt_old_ui_urls(self) -> None:
        """Once: the addresses older versions kept in the wizard's settings go to the ledger."""
        from .session import forget_old_ui_urls, old_ui_urls

        with self._adopt_lock:
            if not self._adopted:
                addresses.adopt_ui_urls(self.ledger(), old_ui_urls())
                forget_old_ui_urls()
                self._adopted = True

    def installed_bundle(self, sha256: str = "") -> Bundle:
        """The client identity ClusterTrust installed (newest, or the one with this SHA-256)."""
        return installed_bundle(self.setup().ledger, sha256)

    def client_settings(self, session: Any) -> list[tuple[str, str]]:
        """The installed identity files and a KurrentDB connection string using them."""
        opened, planned = session.opened, session.installed
        client = opened.bundle.client_cert if opened else None
        if client is None or planned is None:
            return []
        identity = identity_paths(planned.setup.ledger, certinfo.sha256(client))
        if identity is None:
            return []
        files = clientconfig.checked(clientconfig.ClientFiles.from_identity(identity))
        rows = [
            ("CA file", str(files.ca)),
            ("Client certificate", str(identity.cert)),
            ("Client key", str(identity.key)),
        ]
        target = urllib.parse.urlsplit(session.cluster_url)
        if target.hostname:
            port = target.port or clientconfig.KURRENTDB_PORT
            text = clientconfig.kurrentdb_connection_string(target.hostname, files, port)
            rows.insert(0, ("KurrentDB connection string", text))
        return rows

    # the clusters window: status by cluster, repair, renewal, diagnostics

    def clusters(self) -> list[groups.Cluster]:
        self._adopt_old_ui_urls()
        return groups.cluster_status(self.setup())

    def plan_repair(self) -> PlannedRepair:
        setup = self.setup()
        return PlannedRepair(repairs.plan_repair(setup), setup)

    def apply_repair(self, planned: PlannedRepair, control: JobControl) -> None:
        self.apply(Planned(planned.plan, planned.setup), control)

    def plan_renewal(self, bundle: Bundle, cluster: groups.Cluster) -> PlannedRenewal:
        """The renewal `clustertrust renew` makes: install the new bundle where the cluster is,
        verify it at the cluster's UI address when one is known, then remove the old items."""
        _same_cluster(bundle, cluster)
        scope = renewal.scope_of(cluster.records)
        setup = self.setup(scope)
        everywhere = self.setup().stores
        olds = [r.sha256 for r in cluster.records]
        plan = renewal.plan_renewal(
            bundle, scope, setup.stores, setup.ledger, olds, cluster.ui_url or None, everywhere
        )
        return PlannedRenewal(plan, setup, bundle, cluster.ui_url)

    def apply_renewal(self, planned: PlannedRenewal, control: JobControl) -> None:
        def on_step(index: int, step: Any, status: plans.StepStatus) -> None:
            control.step((index, status.value))

        url, bundle = planned.url, planned.bundle
        check = (lambda: self._renewal_check(url, bundle, control)) if url else None
        renewal.apply_renewal(
            planned.plan,
            planned.setup.ledger,
            planned.setup.stores,
            check,
            on_step,
            control.cancelled,
        )

    def _renewal_check(self, url: str, bundle: Bundle, control: JobControl) -> Any:
        from clustertrust.core.verify import run as verify

        report = verify.verify_url(
            url,
            bundle,
            modes=(verify.TrustMode.BUNDLE,),
            cancel=control.cancel_token("check"),
            remember=not self.is_sandbox,
        )
        return report.result(verify.TrustMode.BUNDLE) or report.results[0]

    def diagnostics(self, clusters: list[groups.Cluster] | None = None) -> str:
        import platform as stdlib_platform

        system = f"{stdlib_platform.system()} {stdlib_platform.release()}".strip()
        return groups.diagnostics(self.clusters() if clusters is None else clusters, system)

    def save_report(self, path: Path) -> Path:
        """The redacted support report (core.report) as text. Outside the demo it includes the
        last verification, which core.verify saved."""
        from clustertrust.core.report import collect as report
        from clustertrust.platform import facts
        from clustertrust.platform.runner import SubprocessRunner

        setup = self.setup()
        document = report.collect(
            setup, facts.machine_facts(setup, self.runner or SubprocessRunner())
        )
        try:
            path.write_text(report.render_text(document), encoding="utf-8")
        except OSError as error:
            raise OperationFailed(
                f"The report could not be written to {path}: {error.strerror}.",
                "Choose a folder you can write to, such as your Documents folder.",
            ) from error
        return path

    def cloud_available(self) -> bool:
        """The demo has its own download; everywhere else Kurrent Cloud is one choice."""
        return not self.is_sandbox


def _same_cluster(bundle: Bundle, cluster: groups.Cluster) -> None:
    name = cluster_of(bundle)
    if cluster.ca is not None and name != cluster.name:
        raise InputError(
            f"This bundle is for the cluster {name}, not {cluster.name}; nothing was changed.",
            f"Choose the renewed bundle of {cluster.name}, or install this one with the wizard.",
        )


def open_bundle(
    spec: str,
    control: JobControl,
    *,
    source: SourceData | None = None,
    password: str | None = None,
    context: ssl.SSLContext | None = None,
) -> Opened:
    """Fetch (unless already fetched), read and check a bundle. Runs on a worker thread."""

    source = source or load_source(
        spec, progress=control.progress, context=context, cancel=control.cancel_token("download")
    )
    password = password or stored_password(source.origin)
    try:
        bundle = read_bundle(source, password=password)
    except PasswordNeeded as error:
        raise NeedsPassword(source, error) from error
    return Opened(source, bundle, check_bundle(bundle), password, certificate_summaries(bundle))


def certificate_summaries(bundle: Bundle) -> list[tuple[str, CertificateSummary]]:
    """Each certificate with the part it plays, in the order the Review page shows them."""
    titled = [
        ("Certificate authority — will be trusted" if index == 0 else "Intermediate CA", cert)
        for index, cert in enumerate(bundle.ca_certs)
    ]
    if bundle.client_cert is not None:
        key = "with its private key" if bundle.has_key else "without a private key"
        titled.append((f"Your client certificate — {key}", bundle.client_cert))
    return [(title, summarize(cert)) for title, cert in titled]


def stored_password(origin: str) -> str | None:
    """A password the user asked us to remember for this bundle; None when the keyring is shut."""
    try:
        return secrets.load_secret(PASSWORD_SECRET + origin)
    except OperationFailed:
        return None


def remember_password(origin: str, password: str) -> str:
    """Save to the OS keyring (only on the user's request); returns "" or why it failed."""
    try:
        secrets.save_secret(PASSWORD_SECRET + origin, password)
    except OperationFailed as error:
        return f"The password was not saved: the keyring is not available. {error.fix}"
    return ""
