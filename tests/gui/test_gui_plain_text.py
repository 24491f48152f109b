"""A certificate's names are the issuer's choice: shown as text, never as HTML (a name like
`<img src=…>` or `<b>` would otherwise be rendered)."""

from __future__ import annotations

from clustertrust.core.bundle.summary import summarize
from clustertrust.gui.widgets import CertificateCard
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from support import pki

HTML_NAME = "<b>evil</b><br>&#10003; trusted by your company"


def test_a_certificate_cards_names_are_plain_text(qtbot: QtBot) -> None:
    ca = pki.make_ca(HTML_NAME)
    card = CertificateCard("CA", summarize(pki.make_leaf(ca, HTML_NAME).cert))
    qtbot.addWidget(card)
    for label in (card.subject, card.issuer):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.text() == HTML_NAME
