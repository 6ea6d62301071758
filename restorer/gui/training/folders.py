"""The training panel's photo folders: how many a model trains on, and the folder field."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from restorer.gui import dialogs
from restorer.gui.training.worker import import_torch_fully
from restorer.models import Model
from restorer.training.run import TrainOptions


def declared_folder_count(model: Model) -> int | None:
    """How many photo folders ``model`` trains on, when it says so without building a trainer.

    Read from the model (``folders``) or its trainer class (``trainer_class.folders``);
    ``None`` when neither says (then :func:`probe_folder_count` asks a trainer).
    """
    for source in (model, getattr(model, "trainer_class", None)):
        count = getattr(source, "folders", None)
        if isinstance(count, int) and count in (1, 2):
            return count
    return None


#: Folder counts learnt by :func:`probe_folder_count`, shared by every window's panel.
_probed_counts: dict[tuple[type, str], int] = {}


def known_folder_count(model: Model) -> int | None:
    """The folder count ``model`` declares, or one a probe already learnt; ``None`` if neither is known yet."""
    declared = declared_folder_count(model)
    return declared if declared is not None else _probed_counts.get((type(model), model.name))


def remember_folder_count(model: Model, count: int) -> None:
    """Keep what :func:`probe_folder_count` found for ``model``."""
    _probed_counts[(type(model), model.name)] = count


def probe_folder_count(model: Model) -> int:
    """The ``folders`` attribute of a trainer built for ``model`` from scratch (slow: builds networks)."""
    import_torch_fully()
    import torch

    with torch.random.fork_rng():  # building networks draws random weights; leave the caller's stream alone
        trainer = model.make_trainer(TrainOptions(steps=1, base=None), "cpu")
    count = getattr(trainer, "folders", 1)
    return count if count in (1, 2) else 1


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
