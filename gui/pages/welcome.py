"""Welcome: what will happen, where it works, and which system prompt to expect."""

from __future__ import annotations

import html
import sys
from typing import Any

from clustertrust.core.i18n import tr, translatable
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ..widgets import paragraph
from .base import Page

BUNDLE_PAGE_ID = 1  # wizard.BUNDLE; the wizard module imports this one

STEPS = translatable(
    "<ol>"
    "<li><b>Choose the bundle</b> your cluster's console gave you (a file, a folder or a "
    "download link). You will see exactly what is in it.</li>"
    "<li><b>Review the plan</b>: which certificate stores will change on this computer. "
    "Nothing changes before you click <i>Install</i>, and a failure undoes every step.</li>"
    "<li><b>Verify</b>: ClusterTrust connects to the cluster UI with your client certificate "
    "and tells you precisely whether it works, and what to do if it does not.</li>"
    "</ol>"
)
SUPPORTED = translatable(
    "Works on Windows 10 and 11 (Current User store), macOS 12 and later (login keychain) and "
    "Linux (the system CA store of Debian, Ubuntu, Fedora, RHEL, openSUSE and Arch families, plus "
    "the Firefox and Chrome/Chromium certificate databases)."
)


def os_prompt_text(platform: str = sys.platform) -> str:
    if platform.startswith("win"):
        return tr(
            "Windows will ask you to confirm adding the cluster's certificate authority to "
            "your trusted roots: check the fingerprint it shows against the next pages."
        )
    if platform == "darwin":
        return tr(
            "macOS will ask for your password (or Touch ID) to let the login keychain trust "
            "the cluster's certificate authority."
        )
    return tr(
        "For the system-wide store, Linux asks for an administrator password through its "
        "own dialog (pkexec). Browser databases in your home folder need no password."
    )


class WelcomePage(Page):
    def __init__(self) -> None:
        super().__init__(
            tr("Welcome to ClusterTrust"),
            tr(
                "Trust your cluster's private certificate authority and client certificate on this "
                "computer, then prove the connection works."
            ),
        )
        self.body.addWidget(paragraph(tr(STEPS)))
        self.body.addWidget(paragraph(tr(SUPPORTED)))
        self.prompt = paragraph(
            tr("<b>What you will be asked:</b> {prompt}").format(prompt=os_prompt_text())
        )
        self.body.addWidget(self.prompt)
        self.installed = paragraph()
        self.installed.setAccessibleName(tr("Clusters already on this computer"))
        self.installed.hide()
        self.body.addWidget(self.installed)
        self.body.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.manage_button = QPushButton(tr("&Clusters on this computer…"))
        self.manage_button.setAccessibleName(tr("Clusters on this computer"))
        self.manage_button.setToolTip(
            tr("Open, verify, renew, repair or remove installed clusters")
        )
        self.manage_button.clicked.connect(lambda: self.app.open_manage())
        row.addWidget(self.manage_button)
        self.body.addLayout(row)

        self._painted = False
        self.content.installEventFilter(self)
        self.clusters: list[Any] = []

    def initializePage(self) -> None:
        super().initializePage()
        if self.session.demo is not None:
            self.prompt.setText(
                tr(
                    "<b>What you will be asked:</b> nothing. The demo installs into "
                    "a sandbox folder, so no system prompt appears."
                )
            )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.content and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True  # the rest of the wizard loads once this page is on screen
            QTimer.singleShot(0, self._load_rest)
        return False

    def _load_rest(self) -> None:
        self.app.ensure_pages()
        services = self.app.services
        self.app.jobs.start(lambda control: services.clusters(), self.show_clusters, lambda _: None)

    def show_clusters(self, clusters: list[Any]) -> None:
        """Each installed cluster with its state, so a returning user sees it first."""
        from ..cluster_card import cluster_state
        from ..theme import status_colour

        self.clusters = clusters
        lines = []
        for cluster in clusters:
            kind, words = cluster_state(cluster)
            dot = f"<span style='color:{status_colour(kind).name()}'>●</span>"
            lines.append(f"{dot} <b>{html.escape(cluster.name)}</b> — {words}")
        self.installed.setText(tr("<b>Already on this computer:</b><br>") + "<br>".join(lines))
        self.installed.setVisible(bool(clusters))

    def first_control(self) -> QWidget | None:
        return self.app.forward_button()  # Next: what a newcomer does here

    def retint(self) -> None:
        if self.clusters:
            self.show_clusters(self.clusters)

    def nextId(self) -> int:
        return BUNDLE_PAGE_ID  # known before the later pages exist, so Next shows at once

    def validatePage(self) -> bool:
        self.app.ensure_pages()  # normally done already, just after the first paint
        return True
