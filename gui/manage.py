"""The manage window for helpdesk sessions: what is installed, is it still there, and actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clustertrust.core.errors import ClusterTrustError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .services import Planned, Services
from .session import Session, load_settings
from .theme import app_icon, ensure_theme
from .widgets import Banner, heading, status_icon
from .workers import JobControl, JobRunner

COLUMNS = ("Certificate", "Kind", "Store", "Status", "Days left", "Location")
STATUS, DAYS, LOCATION = 3, 4, 5


class ManageWindow(QDialog):
    def __init__(
        self, services: Services, session: Session | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        ensure_theme()
        self.services, self.session = services, session or Session()
        self.jobs = JobRunner(self)
        self.items: list[Any] = []
        self.setWindowTitle("ClusterTrust — installed clusters")
        self.setWindowIcon(app_icon())
        self.resize(860, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Installed clusters"))
        self.table = self._table()
        layout.addWidget(self.table, 1)
        self.status = Banner()
        layout.addWidget(self.status)
        layout.addLayout(self._buttons())
        self.refresh()

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setAccessibleName("Installed certificates")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        return table

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.refresh_button = self._button("Re&fresh", "Check the stores again", self.refresh)
        self.verify_button = self._button(
            "Re-&verify…", "Verify the connection again", self.reverify
        )
        self.remove_button = self._button(
            "&Remove…", "Show the removal plan, then remove", self.remove_selected
        )
        self.report_button = self._button(
            "Export support &report…", "Save a support report", self.export_report
        )
        for button in (self.refresh_button, self.verify_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.report_button)
        return row

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        return button

    # listing

    def refresh(self) -> None:
        self.status.show_message("info", "Checking the stores…")
        self.jobs.start(lambda control: self.services.status()[0], self._show, self._failed)

    def _show(self, items: list[Any]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            record = item.record
            present = {
                True: ("ok", "present"),
                False: ("error", "missing"),
                None: ("warning", "cannot check here"),
            }[item.present]
            cells = (
                record.subject,
                record.kind,
                record.store,
                present[1],
                str(item.days_left),
                record.location,
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(f"{record.location}\nSHA-256 {record.sha256}")
                if column == STATUS:
                    cell.setIcon(status_icon(present[0]))
                if column == DAYS and item.days_left < 14:
                    cell.setIcon(status_icon("warning" if item.days_left >= 0 else "error"))
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(LOCATION, QHeaderView.ResizeMode.Stretch)
        if items:
            self.status.clear_message()
        else:
            self.status.show_message("info", "Nothing installed by ClusterTrust on this computer.")

    def selected_records(self) -> list[Any]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.items[row].record for row in rows if row < len(self.items)]

    # actions

    def remove_selected(self) -> None:
        records = self.selected_records()
        if not records:
            self.status.show_message("warning", "Select the certificates to remove first.")
            return
        self.jobs.start(
            lambda control: self.services.plan_uninstall(records),
            self._confirm_removal,
            self._failed,
        )

    def _confirm_removal(self, planned: Planned) -> None:
        dialog = PlanDialog(planned, self)
        dialog.accepted.connect(lambda: self._remove(planned))
        dialog.open()
        self.removal_dialog = dialog

    def _remove(self, planned: Planned) -> None:
        self.status.show_message("info", "Removing…")
        self.jobs.start(
            lambda control: self.services.apply(planned, control),
            lambda _: self._removed(),
            self._failed,
        )

    def _removed(self) -> None:
        self.refresh()
        self.status.show_message("ok", "Removed.")

    def reverify(self) -> None:
        url = self.session.cluster_url or load_settings().get("cluster_url", "")
        url, ok = QInputDialog.getText(self, "Re-verify", "Cluster UI address:", text=url)
        if ok and url.strip():
            self.verify_url(url.strip())

    def verify_url(self, url: str) -> None:
        """With the wizard's bundle if one is open, else the selected (or newest) installed
        client identity, as `clustertrust verify URL` does."""
        services, opened = self.services, self.session.opened
        identities = [r.sha256 for r in self.selected_records() if r.kind == "identity"]
        wanted = identities[0] if identities else ""

        def work(control: JobControl) -> Any:
            bundle = opened.bundle if opened else services.installed_bundle(wanted)
            return services.verify(url, bundle, control)

        self.status.show_message("info", f"Connecting to {url}…")
        self.jobs.start(work, self._verified, self._failed)

    def _verified(self, report: Any) -> None:
        verdict = report.verdict
        self.status.show_message("ok" if report.ok else "error", verdict.message, verdict.fix)

    def export_report(self) -> None:
        default = str(Path.home() / "clustertrust-support-report.txt")
        path, _ = QFileDialog.getSaveFileName(self, "Export a support report", default)
        if path:
            self.write_report(Path(path))

    def write_report(self, path: Path) -> None:
        self.jobs.start(
            lambda control: self.services.save_report(path),
            lambda _: self.status.show_message("ok", f"Saved the report to {path}."),
            self._failed,
        )

    def _failed(self, error: Exception) -> None:
        if isinstance(error, ClusterTrustError):
            self.status.show_message("error", error.message, error.fix)
        else:
            self.status.show_message(
                "error",
                f"That did not work: {error}",
                "Export a support report and send it to your helpdesk.",
            )

    def closeEvent(self, event: Any) -> None:
        self.jobs.cancel_all()
        super().closeEvent(event)


class PlanDialog(QDialog):
    """Shows a removal plan in full before anything is removed."""

    def __init__(self, planned: Planned, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remove from this computer?")
        layout = QVBoxLayout(self)
        text = QPlainTextEdit(planned.plan.text())
        text.setReadOnly(True)
        text.setObjectName("Mono")
        text.setAccessibleName("Removal plan")
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.remove_button = buttons.addButton("Remove", QDialogButtonBox.ButtonRole.AcceptRole)
        self.remove_button.setAccessibleName("Remove these items")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setFocus(
            Qt.FocusReason.OtherFocusReason
        )
        layout.addWidget(buttons)
        self.resize(640, 320)
