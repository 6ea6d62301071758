"""Find damage: a detect model proposes a mask of scratches, dust and spots for the person to review.

Find damage (Ctrl+D) runs the chosen detector on a worker thread, with progress
and Cancel, and keeps the probability map it returns. Its proposal
(:func:`restorer.detection.proposal`) is added to the mask as one undo step. A
small bar over the canvas holds the sensitivity slider: while the proposal is
still the last step, moving it thresholds the kept map again and replaces the
proposal inside that same step, without running the detector again. The bar
goes once the person does anything else (paints, undoes), presses Keep, or
Discard (which takes the proposal back). Then the brush and eraser refine it.
"""

from __future__ import annotations

import traceback

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QApplication, QFrame, QGridLayout, QHBoxLayout, QLabel, QMainWindow,
                               QProgressBar, QPushButton, QSizePolicy, QWidget)
from superqt import QLabeledSlider
from superqt.utils import qthrottled, signals_blocked

from restorer.detection import probability, proposal
from restorer.errors import Cancelled, RestorerError
from restorer.gui.runner import JobRun, WindowTool, resolve_device
from restorer.gui.widgets import ElidingComboBox
from restorer.jobs import Progress
from restorer.models import Model

#: Where the slider starts the first time: threshold 0.75, damage-detector's default (chosen on the validation split).
DEFAULT_SENSITIVITY = 25
#: The slider's range: sensitivity s in percent means the threshold 1 - s / 100 (the detect params' range).
MIN_SENSITIVITY, MAX_SENSITIVITY = 1, 99
DESCRIPTION = "Find damage"


class DamageBar(QFrame):
    """The bar over the bottom of the canvas: detector, sensitivity, progress and Cancel, Keep and Discard."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("damage-bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(10, 6, 10, 6)
        self.detector_label = QLabel("Find damage with")
        self.detector = ElidingComboBox()
        self.detector.setMinimumWidth(90)  # its name elided, rather than the bar cut, on a narrow canvas
        self.detector.setToolTip("The model that looks for damage; picking another one finds again")
        self.sensitivity_label = QLabel("Sensitivity")
        self.slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(MIN_SENSITIVITY, MAX_SENSITIVITY)
        self.slider.setMinimumWidth(80)  # narrower only where the canvas leaves no room for 190 px
        self.slider.setMaximumWidth(190)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setToolTip("Higher finds more (and more that is not damage); the proposal follows at once")
        self.button_box = QWidget()
        self.buttons = QHBoxLayout(self.button_box)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(120)
        self.buttons.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel")
        self.keep_button = QPushButton("Keep")
        self.keep_button.setToolTip("Keep the proposal and close this bar; refine it with the brush and eraser")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Take the proposal out of the mask")
        for button in (self.cancel_button, self.keep_button, self.discard_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays for panning
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)  # a narrow window wraps the hint instead of cutting it
        self.rows = 0
        self._arrange(1)
        self.hide()

    @property
    def two_rows(self) -> bool:
        """Whether the bar is stacked (the buttons under the detector and sensitivity, or lower)."""
        return self.rows > 1

    def set_running(self, running: bool) -> None:
        """Progress and Cancel while the detector runs, Keep and Discard after."""
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.keep_button.setVisible(not running)
        self.discard_button.setVisible(not running)
        self.detector.setEnabled(not running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first report
        self.place()

    def _arrange(self, rows: int) -> None:
        """Lay the bar out in ``rows``: 1, all in a row; 2, the buttons under the detector and
        sensitivity; 3 (a very narrow canvas), the sensitivity under the detector, then the buttons."""
        widgets = (self.detector_label, self.detector, self.sensitivity_label, self.slider, self.button_box,
                   self.message)
        for widget in widgets:
            self.grid.removeWidget(widget)
        for column in range(5):
            self.grid.setColumnStretch(column, 0)
        places = {1: [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4, 1, 1), (1, 0, 1, 5)],
                  2: [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0, 1, 4), (2, 0, 1, 4)],
                  3: [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0, 1, 2), (3, 0, 1, 2)]}[rows]
        for widget, place in zip(widgets, places):
            self.grid.addWidget(widget, *place)
        self.grid.setColumnStretch(1 if rows == 3 else 3, 1)  # the room left goes to the slider
        self.rows = rows

    def place(self) -> None:
        """At the bottom of the canvas, centred; in two or three rows where one would not fit."""
        canvas = self.parentWidget()
        margins = self.grid.contentsMargins()
        gap = max(self.grid.horizontalSpacing(), 0)
        frame = margins.left() + margins.right() + 2 * self.frameWidth()
        detector = self.detector_label.sizeHint().width() + gap + self.detector.sizeHint().width()
        sensitivity = self.sensitivity_label.sizeHint().width() + gap + self.slider.maximumWidth()
        buttons = self.button_box.sizeHint().width()
        room = canvas.width() - 16
        one_row = detector + sensitivity + buttons + 3 * gap + frame
        two_rows = max(detector + sensitivity + gap, buttons) + frame
        if one_row <= room:
            rows, wanted = 1, one_row
        elif two_rows <= room:
            rows, wanted = 2, two_rows
        else:
            rows, wanted = 3, max(detector, sensitivity, buttons) + frame
        if rows != self.rows:
            self._arrange(rows)
        self.adjustSize()
        # As wide as the slider at full length needs, where the canvas has the room: sized to its hint
        # alone, the slider got about 75 px for 99 steps, and a short drag ran from 25 to 99.
        width = min(max(self.sizeHint().width(), wanted), room)
        self.resize(width, self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height())
        self.move(max(8, (canvas.width() - width) // 2), max(0, canvas.height() - self.height() - 12))


class FindDamage(WindowTool):
    """Find damage in ``window`` (its ``canvas``, ``document``, ``registry``, ``device``, ``settings``).

    ``finished`` after every detector run, however it ended; ``proposed`` after the
    proposal in the mask changed (a find or a slider move).
    """

    finished = Signal()
    proposed = Signal()

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        #: The kept probability map of the live proposal (``None`` when there is none).
        self.probability: np.ndarray | None = None
        self._model: Model | None = None  # the detector that made the map
        self._document = None  # the document the map (or the run) belongs to
        self._step = None  # the proposal's history step (None: the proposal changed nothing)
        self._anchor = None  # the last history step before the proposal
        self._replacing = False
        self._watched = None  # the document whose history is followed
        self.bar = DamageBar(window.canvas)
        self.bar.slider.setValue(int(window.settings.value("find_damage/sensitivity", DEFAULT_SENSITIVITY)))
        self.bar.slider.valueChanged.connect(self._sensitivity_changed)
        self.bar.detector.activated.connect(self._detector_picked)
        self.bar.cancel_button.clicked.connect(self.cancel)
        self.bar.keep_button.clicked.connect(self.keep)
        self.bar.discard_button.clicked.connect(self.discard)
        # A slider drag on a large photo: at most one re-threshold every 80 ms, and always the last value.
        self._update_throttled = qthrottled(self.update_proposal, timeout=80, leading=True)
        window.canvas.installEventFilter(self)
        window.documentChanged.connect(self._document_changed)

    @property
    def live(self) -> bool:
        """Whether the proposal can still be changed: it is the document's last step."""
        document = self.window.document
        if self.probability is None or document is None or document is not self._document:
            return False
        applied = document.history.applied
        last = applied[-1] if applied else None
        return last is (self._step if self._step is not None else self._anchor)

    @property
    def threshold(self) -> float:
        """The threshold the sensitivity slider stands for."""
        return 1.0 - self.bar.slider.value() / 100.0

    def detectors(self) -> list[Model]:
        """The installed detect models, the default first."""
        registry = self.window.registry
        if registry is None or not registry.by_task("detect"):
            return []
        default = registry.default_for("detect")
        return [default] + [m for m in registry.by_task("detect") if m is not default]

    def chosen(self) -> Model | None:
        """The detector the person picked last time, else the registry's default."""
        detectors = self.detectors()
        name = self.window.settings.value("find_damage/detector", "")
        return next((m for m in detectors if m.name == name), detectors[0] if detectors else None)

    # -- finding ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the chosen detector on the photo (Ctrl+D)."""
        window = self.window
        status = window.statusBar()
        if window.document is None:
            status.showMessage("Open a photo first: Find damage looks for scratches and dust in it.", 5000)
            return
        if self.running:
            status.showMessage("Still finding damage: wait for it or press Cancel (Esc).", 4000)
            QApplication.beep()
            return
        model = self.chosen()
        if model is None:
            status.showMessage("The models are still loading…" if window.registry is None
                               else "No damage finder is installed.", 5000)
            return
        if not self.live:
            self._forget()
        self._fill_detectors(model)
        document = window.document
        photo = document.rgb.copy()  # a snapshot: the person may keep painting meanwhile
        params = model.resolve_params(None)
        device = window.device

        def find(job) -> np.ndarray:
            return probability(model, photo, params, device=resolve_device(device), job=job)

        self._document = document
        self.run = JobRun(find, self)
        self.run.progressed.connect(self._progressed)
        self.run.succeeded.connect(lambda prob: self._found(model, document, prob))
        self.run.failed.connect(self._failed)
        self.run.finished.connect(self._run_finished)
        self.bar.message.setText(f"{model.label}: looking for damage…")
        self.bar.set_running(True)
        self.bar.show()
        self.bar.raise_()
        self._launch(self.run)

    def cancel(self) -> None:
        """Esc: stop the detector under way, or else dismiss a proposal under review as Discard does
        (Redo brings it back)."""
        if self.running:
            self.run.cancel()
            self.bar.message.setText("Cancelling…")
        elif self.cancellable:
            self.discard()
            self.window.statusBar().showMessage("Proposal discarded; Ctrl+Shift+Z brings it back.", 5000)

    @property
    def cancellable(self) -> bool:
        """Whether Esc has something to do: stop the detector, or dismiss the proposal under review."""
        return self.running or (self.bar.isVisible() and self.probability is not None)

    def _fill_detectors(self, current: Model) -> None:
        combo = self.bar.detector
        combo.clear()
        for model in self.detectors():
            combo.addItem(model.label, model.name)
            combo.setItemData(combo.count() - 1, model.description, Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(max(0, combo.findData(current.name)))

    def _sensitivity_of(self, model: Model) -> int:
        """The sensitivity last used with ``model``, else the one its default threshold stands for:
        detectors differ in how sure they are, so one detector's setting can be far off for another."""
        stored = self.window.settings.value(f"find_damage/sensitivity/{model.name}")
        if stored is not None:
            return int(stored)
        threshold = float(model.resolve_params(None).get("threshold", 1 - DEFAULT_SENSITIVITY / 100))
        return min(MAX_SENSITIVITY, max(MIN_SENSITIVITY, round((1 - threshold) * 100)))

    def _detector_picked(self, row: int) -> None:
        settings = self.window.settings
        before = self.chosen()
        if before is not None:
            settings.setValue(f"find_damage/sensitivity/{before.name}", self.bar.slider.value())
        settings.setValue("find_damage/detector", self.bar.detector.itemData(row))
        model = self.chosen()
        if model is not None and model is not before:
            with signals_blocked(self.bar.slider):  # the new find below thresholds its own map
                self.bar.slider.setValue(self._sensitivity_of(model))
            settings.setValue("find_damage/sensitivity", self.bar.slider.value())
        self.start()  # its proposal replaces the one shown, in the same step

    def _progressed(self, progress: Progress) -> None:
        if progress.total > 0:
            self.bar.progress.setRange(0, 1000)
            self.bar.progress.setValue(int(progress.fraction * 1000))

    def _found(self, model: Model, document, prob: np.ndarray) -> None:
        if self.window.document is not document:
            return  # another photo was opened meanwhile
        if not self.live:  # a new proposal, on top of the mask as it is now
            applied = document.history.applied
            self._anchor, self._step = (applied[-1] if applied else None), None
        self.probability, self._model = prob, model
        self.update_proposal()

    def _failed(self, exc: Exception) -> None:
        if not self.live:
            self._forget()  # nothing to show: close the bar
        if isinstance(exc, Cancelled):
            self.window.statusBar().showMessage("Find damage cancelled; the mask is unchanged.", 4000)
            self.bar.message.setText("Cancelled: the proposal shown is the one found before.")
        elif isinstance(exc, RestorerError):
            self.window.show_error("Cannot find damage", str(exc))
        else:  # a bug in a plugin: say which, keep the traceback for the report
            self.window.show_error("Cannot find damage", f"The detector raised an unexpected error: "
                                   f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))

    def _run_finished(self) -> None:
        self.bar.set_running(False)
        self.finished.emit()

    # -- the proposal -----------------------------------------------------------------------

    def update_proposal(self) -> None:
        """Threshold the kept map at the slider's value and put the result in the mask, in the proposal's step."""
        if not self.live:
            return
        document = self.window.document
        grow = int(self._model.resolve_params(None).get("grow", 0))
        found = proposal(self.probability, self.threshold, grow)
        self._replacing = True
        try:
            if self._step is not None:
                document.history.undo()  # back to the mask before the proposal; the push below replaces it
            coverage = np.where(found, np.uint8(255), document.mask.coverage)
            self._step = document.mask.set_mask(coverage, DESCRIPTION)
        finally:
            self._replacing = False
        share = found.mean() * 100
        self.bar.message.setText(f"{self._model.label}: {share:.1f} % of the photo proposed. "
                                 "Erase false finds (E), paint missed ones (B); Ctrl+Z takes it all back.")
        self.bar.place()
        self.proposed.emit()
        self.busyChanged.emit()

    def _sensitivity_changed(self, value: int) -> None:
        self.window.settings.setValue("find_damage/sensitivity", value)
        self._update_throttled()

    def keep(self) -> None:
        """Keep the proposal as it is and close the bar."""
        self._forget()

    def discard(self) -> None:
        """Take the proposal out of the mask (if it is still the last step) and close the bar."""
        if self.live and self._step is not None:
            self._replacing = True
            try:
                self.window.document.history.undo()
            finally:
                self._replacing = False
        self._forget()

    def _forget(self) -> None:
        self.probability = self._model = self._step = self._anchor = None
        self.bar.hide()
        self.busyChanged.emit()

    def _history_changed(self) -> None:
        # Any other edit (a stroke, an undo) ends the proposal: it is part of the mask like any other step.
        if not self._replacing and self.probability is not None and not self.live:
            self._forget()

    def _document_changed(self, document) -> None:
        self.cancel()
        self._forget()
        if self._watched is not None:
            self._watched.history.changed.disconnect(self._history_changed)
        self._watched = document
        if document is not None:
            document.history.changed.connect(self._history_changed)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and self.bar.isVisible():
            self.bar.place()
        return False


__all__ = ["DESCRIPTION", "DamageBar", "FindDamage"]
