"""The main window: canvas in the middle, model panel at the side, menus, toolbar and status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QDockWidget, QHBoxLayout, QLabel, QMainWindow, QMessageBox,
                               QPushButton, QWidget)
from superqt.utils import signals_blocked

from restorer.editing.document import Document
from restorer.editing.brush import BrushSettings
from restorer.errors import RestorerError
from restorer.gui import actions, dialogs
from restorer.gui.brush_bar import BrushBar
from restorer.gui.canvas import Canvas
from restorer.gui.files import PhotoFiles, dropped_photo, wait_cursor
from restorer.gui.find_damage import FindDamage
from restorer.gui.mask_commands import MaskCommands
from restorer.gui.panel import ModelPanel
from restorer.gui.run_control import RunControl
from restorer.gui.runner import ModelRun
from restorer.gui.smart_select import SmartSelect
from restorer.gui.widgets import ElidingStatusBar
from restorer.images import PHOTO_SUFFIXES, Photo, load_mask
from restorer.registry import Registry

OPEN_FILTER = "Photos ({});;All files (*)".format(" ".join(f"*{s}" for s in PHOTO_SUFFIXES))

#: Bumped when the toolbars or docks change (3: File | Brush | Mask bars), so an older saved layout is dropped.
LAYOUT_VERSION = 3
#: Windows opened from another window (a generated image): kept alive until closed.
_windows: list["MainWindow"] = []


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
        self.last_error: QMessageBox | None = None
        #: The "Train" dock's panel (with ``training=True``), added once the models are known: it needs
        #: them, and pyqtgraph, which is not imported at start-up.
        self.training = None
        self._wants_training = training
        # The window's parts hold no Python reference to it (the window tells them what they need, they
        # answer with signals): a reference cycle would leave the window to the garbage collector, which
        # may run on a worker thread and delete Qt objects there (a deadlock with the GUI thread).
        self.setStatusBar(ElidingStatusBar(self))  # before anything connects to its showMessage
        self.files = PhotoFiles(self.settings, self)
        self.files.saved.connect(self._history_changed)
        self.files.openRequested.connect(self.open_path)
        self.files.status.connect(self.statusBar().showMessage)
        self.files.failed.connect(self.show_error)

        self.mask_commands = MaskCommands(self.settings, self.files.last_folder, self)
        self.mask_commands.status.connect(self.statusBar().showMessage)
        self.mask_commands.failed.connect(self.show_error)

        #: The tool, size and hardness the canvas paints with and the toolbar shows.
        self.brush = BrushSettings()
        self.canvas = Canvas(self, brush=self.brush)
        self.setCentralWidget(self.canvas)
        self.find_damage = FindDamage(self)
        self.smart_select = SmartSelect(self)
        for tool in (self.find_damage, self.smart_select):
            tool.busyChanged.connect(self._update_actions)
        self.panel = ModelPanel(self)
        dock = QDockWidget("Model", self)
        dock.setObjectName("model-dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setWidget(self.panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.model_dock = dock
        self.run_control = RunControl(self.panel, device=device, parent=self)
        self.run_control.deviceFound.connect(self._set_device)
        self.run_control.modelsLoaded.connect(self.set_registry)
        self.run_control.generated.connect(self._open_generated)
        self.run_control.resultApplied.connect(self._update_actions)
        self.run_control.runFinished.connect(self.runFinished)
        self.run_control.busyChanged.connect(self._update_actions)
        self.run_control.status.connect(self.statusBar().showMessage)
        self.run_control.failed.connect(self.show_error)
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

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._make_status_bar()
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self.resizeDocks([dock], [340], Qt.Orientation.Horizontal)

        self.panel.runRequested.connect(self.run_control.run_model)
        self.panel.cancelRequested.connect(self.run_control.cancel_run)
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

    def _make_actions(self) -> None:
        # Each row of restorer.gui.actions' table becomes self.<id>_action (self.actions is QWidget.actions()).
        self.commands = actions.make_actions(self)

    def _make_menus(self) -> None:
        submenus = actions.fill_menus(self.menuBar(), self.commands)
        self.recent_menu = submenus["recent"]
        self.recent_menu.aboutToShow.connect(lambda: self.files.fill_recent_menu(self.recent_menu))

    def _make_toolbar(self) -> None:
        tools = {row.args[0]: self.commands[row.id] for row in map(actions.spec, actions.TOOLS)}
        self.brush_bar = BrushBar(self.brush, tools, self)
        #: The toolbars, left to right (the last, the mask bar, wraps to a second row in a narrow window).
        self.toolbars = actions.add_toolbars(self, self.commands, self.brush_bar)

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
            self.document.history.changed.disconnect(self._history_changed)
        self.document = self.files.document = self.mask_commands.document = self.run_control.document = document
        if document is not None:
            document.history.changed.connect(self._history_changed)
        self.canvas.set_document(document)
        self.panel.set_has_photo(document is not None)
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
        if not self.files.may_discard():
            return False
        try:
            with wait_cursor():
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
            self.files.remember_recent(Path(path))
        self.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
        if mask_problem is not None:
            self.show_error("Cannot load the mask", f"{mask_problem}. The photo opened without a mask.")
        return True

    def open_dialog(self) -> None:
        """Ask for a photo and open it."""
        folder = self.files.folder_of(self.document)
        path = dialogs.ask_open_path(self, "Open Photo", folder, OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_document_window(self, document: Document) -> "MainWindow":
        """Show ``document`` in a new window sharing this one's models and device."""
        window = MainWindow(document, registry=self.registry, device=self.device, settings=self.settings,
                            training=False)
        window._set_device(self.device, self.device_name)
        _windows.append(window)
        window.destroyed.connect(lambda *_: _windows.remove(window) if window in _windows else None)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.move(self.pos() + QPoint(40, 40))  # cascaded, so both windows can be seen
        window.show()
        return window

    # -- closing (saving is files.PhotoFiles's) ---------------------------------------------

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.files.may_discard():
            event.ignore()
            return
        if self.training is not None and not self.training.confirm_close():
            event.ignore()
            return
        if self.run is not None and self.run.running:
            self.run.cancel()
        self.find_damage.cancel()
        self.smart_select.cancel()
        if self._wants_training:  # the main window: remember where it was
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        QApplication.instance().removeEventFilter(self)
        event.accept()

    def restore_layout(self) -> None:
        """Put the window and its docks back where the person left them last time."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)  # a layout saved with other toolbars is not restored
        actions.wrap_toolbars(self, self.toolbars)  # the saved toolbar rows were for the saved width

    # -- view, commands --------------------------------------------------------------------

    def set_split_view(self, on: bool) -> None:
        """Show the photo as opened and as it is now side by side, split by a draggable divider."""
        on = bool(on) and self.document is not None
        self.canvas.set_split(0.5 if on else None)
        for control in (self.split_action, self.split_button):
            with signals_blocked(control):
                control.setChecked(on)

    def cancel_all(self) -> None:
        """Esc: cancel the model run, Find damage and Smart Select, whichever is going."""
        self.run_control.cancel_run()
        self.find_damage.cancel()
        self.smart_select.cancel()

    @staticmethod
    def quit_all() -> None:
        """Close every window (each asks about unsaved changes first)."""
        QApplication.closeAllWindows()

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
        self.run_control.history_changed()

    def _update_actions(self) -> None:
        document = self.document
        history = document.history if document else None
        has_document = document is not None
        run = self.run_control.run
        cancellable = (run is not None and run.running) or self.find_damage.cancellable or self.smart_select.cancellable
        actions.update_enabled(self.commands, {"document": has_document, "can_undo": bool(history and history.can_undo),
                                              "can_redo": bool(history and history.can_redo),
                                              "cancellable": cancellable})
        self.undo_action.setText(f"&Undo {history.undo_description}" if history and history.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {history.redo_description}" if history and history.can_redo else "&Redo")
        self.compare_button.setEnabled(has_document)
        self.split_button.setEnabled(has_document)
        applied = history.applied if history else ()
        self.undo_result_button.setEnabled(bool(applied) and applied[-1] is self.run_control.last_result)

    # -- models (the runs themselves are in run_control.RunControl) -------------------------

    @property
    def run(self) -> ModelRun | None:
        """The model run started last in this window (``None`` before the first)."""
        return self.run_control.run

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

    def _set_device(self, device: str, name: str) -> None:
        self.device, self.device_name = device, name
        self.run_control.device = device
        self._show_device()

    def _open_generated(self, photo: Photo, model_title: str) -> None:
        self.open_document_window(Document(photo, title=f"{model_title} {len(_windows) + 1}"))

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

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        actions.wrap_toolbars(self, self.toolbars)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        # Hold \ anywhere in this window to see the original (a QShortcut has no "released").
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and event.key() == Qt.Key.Key_Backslash:
            if isinstance(watched, QWidget) and watched.window() is self and not event.isAutoRepeat():
                self.canvas.set_compare(kind == QEvent.Type.KeyPress and self.document is not None)
                return True
        return False

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if dropped_photo(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = dropped_photo(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(path))  # let the drag finish before any dialog
