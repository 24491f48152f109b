"""Plan: what will change on this computer, the scope, and the prompts to expect."""

from __future__ import annotations

from clustertrust.core.actions import consumer_name
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.model import Scope, Step
from clustertrust.platform.elevation import SystemScope, system_scope_from_window
from clustertrust.platform.nss import RESTART
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWizard,
)

from ..services import Planned
from ..widgets import Banner, paragraph, status_item
from ..workers import Job
from .base import Page

SHOW_COMMANDS = translatable("Show the exact &commands")
HIDE_COMMANDS = translatable("Hide the exact &commands")
SKIPPED_NAMES = {
    "Browser certificate databases (NSS)": translatable("Browsers (Firefox, Chromium)")
}


def step_words(step: Step) -> str:
    """A removal (the old items of a renewal) by where it is, in words; an install as planned."""
    if step.action != "remove":
        return step.summary
    record = step.record
    where = consumer_name(record.store, record.location)
    return tr("Then remove the old {subject} from {where}").format(
        subject=repr(record.subject), where=where
    )


def _renewal_words(planned: Planned) -> tuple[str, str]:
    assert planned.renewal is not None
    return planned.renewal.headline(), planned.renewal.check_first()


class PlanPage(Page):
    def __init__(self) -> None:
        super().__init__(
            tr("Here is what will change"),
            tr(
                "Nothing has changed yet. Click Install to make these changes; any failure undoes "
                "the steps before it."
            ),
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, tr("&Install"))
        self.body.addLayout(self._scope_row())
        self.steps = QListWidget()
        self.steps.setAccessibleName(tr("Planned changes"))
        self.steps.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setObjectName("Mono")
        self.details.setReadOnly(True)
        self.details.setAccessibleName(tr("The exact commands"))
        # The commands take the list's place: nothing below moves when they are shown.
        self.views = QStackedWidget()
        self.views.addWidget(self.steps)
        self.views.addWidget(self.details)
        self.body.addWidget(self.views, 1)
        self.details_button = QPushButton(tr(SHOW_COMMANDS))
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName(tr("Show the exact commands"))
        # Tab reaches it; a click does not take the focus, so Enter stays Install.
        self.details_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.details_button.toggled.connect(self.show_commands)
        details_row = QHBoxLayout()
        details_row.addWidget(self.details_button)
        details_row.addStretch(1)
        self.body.addLayout(details_row)
        self.prompts = paragraph()
        self.body.addWidget(self.prompts)
        self.status = Banner()
        self.body.addWidget(self.status)
        self.job: Job | None = None

    def show_commands(self, shown: bool) -> None:
        self.views.setCurrentWidget(self.details if shown else self.steps)
        self.details_button.setText(tr(HIDE_COMMANDS if shown else SHOW_COMMANDS))
        self.details_button.setAccessibleName(self.details_button.text().replace("&", ""))

    def _scope_row(self) -> QHBoxLayout:
        """Each choice with one line saying what it covers (filled in when the page opens)."""
        row = QHBoxLayout()
        self.user_scope = QRadioButton(tr("Only &me"))
        self.system_scope = QRadioButton(tr("&Everyone on this computer"))
        self.user_scope.setAccessibleName(tr("Install for my user account only"))
        self.system_scope.setAccessibleName(tr("Install for everyone on this computer"))
        self.user_line, self.system_line = paragraph(), paragraph()
        self.scopes = QButtonGroup(self)
        for button, line in (
            (self.user_scope, self.user_line),
            (self.system_scope, self.system_line),
        ):
            self.scopes.addButton(button)
            column = QVBoxLayout()
            column.addWidget(button)
            column.addWidget(line)
            row.addLayout(column, 1)
        self.scopes.buttonToggled.connect(self._scope_toggled)
        return row

    def _scope_toggled(self, button: QRadioButton, on: bool) -> None:
        if on:
            self.make_plan()

    def initializePage(self) -> None:
        super().initializePage()
        lines = {scope: tr(line) for scope, line in self.app.services.scope_lines().items()}
        self.user_line.setText(lines[Scope.USER])
        self.system_line.setText(lines[Scope.SYSTEM])
        system = self._system_scope()
        if not system.possible:  # said before anyone chooses, not after a failure
            self.system_line.setText(tr(system.why_not))
        self.system_scope.setEnabled(system.possible)
        self.user_scope.setAccessibleDescription(lines[Scope.USER])
        self.system_scope.setAccessibleDescription(self.system_line.text())
        scope = (
            Scope(self.session.scope) if self.session.scope else self.app.services.default_scope()
        )
        if not system.possible:
            scope = Scope.USER
        button = self.user_scope if scope is Scope.USER else self.system_scope
        self.session.plan = None
        if button.isChecked():
            self.make_plan()
        else:
            button.setChecked(True)  # makes the plan through the toggle

    def scope(self) -> Scope:
        return Scope.USER if self.user_scope.isChecked() else Scope.SYSTEM

    def _system_scope(self) -> SystemScope:
        """The demo's sandbox can always do it; this computer as platform says."""
        if self.app.services.is_sandbox:
            return SystemScope(True)
        return system_scope_from_window()

    def make_plan(self) -> None:
        opened = self.session.opened
        if opened is None:
            return
        scope = self.scope()
        self.session.scope, self.session.plan = scope.value, None
        self.steps.clear()
        self.status.show_message("info", tr("Working out the plan…"))
        # a renewal is checked at the address offered; without one, at the one remembered for it
        services, bundle, url = self.app.services, opened.bundle, self.session.offered_url()
        self.job = job = self.app.jobs.start(
            lambda control: services.plan_install(bundle, scope, url),
            lambda planned: self._planned(job, planned),
            lambda error: self._failed(job, error),
        )
        self.completeChanged.emit()

    def _planned(self, job: Job, planned: Planned) -> None:
        if job is not self.job:
            return
        self.job = None
        self.session.plan = planned
        self._show(planned)
        self.completeChanged.emit()

    def _show(self, planned: Planned) -> None:
        plan = planned.plan
        self.steps.clear()
        for step in plan.steps:
            text = step_words(step) + (
                tr("  (asks for authorization)") if step.needs_authorization else ""
            )
            kind = "warning" if step.needs_authorization else "info"
            self.steps.addItem(status_item(kind, text))
        for record in plan.unchanged:
            where = consumer_name(record.store, record.location)
            text = tr("Already in place: {subject} in {where}").format(
                subject=record.subject, where=where
            )
            self.steps.addItem(status_item("ok", text))
        for title, why in plan.unavailable:
            name = tr(SKIPPED_NAMES[title]) if title in SKIPPED_NAMES else title
            skipped = tr("Skipped {name}: {why}").format(name=name, why=why)
            self.steps.addItem(status_item("warning", skipped))
        self.prompts.setText(self._prompt_text(planned))
        text = planned.renewal.text() if planned.renewal else plan.text()
        if self.app.services.is_sandbox:
            restart = tr("Note: {note}").format(note=tr(RESTART))
            text = "\n".join(line for line in text.splitlines() if line != restart)
        self.details.setPlainText(text)
        if planned.renewal is not None:
            self.status.show_message("info", *_renewal_words(planned))
        elif plan.is_empty:
            self.status.show_message("ok", tr("Everything is already in place; nothing to change."))
        else:
            self.status.clear_message()

    def _prompt_text(self, planned: Planned) -> str:
        asks = sum(1 for s in planned.plan.steps if s.needs_authorization)
        notes = " ".join(tr(n) for n in planned.plan.notes)
        if self.app.services.is_sandbox:  # no real browser is touched: nothing to restart
            kept = " ".join(tr(n) for n in planned.plan.notes if n != RESTART)
            return tr(
                "<b>Demo sandbox:</b> no system prompt will appear, and no browser changes. {notes}"
            ).format(notes=kept)
        if asks:
            return tr(
                "<b>Expect {count} prompt(s) from your operating system</b> for the steps "
                "marked 'asks for authorization'. {notes}"
            ).format(count=asks, notes=notes)
        return tr("<b>No password prompt is needed.</b> {notes}").format(notes=notes)

    def _failed(self, job: Job, error: Exception) -> None:
        if job is not self.job:
            return
        self.job = None
        self.status.show_error(
            "error",
            error,
            tr("The plan could not be made"),
            tr("Try the other scope."),
        )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.session.plan is not None and self.job is None
