"""One cluster at a glance, as the clusters window shows it: its name and state, UI address, the
CA's and the client's expiry (amber from core's warning threshold), each consumer, and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clustertrust.core import actions as groups
from clustertrust.core.i18n import tr, translatable
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
)

from .theme import tint
from .widgets import ElidedLabel

if TYPE_CHECKING:
    from .manage import ManageWindow


def expiry_text(label: str, cert: groups.Certificate | None) -> tuple[str, str]:
    """("CA: expires 2027-03-01, 85 days left", status kind: "" or warning or error)."""
    kind, text = groups.expiry(label, cert)
    return text, kind


cluster_state = groups.cluster_state


class ClusterCard(QFrame):
    """One cluster at a glance, with its actions."""

    def __init__(self, cluster: groups.Cluster, window: ManageWindow) -> None:
        super().__init__()
        self.cluster = cluster
        self.setObjectName("ClusterCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(tr("Cluster {name}").format(name=cluster.name))
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        title = QLabel(cluster.name)
        title.setObjectName("CardTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        head.addWidget(title)
        kind, words = cluster_state(cluster)
        self.state = tint(QLabel(f"— {words}"), kind)
        head.addWidget(self.state)
        head.addStretch(1)
        layout.addLayout(head)
        self.address = ElidedLabel(cluster.ui_url or tr("No cluster UI address yet"))
        self.address.setToolTip(cluster.ui_url)
        address = cluster.ui_url or tr("none yet")
        self.address.setAccessibleName(tr("Cluster UI address: {url}").format(url=address))
        layout.addWidget(self.address)
        self.expiry: dict[str, QLabel] = {}
        row = QHBoxLayout()
        row.setSpacing(28)
        for label, cert in (
            (translatable("CA"), cluster.ca),
            (translatable("Client certificate"), cluster.client),
        ):
            text, kind = expiry_text(label, cert)
            self.expiry[label] = tint(QLabel(text), kind)
            row.addWidget(self.expiry[label])
        row.addStretch(1)
        layout.addLayout(row)
        layout.addLayout(self._consumers(cluster))
        layout.addLayout(self._actions(window))

    def _consumers(self, cluster: groups.Cluster) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.consumers: dict[str, QLabel] = {}
        for index, consumer in enumerate(cluster.consumers):
            label = QLabel(groups.consumer_line(consumer))
            label.setTextFormat(Qt.TextFormat.PlainText)  # a profile's folder name: any text
            label.setToolTip(consumer.location)
            self.consumers[consumer.name] = tint(label, groups.consumer_kind(consumer))
            grid.addWidget(label, index // 2, index % 2)
        return grid

    def _actions(self, window: ManageWindow) -> QHBoxLayout:
        row = QHBoxLayout()
        cluster = self.cluster
        self.open_button = action_button(
            tr("&Open the cluster UI"), lambda: window.open_ui(cluster)
        )
        self.verify_button = action_button(tr("&Verify"), lambda: window.verify(cluster))
        self.renew_button = action_button(tr("Re&new…"), None)
        menu = QMenu(self.renew_button)
        menu.addAction(tr("From a &file…"), lambda: window.renew_from_file(cluster))
        menu.addAction(tr("From a &link…"), lambda: window.renew_from_link(cluster))
        if window.services.cloud_available():
            menu.addAction(tr("From &Kurrent Cloud…"), lambda: window.renew_from_cloud(cluster))
        self.renew_button.setMenu(menu)
        self.repair_button = action_button(tr("Re&pair"), window.repair)
        self.repair_button.setToolTip(
            tr("Put back what went missing and set up browser profiles added since the install")
        )
        self.remove_older_button = action_button(
            tr("Remove o&lder certificates…"), lambda: window.remove_older(cluster)
        )
        self.remove_older_button.setToolTip(
            tr("Remove what a renewal left behind; the current certificates stay")
        )
        self.remove_older_button.setVisible(bool(cluster.older))
        self.remove_button = action_button(tr("&Remove…"), lambda: window.remove(cluster))
        for button in (self.open_button, self.verify_button, self.renew_button):
            row.addWidget(button)
        row.addWidget(self.repair_button)
        row.addStretch(1)
        row.addWidget(self.remove_older_button)
        row.addWidget(self.remove_button)
        self.repair_button.setEnabled(bool(groups.repair_needed([cluster])[0]))
        return row

    def set_mnemonics(self, on: bool) -> None:
        """Only one card at a time answers Alt+O, Alt+V… (the one holding the focus)."""
        for button in (
            self.open_button,
            self.verify_button,
            self.renew_button,
            self.repair_button,
            self.remove_older_button,
            self.remove_button,
        ):
            text = button.property("mnemonic_text")
            button.setText(text if on else text.replace("&", ""))


def action_button(text: str, slot: Callable[[], None] | None) -> QPushButton:
    button = QPushButton(text)
    button.setProperty("mnemonic_text", text)
    button.setAutoDefault(False)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    if slot is not None:
        button.clicked.connect(slot)
    return button
