"""The Train tab's view of a run: the progress bar, the rate and losses, the message line, the verdict on
the photos left out of training, the live loss plot and the trainer's preview."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from restorer.errors import as_sentence
from restorer.gui.display import to_pixmap
from restorer.gui.training.worker import Tick

#: Metrics named with any of these are measures in dB, not losses: on the loss axis they would flatten
#: every loss to a line at 0, so their curves start hidden (a click on the legend shows them).
HIDDEN_AT_FIRST = ("psnr",)
#: What the trainers' metric keys are called on screen (others as they are, underscores as spaces).
METRIC_NAMES = {"l1": "L1", "hole_psnr": "hole PSNR", "psnr": "PSNR", "bce": "BCE", "dice": "Dice", "f1": "F1",
                "kl": "KL", "adv": "adversarial", "loss_d": "discriminator", "loss_g": "generator"}


def metric_name(key: str) -> str:
    """The on-screen name of a training metric."""
    return METRIC_NAMES.get(key, key.replace("_", " "))


def metric_text(key: str, value: float) -> str:
    """``name value``: PSNR in dB with two decimals, the rest to four significant digits."""
    if "psnr" in key:
        return f"{metric_name(key)} {value:.2f} dB"
    return f"{metric_name(key)} {value:.4g}"


def _shown(losses: dict[str, float]) -> dict[str, float]:
    """``losses`` without ``loss`` where it is only another term under a second name (a trainer with one
    loss term reports both, and the plot would draw one curve twice)."""
    total = losses.get("loss")
    if total is not None and any(k != "loss" and "psnr" not in k and v == total for k, v in losses.items()):
        return {k: v for k, v in losses.items() if k != "loss"}
    return losses
_NO_PREVIEW = "The preview appears here while training."
_PREVIEW_SOON = "Training has begun: its first preview comes after a few steps."


def format_eta(seconds: float) -> str:
    """``"1 h 05 min"``, ``"4 min 10 s"`` or ``"12 s"``."""
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class TrainingMonitor(QWidget):
    """Shows one run at a time: :meth:`begin` clears what the last run left, :meth:`show_tick` adds
    what the worker reported."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._history: dict[str, tuple[list[int], list[float]]] = {}
        #: Warnings about the current run's folders (unreadable files, small photos), kept on screen.
        self._notices: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.progress = QProgressBar()
        self.progress.setFormat("not started")  # not "step 0 / 1" before any run
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.stats = QLabel("")
        self.stats.setWordWrap(True)
        layout.addWidget(self.stats)
        #: After a finished run: the new weights against the starting ones on photos left out of training.
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.verdict)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(210)
        self.plot.setToolTip("Click a name in the legend to hide or show its curve "
                             "(the axis fits the curves shown).")
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        # The axes always fit the curves: no zoom or pan by mouse, whose wheel would otherwise zoom the
        # plot instead of scrolling the panel when it passes over it, and leave it zoomed away from
        # every later curve.
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        # The legend in a row of its own above the curves, where the (unused) title would be: inside
        # the plot it covered them.
        item = self.plot.plotItem
        item.layout.removeItem(item.titleLabel)
        item.titleLabel.hide()
        legend = pg.LegendItem(colCount=4, verSpacing=-6)
        item.layout.addItem(legend, 0, 1)
        item.legend = legend  # curves plotted with a name join it
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        layout.addWidget(self.plot)
        self.preview = QLabel(_NO_PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(96)
        layout.addWidget(self.preview)

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` under the progress bar (red for errors), above this run's folder warnings."""
        self.message.setStyleSheet("color: #ff7b72;" if error else "")
        self.message.setText("\n".join([as_sentence(text), *self._notices]))

    def add_notice(self, text: str) -> None:
        """Keep a warning about the run's folders on screen under the message, until the next run."""
        self._notices.append(text)
        self.show_message(self.message.text().split("\n")[0])

    def show_verdict(self, text: str) -> None:
        """Show how the finished run did on the photos left out of training."""
        self.verdict.setText(text)

    def begin(self, steps: int) -> None:
        """Clear the last run's curves, preview, figures and warnings for a run of ``steps`` steps."""
        for curve in self._curves.values():
            self.plot.removeItem(curve)
        self._curves.clear()
        self._history.clear()
        self._notices = []
        legend = self.plot.plotItem.legend
        if legend is not None:
            legend.clear()
        self.preview.clear()
        self.preview.setText(_PREVIEW_SOON)  # "appears here while training" read wrong once it was
        self.plot.enableAutoRange()
        self.progress.setFormat("step %v / %m")
        self.progress.setRange(0, steps)
        self.progress.setValue(0)
        self.stats.setText("")
        self.verdict.setText("")

    def show_tick(self, tick: Tick, batch_size: int = 1) -> None:
        """Add what the worker reported: every step's losses to the plot, the rate, ETA and preview."""
        self.progress.setMaximum(max(tick.total, 1))
        self.progress.setValue(tick.step)
        for step, losses in tick.losses:
            for key, value in _shown(losses).items():
                steps, values = self._history.setdefault(key, ([], []))
                steps.append(step)
                values.append(value)
        for key, (steps, values) in self._history.items():
            curve = self._curves.get(key)
            if curve is None:
                curve = self.plot.plot(name=metric_name(key), pen=pg.mkPen(pg.intColor(len(self._curves), hues=6), width=1.5))
                self._curves[key] = curve
                if any(word in key for word in HIDDEN_AT_FIRST):
                    curve.setVisible(False)
            curve.setData(np.asarray(steps), np.asarray(values))
        parts = []
        if tick.images_per_s > 0:
            parts.append(f"{tick.images_per_s:.1f} images/s")
            parts.append(f"ETA {format_eta((tick.total - tick.step) * batch_size / tick.images_per_s)}")
        if tick.losses:
            parts.append("  ".join(metric_text(k, v) for k, v in _shown(tick.losses[-1][1]).items()))
        if tick.skipped:
            parts.append(f"{tick.skipped} unreadable file(s) skipped")
        self.stats.setText(" · ".join(parts))
        if tick.preview is not None:
            self.preview.setPixmap(to_pixmap(tick.preview).scaled(
                max(self.preview.width(), 96), 160, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
