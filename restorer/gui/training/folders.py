"""The training panel's photo folder field (how many a model trains on, it declares: :mod:`restorer.trainable`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from restorer.gui import dialogs


class FolderField(QWidget):
    """A folder path with a Browse… button."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("a folder of your photos")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)

    def path(self) -> str:
        """The folder as typed (stripped)."""
        return self.edit.text().strip()

    def set_path(self, path: str) -> None:
        """Show ``path``."""
        self.edit.setText(path)

    def _browse(self) -> None:
        chosen = dialogs.ask_folder(self, self.title, self.path() or str(Path.home()))
        if chosen:
            self.edit.setText(chosen)
