"""Review: what the bundle is, each certificate in plain words, and the findings. Errors block."""

from __future__ import annotations

from clustertrust.core.actions.bundles import CertificateSummary, Finding, Severity, has_errors
from clustertrust.core.i18n import tr
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..widgets import Banner, CertificateCard, CopyField, FindingList, paragraph
from .base import Page


class ReviewPage(Page):
    def __init__(self) -> None:
        super().__init__(
            tr("Review what is in the bundle"),
            tr("Compare the fingerprints with what your cluster's console shows, if you can."),
        )
        self.system = paragraph()
        self.body.addWidget(self.system)
        self.origin = QHBoxLayout()
        self.body.addLayout(self.origin)
        self.origin_field: CopyField | None = None
        self.cards = QWidget()
        self.cards_layout = QVBoxLayout(self.cards)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.cards)
        self.body.addWidget(QLabel(tr("Findings:")))
        self.findings = FindingList()
        self.findings.setMaximumHeight(140)
        self.body.addWidget(self.findings, 1)
        self.verdict = Banner()
        self.body.addWidget(self.verdict)

    def initializePage(self) -> None:
        super().initializePage()
        opened = self.session.opened
        if opened is None:
            return
        bundle = opened.bundle
        self.system.setText(tr("<b>Recognised:</b> {kind}").format(kind=tr(bundle.system.value)))
        if self.origin_field is not None:
            self.origin_field.deleteLater()
        self.origin_field = CopyField(opened.source.origin, tr("Bundle source"), elide=True)
        self.origin.addWidget(self.origin_field)
        self._show_cards(opened.summaries)
        self.findings.show_findings(opened.findings)
        self._show_verdict(opened.findings)
        if opened.renews and self.isComplete():
            self.verdict.show_message(
                "info",
                tr("This bundle renews {cluster}, which is already on this computer.").format(
                    cluster=opened.renews
                ),
                tr(
                    "Its new certificates are installed and checked first; then the old ones are "
                    "removed. If anything fails, the old ones stay as they are."
                ),
            )

    def _show_cards(self, summaries: list[tuple[str, CertificateSummary]]) -> None:
        while self.cards_layout.count():
            item = self.cards_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for title, summary in summaries:
            self.cards_layout.addWidget(CertificateCard(tr(title), summary))
        self.cards_layout.addStretch(1)

    def _show_verdict(self, findings: list[Finding]) -> None:
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if errors:
            self.verdict.show_message(
                "error",
                tr("This bundle cannot be installed: {problem}").format(problem=errors[0].message),
                tr(
                    "Get a corrected bundle from your cluster's console or administrator, then go "
                    "Back and choose it."
                ),
            )
        elif any(f.severity is Severity.WARNING for f in findings):
            self.verdict.show_message("warning", tr("Read the warnings above before you go on."))
        else:
            self.verdict.show_message("ok", tr("The bundle looks right."))

    def isComplete(self) -> bool:
        opened = self.session.opened
        return opened is not None and not has_errors(opened.findings)
