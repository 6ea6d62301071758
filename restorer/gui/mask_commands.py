"""The Mask menu's commands on a window's photo: clear, invert, grow, shrink, import and export a mask file.

Like :class:`restorer.gui.files.PhotoFiles`, it holds no reference to the window:
the window keeps :attr:`MaskCommands.document` current, questions are asked over the
Qt parent, and what the window shows comes back as signals (``status(text,
milliseconds)``, ``failed(title, text)``). Each change is one undo step of the
document's history (:mod:`restorer.editing.mask`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from restorer.editing.document import Document
from restorer.errors import RestorerError
from restorer.gui import dialogs

MASK_FILTER = "PNG mask (*.png);;All files (*)"


class MaskCommands(QObject):
    """Mask commands on :attr:`document` (``None``: nothing open, and every command does nothing).

    ``folder`` answers the folder the file dialogs start in.
    """

    status = Signal(str, int)
    failed = Signal(str, str)

    def __init__(self, settings: QSettings, folder: Callable[[], str], parent: QWidget):
        super().__init__(parent)
        self.settings = settings
        self._folder = folder
        self.document: Document | None = None

    def clear(self) -> None:
        """Unpaint everything."""
        if self.document is not None:
            self.document.mask.clear()

    def invert(self) -> None:
        """Swap painted and unpainted."""
        if self.document is not None:
            self.document.mask.invert()

    def morph_dialog(self, grow: bool) -> None:
        """Grow (``True``) or shrink the mask by a number of pixels the person picks (remembered)."""
        if self.document is None:
            return
        if not self.document.mask.any():
            self.status.emit(f"The mask is empty: nothing to {'grow' if grow else 'shrink'}. Paint it first (B).", 4000)
            return
        key = "grow_pixels" if grow else "shrink_pixels"
        pixels = dialogs.ask_int(self.parent(), "Grow Mask" if grow else "Shrink Mask", "By how many pixels:",
                                 int(self.settings.value(key, 8)), 1, 500)
        if pixels is None:
            return
        self.settings.setValue(key, pixels)
        if grow:
            self.document.mask.grow(pixels)
        else:
            self.document.mask.shrink(pixels)

    def import_dialog(self) -> None:
        """Ask for a mask image and load it (it must be the photo's size)."""
        if self.document is None:
            return
        path = dialogs.ask_open_path(self.parent(), "Import Mask", self._folder(), MASK_FILTER)
        if path:
            self.import_path(path)

    def import_path(self, path: str | Path) -> bool:
        """Replace the mask by a mask file; one undo step. ``False`` (and ``failed``) if it cannot be used."""
        if self.document is None:
            return False
        try:
            self.document.import_mask(path)
        except RestorerError as exc:
            self.failed.emit("Cannot import the mask", str(exc))
            return False
        return True

    def export_dialog(self) -> None:
        """Ask where to save the mask as PNG."""
        if self.document is None:
            return
        stem = self.document.path.stem if self.document.path else Path(self.document.title).stem
        suggestion = str(Path(self._folder()) / f"{stem}_mask.png")
        path, _ = dialogs.ask_save_path(self.parent(), "Export Mask", suggestion, MASK_FILTER)
        if path:
            self.export_path(path)

    def export_path(self, path: str | Path) -> bool:
        """Save the mask as a black-and-white PNG (``.png`` is put on the name)."""
        if self.document is None:
            return False
        target = Path(path).with_suffix(".png")
        try:
            self.document.export_mask(target)
        except RestorerError as exc:
            self.failed.emit("Cannot export the mask", str(exc))
            return False
        self.status.emit(f"Mask saved to {target.name}", 4000)
        return True
