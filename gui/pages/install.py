"""Install: run the plan off the GUI thread; on failure, say what was undone."""

from __future__ import annotations

from clustertrust.core.errors import Cancelled
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.model import Scope
from clustertrust.gui.advice import window_fix
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWizard

from ..services import Planned
from ..widgets import Banner, StepList
from ..workers import Job
from .base import Page

_MARK = {  # plan.StepStatus value -> (StepList state, note)
    "running": ("running", ""),
    "done": ("done", ""),
    "failed": ("failed", translatable("failed")),
    "undoing": ("running", translatable("undoing")),
    "undone": ("undone", translatable("undone")),
    "undo_failed": ("failed", translatable("could not be undone")),
}


class InstallPage(Page):
    def __init__(self) -> None:
        super().__init__(tr("Installing"), tr("Each step is checked as it finishes."))
        self.setCommitPage(True)  # no going back to a plan that has been carried out
        self.setButtonText(QWizard.WizardButton.CommitButton, tr("&Next"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(tr("Installation progress"))
        self.body.addWidget(self.progress)
        self.steps = StepList()
        self.body.addWidget(self.steps, 1)
        self.outcome = Banner()
        self.body.addWidget(self.outcome)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton(tr("&Cancel installation"))
        self.cancel_button.setAccessibleName(tr("Cancel the installation; done steps are undone"))
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button = QPushButton(tr("&Try again"))
        self.retry_button.setAccessibleName(tr("Try the installation again"))
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        row.addWidget(self.cancel_button)
        row.addWidget(self.retry_button)
        self.body.addLayout(row)
        self.job: Job | None = None
        self.finished_ok = False

    def initializePage(self) -> None:
        super().initializePage()
        if self.session.plan is not None and self.job is None and not self.finished_ok:
            self.start(self.session.plan)

    def start(self, planned: Planned) -> None:
        self.finished_ok = False
        self.session.installed = None
        self.steps.set_steps([step.summary for step in planned.plan.steps])
        self.progress.setRange(0, max(1, len(planned.plan.steps)))
        self.progress.setValue(0)
        self.outcome.show_message("info", tr("Installing… you can cancel between steps."))
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.retry_button.hide()
        services = self.app.services
        self.job = job = self.app.jobs.start(
            lambda control: services.apply(planned, control),
            lambda _: self._done(job),
            lambda error: self._failed(job, error),
        )
        job.signals.step.connect(self._step)
        self.completeChanged.emit()

    def _step(self, update: tuple[int, str]) -> None:
        index, status = update
        state, note = _MARK.get(status, ("running", status))
        note = tr(note) if note else note
        if self.steps.states[index] == "failed" and state in ("running", "undone"):
            state, note = "failed", tr("failed; its partial change was cleaned up")
        self.steps.mark(index, state, note)
        self.progress.setValue(self.steps.states.count("done"))

    def cancel(self) -> None:
        if self.job is not None:
            self.job.control.cancel()
            self.cancel_button.setEnabled(False)
            self.outcome.show_message("warning", tr("Cancelling after the current step…"))

    def retry(self) -> None:
        opened = self.session.opened
        if opened is None or self.session.plan is None:
            return
        self.outcome.show_message("info", tr("Planning again…"))
        services, bundle, scope = self.app.services, opened.bundle, self.session.plan.plan.scope
        renewing = self.session.plan.renewal
        url = renewing.verify_url or "" if renewing else ""
        self.retry_button.hide()
        self.app.jobs.start(
            lambda control: services.plan_install(bundle, Scope(scope), url),
            self._replanned,
            lambda error: self._failed(None, error),
        )

    def _replanned(self, planned: Planned) -> None:
        self.session.plan = planned
        self.start(planned)

    def _done(self, job: Job) -> None:
        if job is not self.job:
            return
        self.job, self.finished_ok = None, True
        self.session.installed = self.session.plan
        self.progress.setValue(self.progress.maximum())
        self.cancel_button.hide()
        count = len(self.steps.texts)
        message = (
            tr("Installed: {count} change(s) made.").format(count=count)
            if count
            else tr("Nothing needed changing.")
        )
        self.outcome.show_result("ok", message, tr("Click Next to prove the connection works."))
        self.completeChanged.emit()

    def _failed(self, job: Job | None, error: Exception) -> None:
        if job is not self.job:
            return
        self.job = None
        self.cancel_button.hide()
        self.retry_button.show()
        if isinstance(error, Cancelled):
            self.outcome.show_result(
                "warning", error.message or tr("Cancelled."), window_fix(error.fix, error.remedies)
            )
        else:
            self.outcome.show_error(
                "error",
                error,
                tr("The installation stopped"),
                tr("Save a support report from the manage window."),
            )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.finished_ok
