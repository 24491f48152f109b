"""Bundle: drop, browse or download the bundle; ask for a password only when 'kurrent' fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from clustertrust.core.actions.bundles import SourceData
from clustertrust.core.actions.opening import NeedsPassword, Opened, remember_password
from clustertrust.core.errors import Cancelled
from clustertrust.core.i18n import tr, translatable
from clustertrust.gui.advice import window_fix
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from ..session import load_settings
from ..widgets import Banner, DropArea
from ..workers import Job, JobControl

if TYPE_CHECKING:
    from ..cloud import CloudChoice
from .base import Page

BUNDLE_FILTER = translatable(
    "Certificate bundles (*.tar.gz *.tgz *.tar *.zip *.p12 *.pfx *.crt *.pem *.cer *.der *.key);;"
    "All files (*)"
)


def downloads_folder() -> Path:
    """Where a browser saved the bundle: the Downloads folder, else the home folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def chosen_name(origin: str) -> str:
    """The file (or folder, or the link's last part) a person chose, without its long path."""
    name = origin.rstrip("/").replace("\\", "/").rsplit("/", 1)[-1]
    return name.split("?", 1)[0] or origin


class BundlePage(Page):
    def __init__(self) -> None:
        super().__init__(
            tr("Choose the certificate bundle"),
            tr(
                "Drop it here, choose it, or paste its download link. Nothing on this computer "
                "changes yet."
            ),
        )
        self.drop = DropArea(
            tr(
                "Drop certificate_bundle.tar.gz, a .p12/.pfx, a CA certificate or the folder "
                "holding them here"
            )
        )
        self.drop.dropped.connect(self.choose)
        self.body.addWidget(self.drop)
        self.body.addLayout(self._browse_row())
        self.body.addLayout(self._url_row())
        self.body.addWidget(self._progress_row())
        self.body.addWidget(self._password_box())
        self.status = Banner()
        self.body.addWidget(self.status)
        self.body.addStretch(1)
        self.job: Job | None = None
        self.pending_source: SourceData | None = None
        self.spec = ""

    def _browse_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.file_button = QPushButton(tr("Choose &file…"))
        self.file_button.setAccessibleName(tr("Choose a bundle file"))
        self.file_button.clicked.connect(self.browse_file)
        self.folder_button = QPushButton(tr("Choose fo&lder…"))
        self.folder_button.setAccessibleName(tr("Choose a folder holding the bundle"))
        self.folder_button.clicked.connect(self.browse_folder)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        self.cloud_button = QPushButton(tr("From &Kurrent Cloud…"))
        self.cloud_button.setAccessibleName(tr("Download the bundle from Kurrent Cloud"))
        self.cloud_button.clicked.connect(lambda: self.app.open_cloud_dialog())
        self.cloud_button.setVisible(False)
        row.addWidget(self.cloud_button)
        row.addStretch(1)
        return row

    def _url_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText(tr("https://… link to the bundle"))
        self.url.setAccessibleName(tr("Bundle download address"))
        self.url.returnPressed.connect(self._url_entered)
        self.download_button = QPushButton(tr("&Download"))
        self.download_button.setAccessibleName(tr("Download the bundle from this address"))
        self.download_button.clicked.connect(self.download)
        row.addWidget(QLabel(tr("Link:")))
        row.addWidget(self.url, 1)
        row.addWidget(self.download_button)
        return row

    def _progress_row(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(tr("Download progress"))
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setAccessibleName(tr("Cancel the download"))
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        box.hide()
        self.progress_box = box
        return box

    def _password_box(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.password_label = QLabel()
        self.password_label.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Bundle password"))
        self.password.returnPressed.connect(self.retry_with_password)
        self.password_label.setBuddy(self.password)
        self.open_button = QPushButton(tr("&Open"))
        self.open_button.setAccessibleName(tr("Open the bundle with this password"))
        self.open_button.clicked.connect(self.retry_with_password)
        self.remember = QCheckBox(tr("&Remember this password in the system keyring"))
        self.remember.setAccessibleName(tr("Remember the password in the system keyring"))
        grid.addWidget(self.password_label, 0, 0, 1, 2)
        grid.addWidget(self.password, 1, 0)
        grid.addWidget(self.open_button, 1, 1)
        grid.addWidget(self.remember, 2, 0, 1, 2)
        box.hide()
        self.password_box = box
        return box

    def initializePage(self) -> None:
        super().initializePage()
        self.cloud_button.setVisible(self.app.cloud_available())
        if self.session.demo is not None:
            self.url.setText(self.session.demo.bundle_url)
            if self.session.opened is None and self.job is None:
                self.download()
        elif not self.url.text():
            self.url.setText(load_settings().get("last_url", ""))

    def isComplete(self) -> bool:
        return self.session.opened is not None and self.job is None

    # choosing a source

    def browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Choose the certificate bundle"), str(downloads_folder()), tr(BUNDLE_FILTER)
        )
        if path:
            self.choose(path)

    def browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, tr("Choose the folder with the bundle"), str(downloads_folder())
        )
        if path:
            self.choose(path)

    def _url_entered(self) -> None:
        """Enter on the link it came from goes on (the wizard's Next); a new link is fetched."""
        if self.session.opened is not None and self.url.text().strip() == self.spec:
            return
        self.download()

    def download(self) -> None:
        url = self.url.text().strip()
        if not url:
            self.status.show_result(
                "error", tr("No link was given."), tr("Paste the bundle's https:// download link.")
            )
            return
        self.choose(url)

    def choose(self, spec: str) -> None:
        """Start reading a new source; whatever was loaded before is dropped."""
        if spec.startswith("https://") or "://" in spec:
            self.url.setText(spec)
        self.spec, self.pending_source = spec, None
        self.password.clear()
        self.password_box.hide()
        self._start(source=None, password=None)

    def choose_cloud(self, choice: CloudChoice) -> None:
        """Fetch the chosen Kurrent Cloud cluster's bundle; its UI address goes to Verify."""
        self.spec, self.pending_source = choice.cluster.id, None
        self.password_box.hide()
        services, listing = self.app.services, choice.listing
        fetch = lambda control: services.cloud_download(listing, choice.cluster.id, control)  # noqa: E731
        self._start(source=None, password=None, fetch=fetch, offered_url=choice.cluster.address)

    def retry_with_password(self) -> None:
        if self.pending_source is None or not self.password.text():
            return
        self._start(source=self.pending_source, password=self.password.text())

    def cancel(self) -> None:
        if self.job is not None:
            self.job.control.cancel()
            self._finish_job()
            self.status.show_result(
                "warning",
                tr("The download was cancelled."),
                tr("Start it again when you are ready."),
            )

    # running the job

    def _start(
        self,
        source: SourceData | None,
        password: str | None,
        fetch: Callable[[JobControl], SourceData] | None = None,
        offered_url: str = "",
    ) -> None:
        if self.job is not None:
            self.job.control.cancel()
        self.session.opened = None
        self.status.clear_message()
        self.progress.setRange(0, 0)
        self.progress_box.setVisible(source is None and ("://" in self.spec or fetch is not None))
        spec, context = self.spec, self.session.source_context

        services = self.app.services

        def work(control: JobControl) -> Opened:
            fetched = fetch(control) if fetch is not None else source
            opened = services.open_bundle(
                spec, control, source=fetched, password=password, context=context
            )
            opened.offered_url = offered_url
            return opened

        self.job = job = self.app.jobs.start(
            work,
            lambda opened: self._opened(job, opened),
            lambda error: self._failed(job, error),
        )
        job.signals.progress.connect(self._progress)
        self._set_busy(True)
        self.completeChanged.emit()

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _opened(self, job: Job, opened: Opened) -> None:
        if job is not self.job:
            return  # a cancelled or replaced job
        self._finish_job()
        self.session.opened = opened
        note = ""
        if self.remember.isChecked() and opened.password:
            note = remember_password(opened.source.origin, opened.password)
        self.password_box.hide()
        files = ", ".join(dict.fromkeys(f.rsplit("/", 1)[-1] for f in opened.bundle.files))
        self.status.show_result(
            "ok",
            tr("Opened {name}: {kind}.").format(
                name=chosen_name(opened.source.origin), kind=tr(opened.bundle.system.value)
            ),
            tr("Files used: {files}. {note}").format(files=files, note=note).strip(),
        )
        self.status.setToolTip(opened.source.origin)
        self.completeChanged.emit()

    def _failed(self, job: Job, error: Exception) -> None:
        if job is not self.job:
            return
        self._finish_job()
        if isinstance(error, NeedsPassword):
            self._ask_password(error)
        elif isinstance(error, Cancelled):
            self.status.show_result("warning", error.message, window_fix(error.fix, error.remedies))
        else:
            self.status.show_error(
                "error",
                error,
                tr("The bundle could not be read"),
                tr("Choose another file or link."),
            )
        self.completeChanged.emit()

    def _ask_password(self, error: NeedsPassword) -> None:
        retried = self.pending_source is not None and bool(self.password.text())
        self.pending_source = error.source
        intro = tr("That password does not open it either.") if retried else error.message
        self.password_label.setText(tr("{intro} Enter the bundle's password:").format(intro=intro))
        self.password.selectAll()
        self.password_box.show()
        self.password.setFocus()
        self.status.show_result(
            "warning",
            tr("This bundle needs its password."),
            tr("The Kurrent default 'kurrent' did not open it."),
            focus=False,  # the password field keeps it
        )

    def _finish_job(self) -> None:
        self.job = None
        self.progress_box.hide()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.file_button,
            self.folder_button,
            self.download_button,
            self.open_button,
        ):
            widget.setEnabled(not busy)
