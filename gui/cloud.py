""" "From Kurrent Cloud": pick a cluster of a project and fetch its bundle with the stored token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clustertrust.core.actions import cloud
from clustertrust.core.i18n import tr
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .widgets import Banner, paragraph
from .workers import JobRunner


@dataclass(frozen=True)
class CloudChoice:
    """The cluster the user picked, and the listing (its signed-in session) that can fetch it."""

    listing: cloud.Listing
    cluster: cloud.ClusterInfo


class CloudDialog(QDialog):
    chosen = Signal(object)  # CloudChoice

    def __init__(self, wizard: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent or wizard)
        self.services = wizard.services
        self.jobs = JobRunner(self)
        self.listing: cloud.Listing | None = None
        self.setWindowTitle(tr("ClusterTrust — from Kurrent Cloud"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            paragraph(
                tr(
                    "Fetch the certificate bundle straight from Kurrent Cloud. The organization "
                    "and project ids are in the console's address bar."
                )
            )
        )
        layout.addLayout(self._form())
        self.clusters = QListWidget()
        self.clusters.setAccessibleName(tr("Clusters in the project"))
        self.clusters.itemDoubleClicked.connect(lambda _: self.accept())
        layout.addWidget(self.clusters, 1)
        self.status = Banner()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.use_button = buttons.addButton(
            tr("&Use this cluster"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.use_button.setAccessibleName(tr("Use the selected cluster's bundle"))
        self.use_button.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.clusters.currentItemChanged.connect(
            lambda item, _: self.use_button.setEnabled(item is not None)
        )
        layout.addWidget(buttons)
        self.resize(560, 460)

    def _form(self) -> QFormLayout:
        settings = self.services.cloud_settings()
        form = QFormLayout()
        self.organization = QLineEdit(settings.organization)
        self.organization.setAccessibleName(tr("Kurrent Cloud organization id"))
        self.project = QLineEdit(settings.project)
        self.project.setAccessibleName(tr("Kurrent Cloud project id"))
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(tr("leave empty to use the token in the keyring"))
        self.token.setAccessibleName(tr("Kurrent Cloud refresh token"))
        self.remember = QCheckBox(tr("&Remember the token in the system keyring"))
        self.remember.setAccessibleName(tr("Remember the token in the system keyring"))
        self.list_button = QPushButton(tr("&List clusters"))
        self.list_button.setAccessibleName(tr("List the project's clusters"))
        self.list_button.clicked.connect(self.list_clusters)
        form.addRow(tr("&Organization:"), self.organization)
        form.addRow(tr("&Project:"), self.project)
        form.addRow(tr("Refresh &token:"), self.token)
        form.addRow("", self.remember)
        form.addRow("", self.list_button)
        return form

    def list_clusters(self) -> None:
        org, project = self.organization.text().strip(), self.project.text().strip()
        token, remember = self.token.text().strip(), self.remember.isChecked()
        self.status.show_message("info", tr("Signing in to Kurrent Cloud…"))
        self.list_button.setEnabled(False)
        services = self.services
        self.jobs.start(
            lambda control: services.cloud_clusters(org, project, token, remember),
            self._listed,
            self._failed,
        )

    def _listed(self, found: cloud.Listing) -> None:
        self.listing, clusters = found, found.clusters
        self.list_button.setEnabled(True)
        self.clusters.clear()
        for info in clusters:
            item = QListWidgetItem(f"{info.name or info.id} — {info.status}  ({info.id})")
            item.setData(Qt.ItemDataRole.UserRole, info)
            self.clusters.addItem(item)
        if clusters:
            self.clusters.setCurrentRow(0)
            self.status.clear_message()
        else:
            self.status.show_message(
                "warning",
                tr("This project has no clusters."),
                tr("Check the project id in the console's address bar."),
            )

    def _failed(self, error: Exception) -> None:
        self.list_button.setEnabled(True)
        self.status.show_error(
            "error",
            error,
            tr("Kurrent Cloud could not be reached"),
            tr("Check your network or proxy settings and try again."),
        )

    def accept(self) -> None:
        item = self.clusters.currentItem()
        listing = self.listing
        if item is None or listing is None:
            return
        info = item.data(Qt.ItemDataRole.UserRole)
        self.chosen.emit(CloudChoice(listing, info))
        super().accept()

    def closeEvent(self, event: Any) -> None:
        self.jobs.cancel_all()
        super().closeEvent(event)
