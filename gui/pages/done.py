"""Done: open the cluster UI, restart browsers, copy client settings, save a support report."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clustertrust.core.actions import certificates as certinfo
from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.i18n import tr, translatable
from clustertrust.gui.advice import window_fix
from clustertrust.platform import macos
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QPushButton

from ..widgets import Banner, CopyField, follow_layout, paragraph
from .base import Page

CONNECTION_STRING = "KurrentDB connection string"  # the label core gives it

RESTART_BROWSERS = translatable(
    "<b>Restart your browsers</b> ({browsers}) so they load the new certificate authority and "
    "offer your client certificate. When the browser asks which certificate to use, pick the "
    "one issued to {client}."
)
DEMO_BROWSERS = translatable(
    "The demo changed no browser: it installed into its sandbox only. To use a real cluster, "
    "run ClusterTrust without the demo."
)
TITLES = {
    "ok": translatable("All set"),
    "failed": translatable("Installed, but the connection failed"),
    "unverified": translatable("Installed; the connection is not verified yet"),
}


def browser_names(platform: str = sys.platform) -> str:
    """The browsers a person on this OS has (no Safari on Linux, no Edge on a Mac by default)."""
    if platform.startswith("win"):
        return tr("Edge, Chrome, Firefox")
    if platform == "darwin":
        return tr("Safari, Chrome, Firefox")
    return tr("Firefox, Chrome, Chromium")


def outcome(report: object) -> str:
    if report is None:
        return "unverified"
    return "ok" if getattr(report, "ok", False) else "failed"


def expected_prompts(plan: Any) -> str:
    """What the OS still asks once a browser uses the client key (macOS keychain access)."""
    steps = getattr(plan, "steps", ())
    return tr(macos.KEY_PROMPT) if any(s.note == macos.KEY_PROMPT for s in steps) else ""


class DonePage(Page):
    def __init__(self) -> None:
        super().__init__(tr(TITLES["unverified"]), "")
        self.verdict = Banner()
        self.body.addWidget(self.verdict)
        self.open_button = QPushButton(tr("&Open the cluster UI in my browser"))
        self.open_button.setAccessibleName(tr("Open the cluster UI in the default browser"))
        self.open_button.clicked.connect(self.open_cluster)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.browser_error = Banner()
        self.body.addWidget(self.browser_error)
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.reminder = paragraph()
        self.body.addWidget(self.reminder)
        self.prompts = paragraph()
        self.body.addWidget(self.prompts)
        self.settings_box = QGroupBox(tr("Client settings for your applications"))
        self.settings_form = QFormLayout(self.settings_box)
        self.body.addWidget(self.settings_box)
        self.body.addStretch(1)
        self.report_button = QPushButton(tr("Save a &support report…"))
        self.report_button.setAccessibleName(tr("Save a support report for the helpdesk"))
        self.report_button.clicked.connect(self.save_report)
        self.report_status = Banner()
        self.manage_button = QPushButton(tr("&Clusters on this computer…"))
        self.manage_button.setAccessibleName(tr("Clusters on this computer"))
        self.manage_button.setToolTip(
            tr("Open, verify, renew, repair or remove installed clusters")
        )
        self.manage_button.clicked.connect(lambda: self.app.open_manage())
        row = QHBoxLayout()
        row.addWidget(self.report_button)
        row.addStretch(1)
        row.addWidget(self.manage_button)
        self.body.addLayout(row)
        self.body.addWidget(self.report_status)

    def initializePage(self) -> None:
        super().initializePage()
        report, url = self.session.verified, self._url()
        self.setTitle(tr(TITLES[outcome(report)]))
        self.browser_error.clear_message()
        if report is not None and report.ok:
            self.setSubTitle(tr("The certificates are installed and the connection is proven."))
            self.verdict.show_message("ok", tr("Connected to {url}.").format(url=url))
        else:
            self.setSubTitle(
                tr("The certificates are installed; the connection is not proven yet.")
            )
            message = report.verdict.message if report is not None else tr("Not verified.")
            fix = window_fix(report.verdict.fix, report.verdict.remedies) if report else ""
            self.verdict.show_message("warning", message, fix)
        self.open_button.setEnabled(bool(url))
        client = self.session.opened.bundle.client_cert if self.session.opened else None
        name = certinfo.common_name(client.subject) if client is not None else tr("your cluster")
        if self.session.demo is not None:
            self.reminder.setText(tr(DEMO_BROWSERS))
        else:
            text = tr(RESTART_BROWSERS).format(browsers=browser_names(), client=html.escape(name))
            self.reminder.setText(text)  # rich text: the certificate's name escaped
        prompts = expected_prompts(self.session.plan)
        self.prompts.setText(prompts)
        self.prompts.setVisible(bool(prompts))
        self._show_client_settings()

    def _show_client_settings(self) -> None:
        while self.settings_form.rowCount():
            self.settings_form.removeRow(0)
        self.settings_box.hide()
        services, session = self.app.services, self.session
        self.app.jobs.start(
            lambda control: services.client_settings(session),
            self._client_settings_ready,
            self._client_settings_failed,
        )

    def _client_settings_ready(self, settings: list[tuple[str, str]]) -> None:
        for label, value in settings:
            elide = label != CONNECTION_STRING  # paths lose their middle; the string wraps
            shown = tr(label)
            self.settings_form.addRow(f"{shown}:", CopyField(value, shown, elide=elide))
        self.settings_box.setVisible(bool(settings))
        follow_layout(self.body)

    def _client_settings_failed(self, error: Exception) -> None:
        message = (
            f"{error.message} {window_fix(error.fix, error.remedies)}"
            if isinstance(error, ClusterTrustError)
            else tr("The client settings could not be worked out: {error}").format(error=error)
        )
        self.settings_form.addRow(paragraph(message))
        self.settings_box.show()

    def _url(self) -> str:
        """The address just verified, else the one offered."""
        report = self.session.verified
        return report.url if report is not None else self.session.offered_url()

    def open_cluster(self) -> None:
        url = self._url()
        if url and not self.open_url(QUrl(url)):
            self.browser_error.show_result(
                "error",
                tr("Your browser could not be opened."),
                tr(
                    "Open it yourself and go to {url} (Copy it from the client settings below, "
                    "or select this text)."
                ).format(url=url),
            )

    def save_report(self) -> None:
        default = str(Path.home() / "clustertrust-support-report.txt")
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Save a support report"), default, tr("Text files (*.txt);;All files (*)")
        )
        if path:
            self.write_report(Path(path))

    def write_report(self, path: Path) -> None:
        services = self.app.services
        self.report_button.setEnabled(False)
        self.app.jobs.start(
            lambda control: services.save_report(path),
            lambda _: self._report_saved(path),
            self._report_failed,
        )

    def _report_saved(self, path: Path) -> None:
        self.report_button.setEnabled(True)
        self.report_status.show_result(
            "ok",
            tr("Saved the support report to {path}.").format(path=path),
            tr("It holds no keys, passwords or tokens: send it to your helpdesk."),
        )

    def _report_failed(self, error: Exception) -> None:
        self.report_button.setEnabled(True)
        self.report_status.show_error(
            "error",
            error,
            tr("The report could not be saved"),
            tr("Choose another folder and try again."),
        )
