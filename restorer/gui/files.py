"""Saving a window's photo (Save, Save As, the unsaved-changes question) and the recent files."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QWidget

from restorer.editing.document import Document
from restorer.errors import RestorerError
from restorer.gui import dialogs
from restorer.images import PHOTO_SUFFIXES, SAVE_FORMATS
from restorer.resources import RESOURCES

MAX_RECENT = 10
SAVE_FILTERS = {"PNG (*.png)": ".png", "JPEG (*.jpg *.jpeg)": ".jpg", "WebP (*.webp)": ".webp",
                "TIFF (*.tif *.tiff)": ".tif"}


@contextmanager
def wait_cursor() -> Iterator[None]:
    """Show the busy cursor while a photo is read or written (a 24-megapixel JPEG takes seconds)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class PhotoFiles(QObject):
    """Where :attr:`document` is saved, and which photos were opened or saved lately (in ``settings``).

    The window keeps :attr:`document` current; the questions are asked over ``parent``.
    It tells the window through signals: ``saved`` after a save (the title loses its
    ``*``), ``openRequested(path)`` when a recent file is picked, ``status(text,
    milliseconds)`` for the status bar, ``failed(title, text)`` for an error to show.
    """

    saved = Signal()
    openRequested = Signal(str)
    status = Signal(str, int)
    failed = Signal(str, str)

    def __init__(self, settings: QSettings, parent: QWidget):
        super().__init__(parent)
        self.settings = settings
        #: The photo Save writes (``None``: no photo open).
        self.document: Document | None = None

    def _dialog_parent(self) -> QWidget:
        """The widget the questions are asked over (the window: the Qt parent, not a Python attribute)."""
        return self.parent()

    # -- saving -----------------------------------------------------------------------------

    def save(self) -> bool:
        """Save over the photo's file (asking once before overwriting the original); Save As if it has none."""
        document = self.document
        if document is None:
            return False
        if document.path is None or document.path.suffix.lower() not in SAVE_FORMATS or bundled(document.path):
            return self.save_as()  # the bundled sample is never saved over: it is Restorer's own file
        if not document.may_overwrite_source:
            answer = dialogs.ask_overwrite_original(self._dialog_parent(), document.path.name)
            if answer == "save_as":
                return self.save_as()
            if answer != "overwrite":
                return False
        return self.save_to(document.path, quality=int(self.settings.value("jpeg_quality", 92)))

    def save_as(self) -> bool:
        """Ask for a file name and format (and quality for JPEG and WebP), then save."""
        document = self.document
        if document is None:
            return False
        if document.path is not None:
            suggestion = str(Path(self.folder_of(document)) / (document.path.stem + "_restored.png"))
        else:
            suggestion = str(Path(self.last_folder()) / (Path(document.title).stem + ".png"))
        path, picked = dialogs.ask_save_path(self._dialog_parent(), "Save As", suggestion, ";;".join(SAVE_FILTERS))
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() not in SAVE_FORMATS:
            path = path.with_suffix(SAVE_FILTERS.get(picked, ".png"))
        quality = 95
        if path.suffix.lower() in (".jpg", ".jpeg", ".webp"):
            settings = self.settings
            chosen = dialogs.ask_int(self._dialog_parent(), "Quality",
                                     f"{path.suffix[1:].upper()} quality (100 = best):",
                                     int(settings.value("jpeg_quality", 92)), 1, 100)
            if chosen is None:
                return False
            quality = chosen
            settings.setValue("jpeg_quality", quality)
        return self.save_to(path, quality=quality)

    def save_to(self, path: str | Path, *, quality: int = 95) -> bool:
        """Save the current photo to ``path`` (alpha kept where the format can)."""
        document = self.document
        if document is None:
            return False
        path = Path(path)
        try:
            # What the save could not keep (16 bits in a JPEG) is said in the status bar, not only on stderr.
            with wait_cursor(), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                document.save(path, quality=quality)
        except RestorerError as exc:
            self.failed.emit("Cannot save the photo", str(exc))
            return False
        except OSError as exc:
            self.failed.emit("Cannot save the photo", f"{path}: {exc.strerror or exc}")
            return False
        self.remember_recent(path)
        note = " (JPEG keeps no transparency)" if document.has_alpha and path.suffix.lower() in (
            ".jpg", ".jpeg") else ""
        lost = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        if lost:
            note += f" ({'; '.join(lost)})"
        self.status.emit(f"Saved {path.name}{note}", 10000 if lost else 5000)
        self.saved.emit()
        return True

    def may_discard(self) -> bool:
        """Ask about unsaved changes; ``True`` when it is fine to drop the current document."""
        document = self.document
        if document is not None and not document.modified and document.mask.unsaved:
            answer = QMessageBox.question(
                self._dialog_parent(), "Unsaved mask",
                f"Discard the mask painted on {document.title}? (File > Export Mask saves it.)",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            return answer == QMessageBox.StandardButton.Discard
        if document is None or not document.modified:
            return True
        answer = QMessageBox.question(
            self._dialog_parent(), "Unsaved changes", f"Save the changes to {document.title}?"
            + (" (The painted mask is not saved with the photo: File > Export Mask.)" if document.mask.unsaved else ""),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- recent files -----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        """Recently opened or saved photos, newest first."""
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def remember_recent(self, path: Path) -> None:
        """Put ``path`` first in the recent files."""
        entry = str(Path(path).resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self.settings.setValue("last_folder", str(Path(entry).parent))

    def folder_of(self, document: Document | None) -> str:
        """Where Open and Save As start: the photo's folder, or the last one used (the home folder at
        first) for a photo with none or for the bundled sample, whose folder is Restorer's own."""
        if document is not None and document.path is not None and not bundled(document.path):
            return str(document.path.parent)
        return self.last_folder()

    def last_folder(self) -> str:
        """The folder of the photo opened or saved last (the home folder at first)."""
        return str(self.settings.value("last_folder", str(Path.home())))

    def fill_recent_menu(self, menu: QMenu) -> None:
        """List the recent photos that still exist in ``menu`` (the "Open Recent" menu, as it opens)."""
        menu.clear()
        files = [f for f in self.recent_files() if Path(f).exists()]
        for number, name in enumerate(files, 1):
            action = menu.addAction(f"&{number % 10}  {Path(name).name}")
            action.setToolTip(name)
            action.triggered.connect(lambda _=False, n=name: self.openRequested.emit(n))
        if not files:
            menu.addAction("No recent photos").setEnabled(False)


def bundled(path: Path) -> bool:
    """Whether ``path`` is one of Restorer's own files (the sample photo), not the person's."""
    return Path(path).resolve().is_relative_to(RESOURCES.resolve())


def dropped_photo(mime) -> Path | None:
    """The first local photo file among the URLs of a drag's ``QMimeData`` (``None`` if there is none)."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in PHOTO_SUFFIXES:
            return Path(url.toLocalFile())
    return None
