"""The questions the window and its panels ask: module functions, so tests can replace them (a modal
dialog would hang an offscreen test)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


def ask_open_path(parent: QWidget, title: str, folder: str, filters: str) -> str:
    """A file to open, or ``""``."""
    return QFileDialog.getOpenFileName(parent, title, folder, filters)[0]


def ask_save_path(parent: QWidget, title: str, suggestion: str, filters: str) -> tuple[str, str]:
    """A file to save to and the filter picked, or ``("", "")``."""
    return QFileDialog.getSaveFileName(parent, title, suggestion, filters)


def ask_folder(parent: QWidget, title: str, start: str) -> str:
    """A folder, or ``""``."""
    return QFileDialog.getExistingDirectory(parent, title, start)


def ask_int(parent: QWidget, title: str, label: str, value: int, low: int, high: int) -> int | None:
    """A whole number, or ``None`` when cancelled."""
    number, ok = QInputDialog.getInt(parent, title, label, value, low, high)
    return number if ok else None


def ask_text(parent: QWidget, title: str, label: str, text: str) -> str | None:
    """A line of text, or ``None`` when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def ask_yes(parent: QWidget, title: str, text: str) -> bool:
    """Whether the person answered yes."""
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


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
