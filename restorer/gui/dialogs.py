"""The questions the window asks: module functions, so tests can replace them (a modal
dialog would hang an offscreen test)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


def ask_open_path(parent: QWidget, title: str, folder: str, filters: str) -> str:
    """A file to open, or ``""``."""
    return QFileDialog.getOpenFileName(parent, title, folder, filters)[0]


def ask_save_path(parent: QWidget, title: str, suggestion: str, filters: str) -> tuple[str, str]:
    """A file to save to and the filter picked, or ``("", "")``."""
    return QFileDialog.getSaveFileName(parent, title, suggestion, filters)


def ask_int(parent: QWidget, title: str, label: str, value: int, low: int, high: int) -> int | None:
    """A whole number, or ``None`` when cancelled."""
    number, ok = QInputDialog.getInt(parent, title, label, value, low, high)
    return number if ok else None


def ask_overwrite_original(parent: QWidget, name: str) -> str:
    """``"overwrite"``, ``"save_as"`` or ``"cancel"``: what to do on the first Ctrl+S of an opened photo."""
    box = QMessageBox(QMessageBox.Icon.Question, "Save over the original?",
                      f"Save over the original file {name}?\nThe original will be replaced.", parent=parent)
    overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
    save_as = box.addButton("Save As…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save_as)
    box.exec()
    clicked = box.clickedButton()
    return "overwrite" if clicked is overwrite else "save_as" if clicked is save_as else "cancel"
