"""The clusters window for helpdesk sessions: one card per installed cluster (its UI address, the
CA's and the client's days left, each browser, the system store and the command-line clients), and
what to do about it: open, verify, renew, repair, remove, copy diagnostics, save a support report.
Every check and change runs on a worker (gui/workers.py); the window only shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clustertrust.core import actions as groups
from clustertrust.core.actions import cluster_of, consumer_name
from clustertrust.core.i18n import tr, translatable
from clustertrust.gui.advice import verdict_fix, verdict_kind, window_fix
from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QVBoxLayout,
    QWidget,
)

from .cluster_card import ClusterCard, action_button
from .plan_dialog import PlanDialog
from .services import PlannedRenewal, PlannedRepair, Services
from .session import Session
from .theme import app_icon, ensure_theme
from .widgets import Banner, fit_on_screen, follow_layout, heading, scrolling
from .workers import JobControl, JobRunner

RENEW_FILTER = translatable(
    "Certificate bundles (*.tar.gz *.tgz *.zip *.p12 *.pfx *.crt *.pem);;All files (*)"
)
RECHECK_AFTER = 3.0  # seconds: coming back to the window lists again, but not on every click


class ManageWindow(QDialog):
    clusters_listed = Signal(list)  # after every listing: the welcome page shows the same

    def __init__(
        self, services: Services, session: Session | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        ensure_theme()
        self.services, self.session = services, session or Session()
        self.jobs = JobRunner(self)
        self.clusters: list[groups.Cluster] = []
        self.cards: list[ClusterCard] = []
        self.listed = False
        self.listed_at = 0.0
        self.dialog: QDialog | None = None
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.setWindowTitle(tr("ClusterTrust — clusters on this computer"))
        self.setWindowIcon(app_icon())
        fit_on_screen(self, 860, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Clusters on this computer")))
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.addStretch(1)
        layout.addWidget(scrolling(self.list, tr("Clusters")), 1)
        self.status = Banner()
        layout.addWidget(self.status)
        layout.addLayout(self._buttons())
        QApplication.instance().focusChanged.connect(self._focus_moved)  # type: ignore[attr-defined]
        self.refresh()

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.refresh_button = action_button(tr("Re&fresh"), lambda: self.refresh())
        self.diagnostics_button = action_button(tr("&Copy diagnostics"), self.copy_diagnostics)
        self.diagnostics_button.setToolTip(tr("A short summary without keys, for a helpdesk chat"))
        self.report_button = action_button(tr("&Save support report…"), self.export_report)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        row.addWidget(self.diagnostics_button)
        row.addWidget(self.report_button)
        return row

    # listing

    def refresh(self, done: str = "", quiet: bool = False) -> None:
        """List the clusters again; `done` is what to say afterwards (what was just done);
        `quiet` leaves the message shown (an error stays readable while the cards update)."""
        if not quiet:
            self.status.show_message("info", tr("Checking the stores…"))
        self.refresh_button.setEnabled(False)
        self.jobs.start(
            lambda control: self.services.clusters(),
            lambda clusters: self._show(clusters, done, quiet),
            self._listing_failed,
        )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate:
            self._recheck()
        return super().event(event)

    def _recheck(self) -> None:
        """Back in the window (from a browser, a terminal): what it shows may be old."""
        idle = not self.jobs.busy() and not (self.dialog and self.dialog.isVisible())
        if self.listed and idle and time.monotonic() - self.listed_at > RECHECK_AFTER:
            self.refresh(quiet=self.status.kind in ("error", "warning"))

    def _show(self, clusters: list[groups.Cluster], done: str = "", quiet: bool = False) -> None:
        self.refresh_button.setEnabled(True)
        self.listed_at = time.monotonic()
        self.clusters = clusters
        for card in self.cards:
            self.list_layout.removeWidget(card)
            card.hide()
            card.setParent(None)  # type: ignore[call-overload]  # out of the window at once
            card.deleteLater()
        self.cards = [ClusterCard(c, self) for c in self.clusters]
        for index, card in enumerate(self.cards):
            self.list_layout.insertWidget(index, card)  # above the stretch that keeps them compact
            card.show()  # at once, not on the next turn of the event loop
        self.list_layout.activate()
        self._keyboard_ready()
        self.clusters_listed.emit(self.clusters)
        if quiet:
            return
        if done:
            self.status.show_result("ok", done)
        elif not clusters:
            self.status.show_message(
                "info", tr("Nothing installed by ClusterTrust on this computer.")
            )
        elif (needed := groups.repair_needed(clusters))[0]:
            self.status.show_message("warning", needed[0], window_fix("", needed[1], True))
        else:
            self.status.clear_message()

    def _keyboard_ready(self) -> None:
        """Tab in the order shown; Alt+letters on the first card; the focus on it, or on
        Refresh, on opening and when it was on a card just replaced."""
        follow_layout(self.layout())
        for index, card in enumerate(self.cards):
            card.set_mnemonics(index == 0)
        focused, opening = self.focusWidget(), not self.listed
        self.listed = True
        if opening or focused is None or not focused.isVisible():
            target = self.cards[0].open_button if self.cards else self.refresh_button
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Alt+letters belong to the card holding the focus: each letter means one button."""
        owner = next((c for c in self.cards if new is not None and c.isAncestorOf(new)), None)
        if owner is not None:
            for card in self.cards:
                card.set_mnemonics(card is owner)

    def card(self, name: str) -> ClusterCard:
        return next(card for card in self.cards if card.cluster.name == name)

    # open and verify

    def open_ui(self, cluster: groups.Cluster) -> None:
        """At the known address; else at the one asked for, once it is remembered for next time."""
        if cluster.ui_url:
            self._open_in_browser(cluster.ui_url)
            return
        url = self._ask_url(cluster)
        if url:
            services = self.services
            self.jobs.start(
                lambda control: services.remember_ui_url(cluster, url),
                lambda kept: self._remembered(cluster, kept),
                self._failed,
            )

    def _remembered(self, cluster: groups.Cluster, url: str) -> None:
        if self._open_in_browser(url):  # else its error stays shown; Refresh lists the address
            self.refresh(
                done=tr("Opened {url}, remembered as the UI address of {cluster}.").format(
                    url=url, cluster=cluster.name
                )
            )

    def _open_in_browser(self, url: str) -> bool:
        if self.open_url(QUrl(url)):
            return True
        self.status.show_result(
            "error",
            tr("Your browser could not be opened."),
            tr("Open it yourself and go to {url}.").format(url=url),
        )
        return False

    def _ask_url(self, cluster: groups.Cluster) -> str:
        url, ok = QInputDialog.getText(
            self,
            tr("Cluster UI address"),
            tr("The UI address of {cluster}:").format(cluster=cluster.name),
            text="https://",
        )
        return url.strip() if ok else ""

    def verify(self, cluster: groups.Cluster, url: str = "") -> None:
        """With the wizard's bundle when it is this cluster's, else the installed identity."""
        url = url or cluster.ui_url or self._ask_url(cluster)
        if not url:
            return
        services, opened = self.services, self.session.opened
        own = opened if opened and cluster_of(opened.bundle) == cluster.name else None
        wanted = cluster.client.sha256 if cluster.client else ""

        def work(control: JobControl) -> Any:
            bundle = own.bundle if own else services.installed_bundle(wanted)
            return services.verify(url, bundle, control)

        self.status.show_message("info", tr("Connecting to {url}…").format(url=url))
        self.jobs.start(work, self._verified, self._failed)

    def verify_url(self, url: str) -> None:
        """With the identity installed for the cluster at this address (none: says what to do)."""
        self.status.show_message("info", tr("Connecting to {url}…").format(url=url))
        services = self.services
        self.jobs.start(
            lambda control: services.verify(url, None, control),
            self._verified,
            self._failed,
        )

    def _verified(self, report: Any) -> None:
        verdict = report.verdict
        self.status.show_result(
            verdict_kind(report),
            verdict.message,
            verdict_fix(verdict, in_clusters_window=True),
        )

    # repair

    def repair(self) -> None:
        self.status.show_message("info", tr("Looking for what went missing…"))
        self.jobs.start(
            lambda control: self.services.plan_repair(), self._confirm_repair, self._failed
        )

    def _confirm_repair(self, planned: PlannedRepair) -> None:
        repair = planned.repair
        if repair.is_empty:
            kind = "warning" if repair.cannot else "ok"
            self.status.show_result(kind, repair.lines()[0], _cannot(repair.cannot))
            return
        words = [repair.lines()[0], *(f"• {s.summary}" for s in repair.plan.steps)]
        self._confirm(
            tr("Repair?"), words, repair.text(), tr("Repair"), lambda: self._run_repair(planned)
        )

    def _run_repair(self, planned: PlannedRepair) -> None:
        self.status.show_message("info", tr("Repairing…"))
        self.jobs.start(
            lambda control: self.services.apply_repair(planned, control),
            lambda _: self._changed(tr("Repaired: everything is back in place.")),
            self._failed,
        )

    # remove

    def remove(self, cluster: groups.Cluster) -> None:
        records = cluster.records
        self.jobs.start(
            lambda control: self.services.plan_uninstall(records),
            lambda planned: self._confirm_removal(cluster, planned),
            self._failed,
        )

    def _confirm_removal(self, cluster: groups.Cluster, planned: Any) -> None:
        places = dict.fromkeys(
            consumer_name(s.record.store, s.record.location) for s in planned.plan.steps
        )
        words = [
            tr("Remove the cluster {cluster} from this computer:").format(cluster=cluster.name),
            *(f"• {place}" for place in places),
            tr("Your browsers will no longer trust the cluster or offer its client certificate."),
        ]
        self._confirm(
            tr("Remove {cluster}?").format(cluster=cluster.name),
            words,
            planned.plan.text(),
            tr("Remove"),
            lambda: self._remove(planned),
        )

    def _remove(self, planned: Any, done: str = "") -> None:
        self.status.show_message("info", tr("Removing…"))
        self.jobs.start(
            lambda control: self.services.apply(planned, control),
            lambda _: self._changed(done or tr("Removed.")),
            self._failed,
        )

    def remove_older(self, cluster: groups.Cluster) -> None:
        """Only what renewals left behind (model.left_behind): the current certificates stay."""
        records = list(cluster.older)
        self.jobs.start(
            lambda control: self.services.plan_uninstall(records),
            lambda planned: self._confirm_older_removal(cluster, planned),
            self._failed,
        )

    def _confirm_older_removal(self, cluster: groups.Cluster, planned: Any) -> None:
        older = dict.fromkeys(s.record.subject for s in planned.plan.steps)
        places = dict.fromkeys(
            consumer_name(s.record.store, s.record.location) for s in planned.plan.steps
        )
        words = [
            tr("Remove the older certificates of {cluster} that a renewal left behind:").format(
                cluster=cluster.name
            ),
            *(f"• {subject}" for subject in older),
            tr("From: {places}").format(places=", ".join(places)),
            tr("The current CA and client certificate stay; nothing that uses them changes."),
        ]
        done = tr("Removed the older certificates of {cluster}.").format(cluster=cluster.name)
        self._confirm(
            tr("Remove older certificates of {cluster}?").format(cluster=cluster.name),
            words,
            planned.plan.text(),
            tr("Remove"),
            lambda: self._remove(planned, done),
        )

    # renew

    def renew_from_file(self, cluster: groups.Cluster) -> None:
        from .pages.bundle import downloads_folder

        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("The renewed bundle of {cluster}").format(cluster=cluster.name),
            str(downloads_folder()),
            tr(RENEW_FILTER),
        )
        if path:
            self.renew(cluster, path)

    def renew_from_link(self, cluster: groups.Cluster) -> None:
        link, ok = QInputDialog.getText(
            self,
            tr("Renew from a link"),
            tr("The renewed bundle's link for {cluster}:").format(cluster=cluster.name),
        )
        if ok and link.strip():
            self.renew(cluster, link.strip())

    def renew_from_cloud(self, cluster: groups.Cluster) -> None:
        from .cloud import CloudChoice, CloudDialog

        def renew(choice: CloudChoice) -> None:
            fetch = self.services.cloud_download
            self.renew(
                cluster, choice.cluster.id, lambda c: fetch(choice.listing, choice.cluster.id, c)
            )

        dialog = CloudDialog(self)
        dialog.chosen.connect(renew)
        dialog.open()
        self.dialog = dialog

    def renew(
        self, cluster: groups.Cluster, spec: str, fetch: Callable[[JobControl], Any] | None = None
    ) -> None:
        """Read the renewed bundle and plan the renewal (as `clustertrust renew`), then ask."""
        services, context = self.services, self.session.source_context

        def work(control: JobControl) -> PlannedRenewal:
            source = fetch(control) if fetch else None
            opened = services.open_bundle(spec, control, source=source, context=context)
            return services.plan_renewal(opened.bundle, cluster)

        self.status.show_message(
            "info", tr("Reading the renewed bundle of {cluster}…").format(cluster=cluster.name)
        )
        self.jobs.start(work, lambda planned: self._confirm_renewal(cluster, planned), self._failed)

    def _confirm_renewal(self, cluster: groups.Cluster, planned: PlannedRenewal) -> None:
        renewing = planned.renewal
        assert renewing is not None
        words = [
            renewing.check_first(),
            tr("Then install the renewed certificates of {cluster}.").format(cluster=cluster.name),
            tr("Then remove the {count} old certificate(s).").format(
                count=len({r.sha256 for r in renewing.replaced})
            ),
        ]
        self._confirm(
            tr("Renew {cluster}?").format(cluster=cluster.name),
            words,
            planned.text(),
            tr("Renew"),
            lambda: self._renew(planned),
        )

    def _renew(self, planned: PlannedRenewal) -> None:
        self.status.show_message("info", tr("Renewing…"))
        self.jobs.start(
            lambda control: self.services.apply_renewal(planned, control),
            lambda _: self._changed(tr("Renewed: the new certificates replaced the old ones.")),
            self._failed,
        )

    # diagnostics and report

    def copy_diagnostics(self) -> None:
        services = self.services
        self.jobs.start(
            lambda control: services.diagnostics(), self._diagnostics_ready, self._failed
        )

    def _diagnostics_ready(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status.show_result(
            "ok",
            tr("Copied a short summary to the clipboard."),
            tr("Paste it into the helpdesk chat."),
        )

    def export_report(self) -> None:
        default = str(Path.home() / "clustertrust-support-report.txt")
        path, _ = QFileDialog.getSaveFileName(self, tr("Save a support report"), default)
        if path:
            self.write_report(Path(path))

    def write_report(self, path: Path) -> None:
        self.jobs.start(
            lambda control: self.services.save_report(path),
            lambda _: self.status.show_result(
                "ok", tr("Saved the report to {path}.").format(path=path)
            ),
            self._failed,
        )

    # shared

    def _confirm(
        self, title: str, words: list[str], details: str, action: str, go: Callable[[], None]
    ) -> None:
        dialog = PlanDialog(title, words, details, action, self)
        dialog.accepted.connect(go)
        dialog.open()
        self.dialog = dialog

    def _changed(self, message: str) -> None:
        self.refresh(done=message)

    def _failed(self, error: Exception) -> None:
        """An action failed: say so, and list again, since part of it may have happened."""
        self._listing_failed(error)
        self.refresh(quiet=True)

    def _listing_failed(self, error: Exception) -> None:
        self.refresh_button.setEnabled(True)
        self.status.show_error(
            "error",
            error,
            tr("That did not work"),
            tr("Save a support report and send it to your helpdesk."),
        )

    def closeEvent(self, event: Any) -> None:
        self.jobs.cancel_all()
        super().closeEvent(event)


def _cannot(cannot: tuple[tuple[str, str], ...]) -> str:
    return " ".join(
        tr("Cannot put back {what}: {why}").format(what=what, why=tr(why)) for what, why in cannot
    )
