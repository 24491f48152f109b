"""What a keyboard or screen-reader user meets in a window, read in-process: the focus, the names
assistive technology reads, mnemonics, the minimum size and the text contrast. Each check returns
the problems it found in words (empty when none), so a failing test says what and where."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from clustertrust.gui.theme import MIN_CONTRAST, contrast
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QGroupBox,
    QLabel,
    QListWidget,
    QWidget,
    QWizard,
)

SMALL_SCREEN = (960, 540)  # 1920x1080 at 200 %


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader announces (a button's text, a label's, or the name set)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def describe(widget: QWidget) -> str:
    name = accessible_name(widget) or widget.objectName() or "(no name)"
    return f"{type(widget).__name__} {name!r}"


def tab_focusable(widget: QWidget) -> bool:
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.focusProxy() is None
    )


def focus_chain(window: QWidget) -> list[QWidget]:
    """The widgets Tab visits, in order, from the window's first one."""
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    while widget is not window and widget not in chain:
        if tab_focusable(widget) and window.isAncestorOf(widget):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def unnamed_focusable(window: QWidget) -> list[str]:
    return [
        f"{describe(w)} takes the focus without a name"
        for w in focus_chain(window)
        if not accessible_name(w)
    ]


def focus_problem(window: QWidget) -> str:
    """ "" when the focus is on a visible, named widget of this window."""
    focused = window.focusWidget()
    if focused is None:
        return f"nothing in {window.windowTitle()!r} has the focus"
    if not focused.isVisible():
        return f"the focus is on a hidden widget, {describe(focused)}"
    if not accessible_name(focused):
        return f"the focus is on an unnamed widget, {describe(focused)}"
    return ""


def _top(widget: QWidget, window: QWidget) -> tuple[int, int, int]:
    corner = widget.mapTo(window, widget.rect().topLeft())
    return corner.y(), corner.y() + widget.height(), corner.x()


def tab_order_problems(window: QWidget) -> list[str]:
    """Tab goes down the window, and left to right within a row (widgets beside each other);
    the chain is a ring, read from its top-left widget."""
    problems = []
    chain = focus_chain(window)
    if chain:
        first = min(range(len(chain)), key=lambda i: _top(chain[i], window)[::2])
        chain = chain[first:] + chain[:first]
    for before, after in itertools.pairwise(chain):
        top, bottom, left = _top(before, window)
        next_top, next_bottom, next_left = _top(after, window)
        same_row = next_top < bottom and top < next_bottom
        if (same_row and next_left < left) or (not same_row and next_top < top):
            problems.append(
                f"Tab goes from {describe(before)} back up to {describe(after)} in "
                + " > ".join(describe(w) for w in chain)
            )
    return problems


MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str:
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else ""


def _mnemonic_owners(window: QWidget) -> list[tuple[str, str]]:
    """Every widget of the window's content (the wizard's current page), shown or not, since a
    hidden one may show later; elsewhere (the wizard's own buttons) the shown ones."""
    content = window.currentPage() if isinstance(window, QWizard) else window
    widgets = [
        w
        for w in window.findChildren(QWidget)
        if w.window() is window and (w.isVisible() or content.isAncestorOf(w))
    ]
    owners = []
    for widget in widgets:
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            owners.append((mnemonic(widget.text()), describe(widget)))
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            owners.append((mnemonic(widget.title()), describe(widget)))
    return [(key, who) for key, who in owners if key]


def duplicate_mnemonics(window: QWidget) -> list[str]:
    """Alt+letter must mean one thing in a window."""
    owners = _mnemonic_owners(window)
    counts = Counter(key for key, _ in owners)
    return [
        f"Alt+{key.upper()} is shared by " + ", ".join(who for k, who in owners if k == key)
        for key, count in counts.items()
        if count > 1
    ]


def too_big(window: QWidget) -> str:
    width, height = SMALL_SCREEN
    wanted = window.minimumSize().expandedTo(window.minimumSizeHint())
    if wanted.width() > width or wanted.height() > height:
        return f"{window.windowTitle()!r} needs {wanted.width()}x{wanted.height()}"
    return ""


COLOUR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})")


def _group(widget: QWidget) -> QPalette.ColorGroup:
    return QPalette.ColorGroup.Active if widget.isEnabled() else QPalette.ColorGroup.Disabled


BASE_FILLED = ("ClusterCard", "DropArea")  # style.qss paints these with palette(base)


def _background(widget: QWidget) -> QColor:
    """The colour behind a widget: the first of it and its parents that paints its own."""
    group, here = _group(widget), widget
    while here is not None:
        if here.objectName() in BASE_FILLED or isinstance(here, QAbstractItemView):
            return here.palette().color(group, QPalette.ColorRole.Base)
        if here.autoFillBackground() or here.isWindow():
            return here.palette().color(group, here.backgroundRole())
        here = here.parentWidget()
    return widget.palette().color(group, QPalette.ColorRole.Window)


def _label_colours(label: QLabel) -> list[QColor]:
    """Its palette's text colour (unless every run is coloured) and each colour in its text."""
    declared = [QColor(c) for c in COLOUR.findall(label.styleSheet() + label.text())]
    palette_text = label.palette().color(_group(label), label.foregroundRole())
    return [*declared, palette_text] if "color:" not in label.styleSheet() else declared


def _item_colours(view: QListWidget) -> list[tuple[str, QColor]]:
    found = []
    default = view.palette().color(_group(view), QPalette.ColorRole.Text)
    for row in range(view.count()):
        item = view.item(row)
        brush = item.foreground()
        colour = brush.color() if brush.style() != Qt.BrushStyle.NoBrush else default
        found.append((item.text(), colour))
    return found


def stale_palette(window: QWidget) -> list[str]:
    """Widgets still drawn with another palette than the application's (after a switch to dark,
    say); the roles compared are ones no style sheet of ours sets."""
    roles = (QPalette.ColorRole.Base, QPalette.ColorRole.Highlight)

    def colours(palette: QPalette) -> list[QColor]:
        return [palette.color(QPalette.ColorGroup.Active, role) for role in roles]

    wanted = colours(QApplication.palette())
    return [
        f"{describe(widget)} keeps an old palette"
        for widget in [window, *window.findChildren(QWidget)]
        if widget.isVisible() and colours(widget.palette()) != wanted
    ]


def contrast_problems(window: QWidget) -> list[str]:
    problems = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text().strip():
            continue
        behind = _background(label)
        for colour in _label_colours(label):
            ratio = contrast(colour, behind)
            if ratio < MIN_CONTRAST:
                problems.append(
                    f"{label.text()[:60]!r}: {colour.name()} on {behind.name()} is {ratio:.2f}:1"
                )
    for view in window.findChildren(QListWidget):
        if not view.isVisible():
            continue
        behind = view.palette().color(_group(view), QPalette.ColorRole.Base)
        for text, colour in _item_colours(view):
            ratio = contrast(colour, behind)
            if ratio < MIN_CONTRAST:
                problems.append(
                    f"{text[:60]!r}: {colour.name()} on {behind.name()} is {ratio:.2f}:1"
                )
    return problems
