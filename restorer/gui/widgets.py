"""Small widgets the window's parts share."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox,
                               QScrollArea, QScrollBar, QStatusBar, QStyle, QStyleOptionComboBox, QStylePainter,
                               QWidget)


class ElidingComboBox(QComboBox):
    """A combo box that ends its shown text with an ellipsis when it is narrower than the text.

    Qt's own combo box cuts a long entry off mid-letter ("Classical damage fin"), which reads as
    the whole name; the list that opens still shows every entry in full.
    """

    def _option(self) -> QStyleOptionComboBox:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        return option

    def shown_text(self) -> str:
        """The current entry as the closed box shows it at its present width."""
        option = self._option()
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight, field.width())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: D102
        painter = QStylePainter(self)
        option = self._option()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def _enclosing(widget: QWidget, kind: type[QWidget]) -> QWidget | None:
    """The nearest of ``widget``'s ancestors that is a ``kind`` (``None`` if none is)."""
    area = widget.parentWidget()
    while area is not None and not isinstance(area, kind):
        area = area.parentWidget()
    return area


class _WheelGuard(QObject):
    """Sends the wheel over an unfocused value control to the scroll area around it (see :func:`guard_wheel`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: D102
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        area = _enclosing(watched, QAbstractScrollArea)
        if area is not None:
            QApplication.sendEvent(area.verticalScrollBar(), event)
        return True  # the value stays as it is


def guard_wheel(root: QWidget) -> None:
    """Let the mouse wheel scroll a panel instead of changing the spin box, slider or list it passes over.

    In a scrolling panel Qt turns the wheel over such a control into a new value: scrolling down
    the Train tab changed its crop size from 128 to 272 px on the way. After this, each
    value control under ``root`` (now) takes the wheel only once clicked or tabbed to, and until
    then the wheel scrolls the panel around it.
    """
    guard = root.findChild(_WheelGuard) or _WheelGuard(root)
    for kind in (QAbstractSpinBox, QAbstractSlider, QComboBox):
        for control in root.findChildren(kind):
            if isinstance(control, QScrollBar):
                continue  # the wheel is what it is for
            control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a click or Tab gives it the wheel
            control.installEventFilter(guard)


def reveal(widget: QWidget) -> None:
    """Scroll the scroll area around ``widget``, if there is one, until ``widget`` is in view."""
    area = _enclosing(widget, QScrollArea)
    if area is not None:
        area.ensureWidgetVisible(widget)


class ElidingStatusBar(QStatusBar):
    """A status bar whose messages end with "…" where they would run under its permanent labels.

    Qt's cuts a long message off mid-word in a narrow window; the whole message is then the tooltip.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""  # the message as given

    def _room(self) -> int:
        labels = [child for child in self.findChildren(QWidget) if child.parentWidget() is self and child.isVisible()]
        permanent = sum(label.width() + 8 for label in labels)
        return max(20, self.width() - permanent - 16)

    def shown_message(self) -> str:
        """The message as it fits now."""
        return self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self._room())

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802, D102 - Qt's name
        self._full = text
        self._show(self.shown_message(), timeout)

    def resizeEvent(self, event) -> None:  # noqa: N802, D102
        super().resizeEvent(event)
        if self.currentMessage() and self._full:
            shown = self.shown_message()
            if shown != self.currentMessage():
                self._show(shown)  # the rest of its time is not known here: it stays until replaced

    def _show(self, shown: str, timeout: int = 0) -> None:
        """Show ``shown`` (the message, elided or whole), with the whole message as tooltip where it is cut."""
        self.setToolTip(self._full if shown != self._full else "")
        super().showMessage(shown, timeout)
