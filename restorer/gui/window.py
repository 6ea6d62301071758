"""The main window: canvas in the middle, model panel at the side, menus, toolbar and status bar."""

from __future__ import annotations

import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QHBoxLayout, QInputDialog, QLabel,
                               QMainWindow,
                               QMessageBox, QPushButton, QToolBar, QWidget)
from superqt import QLabeledSlider
from superqt.utils import create_worker

from restorer.errors import Cancelled, RestorerError
from restorer.gui.brush import MAX_SIZE, MIN_SIZE
from restorer.gui.canvas import Canvas
from restorer.gui.document import Document
from restorer.gui.panel import TASK_TITLES, ModelPanel
from restorer.gui.runner import ModelRun, RunResult, make_room_in_thread_pool
from restorer.images import PHOTO_SUFFIXES, SAVE_FORMATS, load_mask, photo_from_array
from restorer.jobs import Progress
from restorer.registry import Registry

MAX_RECENT = 10
OPEN_FILTER = "Photos ({});;All files (*)".format(" ".join(f"*{s}" for s in PHOTO_SUFFIXES))
SAVE_FILTERS = {"PNG (*.png)": ".png", "JPEG (*.jpg *.jpeg)": ".jpg", "WebP (*.webp)": ".webp",
                "TIFF (*.tif *.tiff)": ".tif"}
MASK_FILTER = "PNG mask (*.png);;All files (*)"

#: Windows opened from another window (a generated image): kept alive until closed.
_windows: list["MainWindow"] = []


# -- dialogs (module functions, so tests can replace them) ------------------------------------

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


class MainWindow(QMainWindow):
    """One document window."""

    documentChanged = Signal(object)
    runFinished = Signal()

    def __init__(self, document: Document | None = None, *, registry: Registry | None = None,
                 device: str | None = None, settings: QSettings | None = None, training: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.settings = settings if settings is not None else QSettings()
        self.registry = registry
        self.device = device  # None until known; the worker resolves "auto" itself if asked first
        self.device_name = "CPU" if device == "cpu" else (device or "")
        self.document: Document | None = None
        self.run: ModelRun | None = None
        self.last_error: QMessageBox | None = None
        self._loader = None
        #: The "Train" dock's panel (with ``training=True``), added once the models are known: it needs
        #: them, and pyqtgraph, which is not imported at start-up.
        self.training = None
        self._wants_training = training

        self.canvas = Canvas(self)
        self.setCentralWidget(self.canvas)
        self.panel = ModelPanel(self)
        dock = QDockWidget("Model", self)
        dock.setObjectName("model-dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setWidget(self.panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.model_dock = dock
        self.compare_button = QPushButton("Compare ( \\ )")
        self.compare_button.setToolTip("Hold to see the photo as it was opened (or hold \\)")
        self.compare_button.pressed.connect(lambda: self.canvas.set_compare(True))
        self.compare_button.released.connect(lambda: self.canvas.set_compare(False))
        self.undo_result_button = QPushButton("Undo result")
        self.undo_result_button.setToolTip("Take back the last model result (Ctrl+Z)")
        self.undo_result_button.clicked.connect(self.undo)
        result_row = QHBoxLayout()
        self.split_button = QPushButton("Split")
        self.split_button.setCheckable(True)
        self.split_button.setToolTip("Original on the left, now on the right; drag the divider (Y)")
        self.split_button.toggled.connect(self.set_split_view)
        result_row.addWidget(self.compare_button)
        result_row.addWidget(self.split_button)
        result_row.addWidget(self.undo_result_button)
        self.panel.layout().insertLayout(self.panel.layout().count() - 1, result_row)
        # Buttons do not take the keyboard focus: Space is for panning, not for pressing Repair again.
        for button in (self.compare_button, self.split_button, self.undo_result_button, self.panel.run_button,
                       self.panel.cancel_button, self.panel.reset_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._last_result = None  # the history step of the last model result
        self._run_document: Document | None = None

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._make_status_bar()
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self.resizeDocks([dock], [340], Qt.Orientation.Horizontal)

        self.panel.runRequested.connect(self.run_model)
        self.panel.cancelRequested.connect(self.cancel_run)
        self.panel.modelChanged.connect(lambda _model: self._update_actions())
        self.canvas.cursorMoved.connect(self._show_cursor)
        self.canvas.zoomChanged.connect(self._show_zoom)
        QApplication.instance().installEventFilter(self)

        if registry is not None:
            self.set_registry(registry)
        else:
            self.panel.set_registry(None)
        self.set_document(document)

    # -- building ---------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, *, checkable: bool = False, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setCheckable(checkable)
        if shortcut is not None and action.shortcuts():
            plain = text.replace("&", "").rstrip("…")
            key = action.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{plain} ({key})")
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _make_actions(self) -> None:
        a = self._action
        self.open_action = a("&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.save_action = a("&Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = a("Save &As…", self.save_as, "Ctrl+Shift+S")
        self.import_mask_action = a("&Import Mask…", self.import_mask_dialog)
        self.export_mask_action = a("&Export Mask…", self.export_mask_dialog)
        self.close_action = a("&Close Window", self.close, QKeySequence.StandardKey.Close)
        self.quit_action = a("&Quit", QApplication.closeAllWindows, QKeySequence.StandardKey.Quit)
        self.undo_action = a("&Undo", self.undo, "Ctrl+Z")
        self.redo_action = a("&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.brush_action = a("&Brush", lambda: self.set_tool("brush"), "B", checkable=True,
                              tip="Paint the area to repair (B)")
        self.eraser_action = a("&Eraser", lambda: self.set_tool("eraser"), "E", checkable=True,
                               tip="Unpaint (E)")
        tools = QActionGroup(self)
        tools.addAction(self.brush_action)
        tools.addAction(self.eraser_action)
        self.brush_action.setChecked(True)
        self.bigger_action = a("Bigger Brush", lambda: self.step_brush_size(+1), "]")
        self.smaller_action = a("Smaller Brush", lambda: self.step_brush_size(-1), "[")
        self.clear_mask_action = a("&Clear Mask", self.clear_mask, ["Delete", "Ctrl+Shift+A"])
        self.invert_mask_action = a("&Invert Mask", self.invert_mask, "Ctrl+I")
        self.grow_mask_action = a("&Grow Mask…", lambda: self.morph_mask(grow=True))
        self.grow_mask_action.setIconText("Grow")
        self.shrink_mask_action = a("S&hrink Mask…", lambda: self.morph_mask(grow=False))
        self.shrink_mask_action.setIconText("Shrink")
        self.clear_mask_action.setIconText("Clear")
        self.invert_mask_action.setIconText("Invert")
        self.show_mask_action = a("&Show Mask", self.canvas.set_mask_visible, "Ctrl+H", checkable=True)
        self.show_mask_action.setChecked(True)
        self.zoom_in_action = a("Zoom &In", lambda: self.canvas.zoom_in(), ["+", "=", "Ctrl++", "Ctrl+="])
        self.zoom_out_action = a("Zoom &Out", lambda: self.canvas.zoom_out(), ["-", "Ctrl+-"])
        self.fit_action = a("&Fit in Window", self.canvas.fit, "Ctrl+0")
        self.fit_action.setIconText("Fit")
        self.actual_size_action = a("&Actual Pixels (100%)", lambda: self.canvas.set_zoom(1.0), "Ctrl+1")
        self.actual_size_action.setIconText("100%")
        self.split_action = a("&Split View (Original | Now)", self.set_split_view, "Y", checkable=True,
                              tip="The photo as opened on the left, as it is now on the right; drag the divider")
        self.run_action = a("&Run Model", self.run_model, ["Ctrl+Return", "Ctrl+Enter"])
        self.cancel_action = a("&Cancel Run", self.cancel_run, "Esc")

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_mask_action)
        file_menu.addAction(self.export_mask_action)
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)
        file_menu.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        mask = bar.addMenu("&Mask")
        for action in (self.brush_action, self.eraser_action, self.bigger_action, self.smaller_action, None,
                       self.clear_mask_action, self.invert_mask_action, self.grow_mask_action,
                       self.shrink_mask_action, None, self.show_mask_action):
            mask.addSeparator() if action is None else mask.addAction(action)
        view = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action):
            view.addAction(action)
        view.addSeparator()
        view.addAction(self.split_action)
        model = bar.addMenu("M&odel")
        model.addAction(self.run_action)
        model.addAction(self.cancel_action)

    def _make_toolbar(self) -> None:
        bar = QToolBar("Tools", self)
        bar.setObjectName("tools")
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addAction(self.open_action)
        bar.addAction(self.save_as_action)
        bar.addSeparator()
        bar.addAction(self.brush_action)
        bar.addAction(self.eraser_action)
        bar.addWidget(QLabel(" Size "))
        self.size_slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_SIZE, MAX_SIZE)
        self.size_slider.setValue(self.canvas.brush_size)
        self.size_slider.setFixedWidth(170)
        self.size_slider.setToolTip("Brush diameter in photo pixels ([ and ])")
        self.size_slider.valueChanged.connect(self.canvas.set_brush_size)
        bar.addWidget(self.size_slider)
        bar.addWidget(QLabel("  Hardness "))
        self.hardness_slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.hardness_slider.setRange(0, 100)
        self.hardness_slider.setValue(int(self.canvas.hardness * 100))
        self.hardness_slider.setFixedWidth(130)
        self.hardness_slider.setToolTip("100: crisp edge. Lower: the repair fades out at the edge")
        self.hardness_slider.valueChanged.connect(lambda v: self.canvas.set_hardness(v / 100))
        bar.addWidget(self.hardness_slider)
        bar.addSeparator()
        bar.addWidget(QLabel(" Mask: "))
        for action in (self.clear_mask_action, self.invert_mask_action, self.grow_mask_action,
                       self.shrink_mask_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.fit_action)
        bar.addAction(self.actual_size_action)

    def _make_status_bar(self) -> None:
        status = self.statusBar()
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.cursor_label = QLabel()
        self.cursor_label.setMinimumWidth(90)
        self.device_label = QLabel()
        for label in (self.size_label, self.zoom_label, self.cursor_label, self.device_label):
            status.addPermanentWidget(label)
        self._show_device()

    # -- documents --------------------------------------------------------------------------

    def set_document(self, document: Document | None) -> None:
        """Show ``document`` in this window."""
        if self.document is not None:
            self.document.history.listeners.remove(self._history_changed)
        self.document = document
        if document is not None:
            document.history.listeners.append(self._history_changed)
        self.canvas.set_document(document)
        if self.canvas.split is not None:
            self.set_split_view(False)
        self._show_zoom(self.canvas.zoom)
        if document is None:
            self.size_label.setText("")
        else:
            width, height = document.size
            alpha = ", alpha" if document.has_alpha else ""
            self.size_label.setText(f"{width} × {height} px{alpha}")
        self._history_changed()
        self.documentChanged.emit(document)

    def open_path(self, path: str | Path, mask: str | Path | None = None, *, remember: bool = True) -> bool:
        """Open a photo (and its mask) here; ``False`` if it could not be opened or the person cancelled."""
        if not self._may_discard():
            return False
        try:
            document = Document.open(path)
        except RestorerError as exc:
            self.show_error("Cannot open the photo", str(exc))
            return False
        mask_problem = None
        if mask is not None:
            try:
                document.mask.reset(load_mask(mask, document.size))
            except RestorerError as exc:  # the photo itself is fine: open it without the mask
                mask_problem = str(exc)
        self.set_document(document)
        if remember:
            self.remember_recent(Path(path))
        self.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
        if mask_problem is not None:
            self.show_error("Cannot load the mask", f"{mask_problem}. The photo opened without a mask.")
        return True

    def open_dialog(self) -> None:
        """Ask for a photo and open it."""
        folder = str(self.document.path.parent) if self.document and self.document.path else ""
        path = ask_open_path(self, "Open Photo", folder, OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_document_window(self, document: Document) -> "MainWindow":
        """Show ``document`` in a new window sharing this one's models and device."""
        window = MainWindow(document, registry=self.registry, device=self.device, settings=self.settings,
                            training=False)
        window.device_name = self.device_name
        window._show_device()
        _windows.append(window)
        window.destroyed.connect(lambda *_: _windows.remove(window) if window in _windows else None)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.move(self.pos() + QPoint(40, 40))  # cascaded, so both windows can be seen
        window.show()
        return window

    # -- saving -----------------------------------------------------------------------------

    def save(self) -> bool:
        """Save over the photo's file (asking once before overwriting the original); Save As if it has none."""
        document = self.document
        if document is None:
            return False
        if document.path is None or document.path.suffix.lower() not in SAVE_FORMATS:
            return self.save_as()
        if not document.may_overwrite_source:
            answer = ask_overwrite_original(self, document.path.name)
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
            suggestion = str(document.path.with_name(document.path.stem + "_restored.png"))
        else:
            suggestion = str(Path(self._last_folder()) / (Path(document.title).stem + ".png"))
        path, picked = ask_save_path(self, "Save As", suggestion, ";;".join(SAVE_FILTERS))
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() not in SAVE_FORMATS:
            path = path.with_suffix(SAVE_FILTERS.get(picked, ".png"))
        quality = 95
        if path.suffix.lower() in (".jpg", ".jpeg", ".webp"):
            chosen = ask_int(self, "Quality", f"{path.suffix[1:].upper()} quality (100 = best):",
                             int(self.settings.value("jpeg_quality", 92)), 1, 100)
            if chosen is None:
                return False
            quality = chosen
            self.settings.setValue("jpeg_quality", quality)
        return self.save_to(path, quality=quality)

    def save_to(self, path: str | Path, *, quality: int = 95) -> bool:
        """Save the current photo to ``path`` (alpha kept where the format can)."""
        if self.document is None:
            return False
        path = Path(path)
        try:
            self.document.save(path, quality=quality)
        except RestorerError as exc:
            self.show_error("Cannot save the photo", str(exc))
            return False
        except OSError as exc:
            self.show_error("Cannot save the photo", f"{path}: {exc.strerror or exc}")
            return False
        self.remember_recent(path)
        note = " (JPEG keeps no transparency)" if self.document.has_alpha and path.suffix.lower() in (
            ".jpg", ".jpeg") else ""
        self.statusBar().showMessage(f"Saved {path.name}{note}", 5000)
        self._history_changed()
        return True

    def _may_discard(self) -> bool:
        """Ask about unsaved changes; ``True`` when it is fine to drop the current document."""
        if self.document is None or not self.document.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.document.title}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self._may_discard():
            event.ignore()
            return
        if self.training is not None and not self.training.confirm_close():
            event.ignore()
            return
        if self.run is not None and self.run.running:
            self.run.cancel()
        if self._wants_training:  # the main window: remember where it was
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState())
        QApplication.instance().removeEventFilter(self)
        event.accept()

    def restore_layout(self) -> None:
        """Put the window and its docks back where the person left them last time."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

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

    def _last_folder(self) -> str:
        return str(self.settings.value("last_folder", str(Path.home())))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = [f for f in self.recent_files() if Path(f).exists()]
        for number, name in enumerate(files, 1):
            action = self.recent_menu.addAction(f"&{number % 10}  {Path(name).name}")
            action.setToolTip(name)
            action.triggered.connect(lambda _=False, n=name: self.open_path(n))
        if not files:
            self.recent_menu.addAction("No recent photos").setEnabled(False)

    # -- mask -------------------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        """Brush or eraser."""
        self.canvas.set_tool(tool)
        (self.brush_action if tool == "brush" else self.eraser_action).setChecked(True)

    def step_brush_size(self, direction: int) -> None:
        """``]`` and ``[``: about 15 % bigger or smaller (at least one pixel)."""
        size = self.size_slider.value()
        step = max(1, round(size * 0.15))
        self.size_slider.setValue(max(MIN_SIZE, min(MAX_SIZE, size + direction * step)))

    def set_split_view(self, on: bool) -> None:
        """Show the photo as opened and as it is now side by side, split by a draggable divider."""
        on = bool(on) and self.document is not None
        self.canvas.set_split(0.5 if on else None)
        for control in (self.split_action, self.split_button):
            control.blockSignals(True)
            control.setChecked(on)
            control.blockSignals(False)

    def clear_mask(self) -> None:
        """Unpaint everything."""
        if self.document is not None:
            self.document.mask.clear()

    def invert_mask(self) -> None:
        """Swap painted and unpainted."""
        if self.document is not None:
            self.document.mask.invert()

    def morph_mask(self, *, grow: bool) -> None:
        """Grow or shrink the mask by a number of pixels the person picks."""
        if self.document is None:
            return
        key = "grow_pixels" if grow else "shrink_pixels"
        pixels = ask_int(self, "Grow Mask" if grow else "Shrink Mask", "By how many pixels:",
                         int(self.settings.value(key, 8)), 1, 500)
        if pixels is None:
            return
        self.settings.setValue(key, pixels)
        if grow:
            self.document.mask.grow(pixels)
        else:
            self.document.mask.shrink(pixels)

    def import_mask_dialog(self) -> None:
        """Ask for a mask image and load it (it must be the photo's size)."""
        if self.document is None:
            return
        path = ask_open_path(self, "Import Mask", self._last_folder(), MASK_FILTER)
        if path:
            self.import_mask(path)

    def import_mask(self, path: str | Path) -> bool:
        """Replace the mask by a mask file; one undo step."""
        try:
            self.document.import_mask(path)
        except RestorerError as exc:
            self.show_error("Cannot import the mask", str(exc))
            return False
        return True

    def export_mask_dialog(self) -> None:
        """Ask where to save the mask as PNG."""
        if self.document is None:
            return
        stem = self.document.path.stem if self.document.path else Path(self.document.title).stem
        path, _ = ask_save_path(self, "Export Mask", str(Path(self._last_folder()) / f"{stem}_mask.png"),
                                MASK_FILTER)
        if path:
            self.export_mask(path)

    def export_mask(self, path: str | Path) -> bool:
        """Save the mask as a black-and-white PNG."""
        try:
            self.document.export_mask(Path(path).with_suffix(".png"))
        except RestorerError as exc:
            self.show_error("Cannot export the mask", str(exc))
            return False
        self.statusBar().showMessage(f"Mask saved to {Path(path).with_suffix('.png').name}", 4000)
        return True

    # -- undo -------------------------------------------------------------------------------

    def undo(self) -> None:
        """Undo the last stroke, mask operation or repair."""
        if self.document is not None:
            edit = self.document.history.undo()
            if edit is not None:
                self.statusBar().showMessage(f"Undid: {edit.description}", 3000)

    def redo(self) -> None:
        """Redo what was undone last."""
        if self.document is not None:
            edit = self.document.history.redo()
            if edit is not None:
                self.statusBar().showMessage(f"Redid: {edit.description}", 3000)

    def _history_changed(self) -> None:
        document = self.document
        title = document.title if document else "Restorer"
        self.setWindowTitle(f"{title}[*] — Restorer" if document else "Restorer")
        self.setWindowModified(bool(document and document.modified))
        self._update_actions()

    def _update_actions(self) -> None:
        document = self.document
        history = document.history if document else None
        self.undo_action.setEnabled(bool(history and history.can_undo))
        self.redo_action.setEnabled(bool(history and history.can_redo))
        self.undo_action.setText(f"&Undo {history.undo_description}" if history and history.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {history.redo_description}" if history and history.can_redo else "&Redo")
        has_document = document is not None
        for action in (self.save_action, self.save_as_action, self.import_mask_action, self.export_mask_action,
                       self.clear_mask_action, self.invert_mask_action, self.grow_mask_action,
                       self.shrink_mask_action, self.fit_action, self.actual_size_action,
                       self.zoom_in_action, self.zoom_out_action):
            action.setEnabled(has_document)
        self.compare_button.setEnabled(has_document)
        self.split_button.setEnabled(has_document)
        self.split_action.setEnabled(has_document)
        applied = history.applied if history else ()
        self.undo_result_button.setEnabled(bool(applied) and applied[-1] is self._last_result)

    # -- models -----------------------------------------------------------------------------

    def start_background_loading(self) -> None:
        """Load the plugins (and with them torch) and find the device, off the GUI thread."""
        need_registry = self.registry is None
        need_device = self.device is None
        if not (need_registry or need_device):
            return

        def load():
            from restorer.registry import get_registry

            registry = get_registry() if need_registry else None
            device = name = None
            if need_device:
                try:
                    from restorer.devices import describe_device, resolve_device

                    device = resolve_device("auto")
                    name = describe_device(device)
                except Exception:  # no usable torch: the OpenCV models still work
                    device, name = "cpu", "CPU"
            return registry, device, name

        self.statusBar().showMessage("Loading models…")
        self._loader = create_worker(load, _start_thread=False, _connect={
            "returned": self._loaded, "errored": self._loading_failed})
        make_room_in_thread_pool()
        self._loader.start()

    def _loaded(self, result) -> None:
        registry, device, name = result
        if device is not None:
            self.device, self.device_name = device, name
            self._show_device()
        if registry is not None:
            self.set_registry(registry)
        self.statusBar().showMessage("Ready", 2000)

    def _loading_failed(self, exc: Exception) -> None:
        self.show_error("Cannot load the models", f"{type(exc).__name__}: {exc}",
                        "".join(traceback.format_exception(exc)))

    def set_registry(self, registry: Registry) -> None:
        """Offer the models of ``registry``."""
        self.registry = registry
        self.panel.set_registry(registry)
        if self.training is not None:
            self.training.set_registry(registry)
        elif self._wants_training:
            from restorer.gui.training.link import attach_training_panel  # pyqtgraph: not at start-up

            self.training = attach_training_panel(self)
            # The training panel is wide; the photo keeps most of the window.
            self.resizeDocks([self.model_dock], [380], Qt.Orientation.Horizontal)

    def run_model(self) -> None:
        """Run the selected model on the photo and mask (Ctrl+Return)."""
        if self.run is not None and self.run.running:
            message = f"{self.run.model.title} is still running: wait for it or press Cancel (Esc)."
            self.statusBar().showMessage(message, 5000)
            self.panel.set_message(message)
            QApplication.beep()
            return
        model = self.panel.current_model()
        if model is None:
            self.statusBar().showMessage("The models are still loading…" if self.registry is None
                                         else "No model is selected.", 4000)
            return
        document = self.document
        if model.task != "sample" and document is None:
            self.statusBar().showMessage(f"Open a photo first: {model.title} works on a photo.", 5000)
            return
        if model.task == "inpaint" and not document.mask.any():
            message = "Paint over the damage first (brush: B), then repair."
            self.statusBar().showMessage(message, 5000)
            self.panel.set_message(message)
            return
        if model.task == "inpaint" and document.mask.mask.all():
            message = "The whole photo is painted: leave the undamaged part unpainted (eraser: E), then repair."
            self.statusBar().showMessage(message, 5000)
            self.panel.set_message(message)
            return
        photo = document.rgb if (document is not None and model.task != "sample") else None
        coverage = document.mask.coverage if (document is not None and model.task != "sample") else None
        self.run = ModelRun(model, photo, coverage, self.panel.values(), self.device, self)
        self._run_document = document  # a result belongs to the photo it was computed from
        self.run.progressed.connect(self._run_progressed)
        self.run.succeeded.connect(self._run_succeeded)
        self.run.failed.connect(self._run_failed)
        self.run.finished.connect(self._run_finished)
        self.panel.set_running(True)
        self.panel.set_message(f"{model.title}: starting…")
        self.run.start()

    def cancel_run(self) -> None:
        """Ask the running model to stop (Esc)."""
        if self.run is not None and self.run.running:
            self.run.cancel()
            self.panel.set_message("Cancelling…")

    def _run_progressed(self, progress: Progress) -> None:
        self.panel.set_progress(progress)

    def _run_succeeded(self, result: RunResult) -> None:
        model = result.model
        if model.task == "sample":
            count = len(_windows) + 1
            photo = photo_from_array(np.ascontiguousarray(result.image))
            self.open_document_window(Document(photo, title=f"{model.title} {count}"))
            self.panel.set_message(f"Generated with {model.title} in {result.seconds:.1f} s; "
                                   "it opened in a new window.")
            return
        if self.document is None or self.document is not self._run_document:
            self.panel.set_message("Another photo was opened while the model ran; its result was dropped.")
            return
        verb = TASK_TITLES.get(model.task, "Run")
        clear = model.task == "inpaint" and self.panel.clear_mask.isChecked()
        self._last_result = self.document.apply_result(result.image, result.coverage,
                                                       f"{verb} with {model.title}", clear_mask=clear)
        self._update_actions()
        if self._last_result is None or not getattr(self._last_result, "changes_photo", False):
            # e.g. a model that returned the photo as it was
            self.panel.set_message(f"{verb} with {model.title} finished in {result.seconds:.1f} s "
                                   "but changed no pixel of the photo.")
            self.statusBar().showMessage(f"{verb}: no change", 4000)
            return
        self.panel.set_message(f"{verb} with {model.title} done in {result.seconds:.1f} s. "
                               "Hold \\ to compare with the original; Ctrl+Z undoes it.")
        self.statusBar().showMessage(f"{verb} done", 4000)

    def _run_failed(self, exc: Exception) -> None:
        model = self.run.model if self.run else None
        outcome = "nothing was generated" if model is not None and model.task == "sample" else "the photo is unchanged"
        if isinstance(exc, Cancelled):
            self.panel.set_message(f"Cancelled; {outcome}.")
            self.statusBar().showMessage("Cancelled", 3000)
            return
        title = f"{model.title} failed" if model else "The model failed"
        if isinstance(exc, RestorerError):
            self.show_error(title, str(exc))
        else:  # a bug in a plugin: say which, keep the traceback for the report
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self.show_error(title, f"The model raised an unexpected error: {type(exc).__name__}"
                                   f"{': ' + text if text else ''}\n{outcome[0].upper() + outcome[1:]}.",
                            "".join(traceback.format_exception(exc)))
        self.panel.set_message(f"{title}; {outcome}.")

    def _run_finished(self) -> None:
        self.panel.set_running(False)
        self.runFinished.emit()

    # -- messages, status -------------------------------------------------------------------

    def show_error(self, title: str, text: str, details: str | None = None) -> QMessageBox:
        """Show an error without blocking (the app keeps running); kept in :attr:`last_error`."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.last_error = box
        box.open()
        return box

    def _show_cursor(self, pixel) -> None:
        self.cursor_label.setText("" if pixel is None else f"{pixel[0]}, {pixel[1]}")

    def _show_zoom(self, zoom: float) -> None:
        if self.document is None:
            self.zoom_label.setText("")
            return
        self.zoom_label.setText(f"{zoom * 100:.0f}%" if zoom >= 0.1 else f"{zoom * 100:.1f}%")

    def _show_device(self) -> None:
        self.device_label.setText(f"Device: {self.device_name or 'detecting…'}")

    # -- keys, drops ------------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        # Hold \ anywhere in this window to see the original (a QShortcut has no "released").
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and event.key() == Qt.Key.Key_Backslash:
            if isinstance(watched, QWidget) and watched.window() is self and not event.isAutoRepeat():
                self.canvas.set_compare(kind == QEvent.Type.KeyPress and self.document is not None)
                return True
        return False

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._dropped_photo(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._dropped_photo(event)
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(path))  # let the drag finish before any dialog

    @staticmethod
    def _dropped_photo(event) -> Path | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in PHOTO_SUFFIXES:
                return Path(url.toLocalFile())
        return None
