"""Verify: connect to the cluster UI with the client certificate, judge each consumer (browsers,
system store, command-line clients) and name the outcome. The address the ledger remembers for
the cluster is filled in, so nobody types it twice."""

from __future__ import annotations

from typing import Any

from clustertrust.core.errors import Cancelled
from clustertrust.core.i18n import tr, translatable
from clustertrust.gui.advice import verdict_fix, verdict_kind, window_fix
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
)

from ..session import save_settings
from ..widgets import Banner, paragraph, status_item
from ..workers import Job
from .base import Page

MODE_NAMES = {
    "bundle": translatable("Trusting the bundle's own CA"),
    "system": translatable("Trusting this computer's store"),
}


class VerifyPage(Page):
    def __init__(self) -> None:
        super().__init__(
            tr("Prove the connection"),
            tr(
                "ClusterTrust opens the cluster UI presenting your client certificate, the way "
                "your browser will."
            ),
        )
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText(tr("https://your-cluster:2113/"))
        self.url.setAccessibleName(tr("Cluster UI address"))
        self.url.returnPressed.connect(self._url_entered)
        label = QLabel(tr("Cluster &UI:"))
        label.setBuddy(self.url)
        self.verify_button = QPushButton(tr("&Verify"))
        self.verify_button.setAccessibleName(tr("Verify the connection"))
        self.verify_button.clicked.connect(self.verify)
        row.addWidget(label)
        row.addWidget(self.url, 1)
        row.addWidget(self.verify_button)
        self.body.addLayout(row)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName(tr("Verifying"))
        self.busy.hide()
        self.body.addWidget(self.busy)
        self.verdict = Banner()
        self.body.addWidget(self.verdict)
        self.modes = QListWidget()
        self.modes.setAccessibleName(tr("Result per trust mode"))
        self.modes.setWordWrap(True)
        self.modes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.modes.setMaximumHeight(120)
        self.modes.hide()
        self.body.addWidget(self.modes)
        self.consumers = QListWidget()
        self.consumers.setAccessibleName(tr("Result per browser, store and client"))
        self.consumers.setWordWrap(True)
        self.consumers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.consumers.hide()
        self.body.addWidget(self.consumers)
        self.scope_note = paragraph()
        self.body.addWidget(self.scope_note)
        self.body.addStretch(1)
        self.job: Job | None = None

    def initializePage(self) -> None:
        super().initializePage()
        if self.session.demo is not None:
            self.scope_note.setText(
                tr(
                    "Demo: the sandbox is not this computer's trust store, so the check trusts the "
                    "CA the sandbox holds (the bundle's own CA) and skips the system-store mode."
                )
            )
        if self.url.text():
            self._verify_once()
        else:
            self._fill_known_url()

    def _fill_known_url(self) -> None:
        """The address offered (the bundle source's, the demo's), or (looked up on a worker)
        the one the ledger remembers for the cluster."""
        opened, known = self.session.opened, self.session.offered_url()
        if known or opened is None:
            self._filled(known)
            return
        services, bundle = self.app.services, opened.bundle
        self.app.jobs.start(
            lambda control: services.remembered_url(bundle), self._filled, self._lookup_failed
        )

    def _filled(self, url: str) -> None:
        """A known address is checked at once, so nobody types it twice."""
        if url and not self.url.text():
            self.url.setText(url)
        self._verify_once()

    def _verify_once(self) -> None:
        if self.url.text() and self.session.verified is None and self.job is None:
            self.verify()

    def _lookup_failed(self, error: Exception) -> None:
        self.verdict.show_error(
            "warning",
            error,
            tr("The remembered cluster UI address could not be read"),
            tr("Paste the address from your cluster's console."),
        )

    def _url_entered(self) -> None:
        """Enter on the address just proven goes on (the wizard's Next); a new one is checked."""
        verified = self.session.verified
        if self.isComplete() and verified and self.url.text().strip() == verified.url:
            return
        self.verify()

    def verify(self) -> None:
        opened, url = self.session.opened, self.url.text().strip()
        if opened is None:
            return
        if not url:
            self.verdict.show_result(
                "error",
                tr("No cluster UI address was given."),
                tr("Paste the address from your cluster's console."),
            )
            return
        if self.job is not None:
            self.job.control.cancel()
        self.session.verified = None
        self.verdict.show_message("info", tr("Connecting to {url}…").format(url=url))
        self.busy.show()
        self.verify_button.setEnabled(False)
        services, bundle = self.app.services, opened.bundle
        self.job = job = self.app.jobs.start(
            lambda control: services.verify(url, bundle, control),
            lambda report: self._verified(job, url, report),
            lambda error: self._failed(job, error),
        )
        self.completeChanged.emit()

    def _verified(self, job: Job, url: str, report: Any) -> None:
        if job is not self.job:
            return
        self._idle()
        self.session.verified = report
        verdict = report.verdict
        self.verdict.show_result(verdict_kind(report), verdict.message, verdict_fix(verdict))
        self.modes.clear()
        for result in report.results:
            name = tr(MODE_NAMES.get(result.trust.value, result.trust.value))
            kind, word = _verdict(result.ok)
            self.modes.addItem(status_item(kind, f"{name}: {result.message}", word))
        by_consumer = any(c.covered for c in report.consumers)
        self.modes.setVisible(not by_consumer)
        self._show_consumers(report.consumers if by_consumer else ())
        if report.ok and self.session.demo is None:
            save_settings(last_url=self._source_url())  # the ledger keeps the address
        self.completeChanged.emit()

    def _show_consumers(self, consumers: Any) -> None:
        """One row per consumer: ✓ works, ✗ set up but failing, (i) not set up (neutral)."""
        self.consumers.clear()
        for result in consumers:
            covered = result.ok or result.covered
            kind, word = _verdict(result.ok) if covered else ("info", tr("Not set up"))
            message = result.diagnosis.message.removeprefix(f"{result.name} ")
            said = window_fix(result.diagnosis.fix, result.diagnosis.remedies)
            fix = f" {said}" if said and not result.ok else ""
            item = status_item(kind, f"{result.name}: {message}{fix}", word)
            item.setToolTip(result.consumer.location)
            self.consumers.addItem(item)
        self.consumers.setVisible(bool(consumers))

    def _source_url(self) -> str:
        opened = self.session.opened
        origin = opened.source.origin if opened else ""
        return origin if origin.startswith("https://") else ""

    def _failed(self, job: Job, error: Exception) -> None:
        if job is not self.job:
            return
        self._idle()
        if isinstance(error, Cancelled):
            self.verdict.show_result(
                "warning", tr("The check was cancelled."), tr("Click Try again.")
            )
        else:
            self.verdict.show_error(
                "error",
                error,
                tr("The check could not run"),
                tr("Save a support report and send it to your helpdesk."),
            )
        self.completeChanged.emit()

    def _idle(self) -> None:
        self.job = None
        self.busy.hide()
        self.verify_button.setEnabled(True)
        self.verify_button.setText(tr("&Try again"))
        self.verify_button.setAccessibleName(tr("Try the verification again"))

    def isComplete(self) -> bool:
        return self.session.verified is not None and self.job is None


def _verdict(ok: bool) -> tuple[str, str]:
    return ("ok", tr("Passed")) if ok else ("error", tr("Failed"))
