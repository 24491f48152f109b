"""What the windows call: the use cases of core.actions, run on the machine this object chose
(this computer, or the demo's sandbox folder), with a job's progress and cancelling. It decides
nothing of its own. Everything that touches a file, a store or the network runs on a worker
thread. The wizard imports this module only after its first page is painted."""

from __future__ import annotations

import ssl
import sys
import threading
from pathlib import Path
from typing import Any

from clustertrust.core import actions
from clustertrust.core.actions import clients
from clustertrust.core.actions.bundles import Bundle, SourceData
from clustertrust.core.model import Machine, Scope, Setup
from clustertrust.platform import detect
from clustertrust.platform.runner import Runner

from .workers import JobControl

Planned = actions.Changes  # an install or renewal as the pages show and apply it
PlannedRepair = actions.Changes
PlannedRenewal = actions.Changes


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
        self.machine: Machine = (
            detect.SandboxMachine(sandbox, runner) if sandbox else detect.RealMachine(runner)
        )
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
        return actions.scope_lines(platform)

    def setup(self, scope: Scope | None = None) -> Setup:
        """The stores for `scope`; None means every store (for status and removal)."""
        return self.machine.setup(scope)

    def open_bundle(
        self,
        spec: str,
        control: JobControl,
        *,
        source: SourceData | None = None,
        password: str | None = None,
        context: ssl.SSLContext | None = None,
    ) -> actions.Opened:
        """Fetch (unless `source` was fetched), read, check and describe a bundle, and which
        installed cluster it renews (core.actions.opening). Runs on a worker thread."""
        cancel = control.cancel_token("download")
        return actions.open_bundle(
            spec,
            password,
            source=source,
            machine=self.machine,
            progress=control.progress,
            cancel=cancel,
            context=context,
        )

    def plan_install(self, bundle: Bundle, scope: Scope, verify_url: str = "") -> Planned:
        """An install, or the renewal of the installed cluster the bundle belongs to (checked at
        `verify_url`, else at the address remembered for the cluster, before anything changes)."""
        self._adopt_old_ui_urls()  # the renewal's check uses the remembered address
        return actions.plan_changes(self.machine, bundle, scope, verify_url=verify_url or None)

    def apply(self, planned: Planned, control: JobControl) -> None:
        def on_step(index: int, step: Any, status: actions.StepStatus) -> None:
            control.step((index, status.value))

        token = control.cancel_token("check")
        actions.apply_changes(planned, on_step, control.cancelled, token)

    def status(self) -> tuple[list[actions.ItemStatus], Any]:
        clusters = actions.cluster_status(self.machine)
        return [i for c in clusters for i in c.items], self.setup()

    def plan_uninstall(self, records: list[Any]) -> Planned:
        return actions.plan_removal(self.machine, [r.sha256 for r in records])

    def verify(self, url: str, bundle: Bundle | None, control: JobControl) -> Any:
        """Both trust modes and every consumer on a real machine; the bundle's CA in the demo.
        Without a bundle: the identity installed for the cluster at `url`."""
        token = control.cancel_token("verification")
        return actions.verify(self.machine, url, bundle, cancel=token)

    def remembered_url(self, bundle: Bundle) -> str:
        """The UI address the ledger remembers for this bundle's cluster ("" when none)."""
        self._adopt_old_ui_urls()
        return actions.remembered_url(self.machine, bundle)

    def remember_ui_url(self, cluster: actions.Cluster, url: str) -> str:
        """Keep the address a person gave for a listed cluster; returns it as kept."""
        return actions.remember_ui_url(self.machine, cluster, url)

    def _adopt_old_ui_urls(self) -> None:
        """Once: the addresses older versions kept in the wizard's settings go to the ledger."""
        from .session import forget_old_ui_urls, old_ui_urls

        with self._adopt_lock:
            if not self._adopted:
                actions.adopt_ui_urls(self.machine, old_ui_urls())
                forget_old_ui_urls()
                self._adopted = True

    def installed_bundle(self, sha256: str = "") -> Bundle:
        """The client identity ClusterTrust installed (newest, or the one with this SHA-256)."""
        return actions.installed_bundle(self.machine, sha256)

    def client_settings(self, session: Any) -> list[tuple[str, str]]:
        """Once the session's bundle is installed: its identity files and a KurrentDB connection
        string to the cluster (core.actions.clients.client_settings)."""
        opened, verified = session.opened, session.verified
        if opened is None or session.installed is None:
            return []
        url = verified.url if verified is not None and verified.ok else ""
        return clients.client_settings(self.machine, opened.bundle, url)

    # the clusters window: status by cluster, repair, renewal, diagnostics

    def clusters(self) -> list[actions.Cluster]:
        self._adopt_old_ui_urls()
        return actions.cluster_status(self.machine)

    def plan_repair(self) -> PlannedRepair:
        return actions.plan_repair(self.machine)

    def apply_repair(self, planned: PlannedRepair, control: JobControl) -> None:
        self.apply(planned, control)

    def plan_renewal(self, bundle: Bundle, cluster: actions.Cluster) -> PlannedRenewal:
        """The renewal `clustertrust renew` makes: checked at the cluster's UI address when one
        is known, the new bundle installed where the cluster is, then the old items removed."""
        return actions.plan_renewal(self.machine, bundle, cluster=cluster)

    def apply_renewal(self, planned: PlannedRenewal, control: JobControl) -> None:
        self.apply(planned, control)

    def diagnostics(self, clusters: list[actions.Cluster] | None = None) -> str:
        import platform as stdlib_platform

        system = f"{stdlib_platform.system()} {stdlib_platform.release()}".strip()
        return actions.diagnostics(self.clusters() if clusters is None else clusters, system)

    def save_report(self, path: Path) -> Path:
        """The redacted support report as text (core.actions.save_report). Outside the demo it
        includes the last verification, which core.verify saved."""
        return actions.save_report(self.machine, path)

    def cloud_available(self) -> bool:
        """The demo has its own download; everywhere else Kurrent Cloud is one choice."""
        return not self.is_sandbox

    # Kurrent Cloud (core.actions.cloud, imported on first use: the keyring loads only then)

    def cloud_settings(self) -> Any:
        """The organization, project and API addresses saved by the last sign-in."""
        from clustertrust.core.actions import cloud

        return cloud.load_settings()

    def cloud_clusters(self, organization: str, project: str, token: str, remember: bool) -> Any:
        """Sign in (the typed token, else the keyring's) and list the project's clusters: a
        `cloud.Listing` whose signed-in session `cloud_download` fetches a bundle with."""
        from clustertrust.core.actions import cloud

        where = cloud.Where(organization, project)
        return cloud.list_clusters(where, token, remember, self.cloud_context)

    def cloud_download(self, listing: Any, cluster: str, control: JobControl) -> SourceData:
        """The bundle of a listed cluster, with the listing's signed-in session; open it with
        `open_bundle(source=...)`."""
        from clustertrust.core.actions import cloud

        cancel = control.cancel_token("download")
        return cloud.download(listing, cluster, control.progress, cancel)
