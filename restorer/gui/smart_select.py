"""Smart selection in the window: drag a box around an object, or paint a rough stroke on it (Shift+W),
and it joins the mask.

With the Smart Select tool (W) the canvas reports each box dragged out
(:attr:`Canvas.boxDrawn`). GrabCut (:func:`restorer.selection.object_in_box`)
finds the object inside it on a worker thread (about a second and a half on a
megapixel), and the object is added to the mask as one undo step, a few pixels past its
outline (:func:`restorer.selection.grown_for_repair`, so that the repair leaves
no silhouette), or taken out of it, exactly, when Alt was held as the drag
began (Shift, or nothing, adds: as in GIMP and Photoshop). While GrabCut works, the
box stays on the canvas, dashed (:meth:`Canvas.set_pending`).
"""

from __future__ import annotations

import traceback

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QMainWindow

from restorer.errors import Cancelled, RestorerError
from restorer.geometry import Box
from restorer.gui.runner import JobRun, WindowTool
from restorer.selection import MIN_SIDE, grown_for_repair, object_in_box, object_under_stroke


class SmartSelect(WindowTool):
    """The smart selections of ``window`` (its ``canvas``, ``document``, status bar and ``show_error``).

    ``finished`` after every selection, however it ended.
    """

    finished = Signal()

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self._document = None  # the document the running selection belongs to
        self._subtract = False
        window.canvas.boxDrawn.connect(self.select)
        window.canvas.pathDrawn.connect(self.select_stroke)

    def select(self, box: Box, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """Find the object in ``box`` (photo pixels) and add it to the mask, or take it out with Alt."""
        window = self.window
        document = window.document
        if document is None:
            return
        status = window.statusBar()
        if self.running:
            status.showMessage("Still selecting the last box: wait a moment, or press Esc.", 4000)
            QApplication.beep()
            return
        if box.bottom - box.top < MIN_SIDE or box.right - box.left < MIN_SIDE:
            status.showMessage("Drag a box around the object (Alt-drag takes it out of the mask).", 5000)
            return
        photo = document.rgb.copy()  # a snapshot: the person may keep painting meanwhile
        window.canvas.set_pending(box)  # the box stays on screen, dashed, until the object is found
        self._start(document, modifiers, lambda job: object_in_box(photo, box, job=job))

    def select_stroke(self, points: list, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """Find the object under the path ``points`` (image ``(x, y)``), painted as wide as the brush, and
        add it to the mask, or take it out with Alt."""
        import cv2

        window = self.window
        document = window.document
        if document is None or not points:
            return
        if self.running:
            window.statusBar().showMessage("Still selecting: wait a moment, or press Esc.", 4000)
            QApplication.beep()
            return
        width, height = document.size
        stroke = np.zeros((height, width), np.uint8)
        path = np.round(np.asarray(points, np.float64) - 0.5).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(stroke, [path], False, 1, max(1, round(window.brush.size)))
        if not stroke.any():
            window.statusBar().showMessage("Paint the stroke on the photo itself.", 5000)
            return
        photo = document.rgb.copy()
        self._start(document, modifiers, lambda job: object_under_stroke(photo, stroke > 0, job=job))

    def _start(self, document, modifiers: Qt.KeyboardModifier, work) -> None:
        self._document = document
        self._subtract = bool(modifiers & Qt.KeyboardModifier.AltModifier)
        if not self._subtract:  # added to be repaired away: with a margin past its outline
            found = work
            work = lambda job: grown_for_repair(found(job))  # noqa: E731
        self.run = JobRun(work, self)
        self.run.succeeded.connect(self._selected)
        self.run.failed.connect(self._failed)
        self.run.progressed.connect(self._progressed)
        self.run.finished.connect(self._done)
        self.run.finished.connect(self.finished)
        self.window.statusBar().showMessage("Selecting the object… (Esc cancels)")
        # GrabCut takes seconds on a large photo: the busy cursor says so (painting and panning still work).
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self._launch(self.run)

    def _progressed(self, progress) -> None:
        if progress.total > 0 and progress.done < progress.total:
            self.window.statusBar().showMessage(
                f"Selecting the object… {100 * progress.done // progress.total} % (Esc cancels)")

    def _done(self) -> None:
        QApplication.restoreOverrideCursor()
        self.window.canvas.set_pending(None)

    def cancel(self) -> None:
        """Stop the selection under way, if any (at GrabCut's next iteration)."""
        if self.running:
            self.run.cancel()

    def _selected(self, selection: np.ndarray) -> None:
        window = self.window
        document = window.document
        if document is None or document is not self._document:
            return  # another photo was opened meanwhile
        mask = document.mask
        if self._subtract:
            step = mask.unpaint(selection, description="Smart selection (subtract)")
        else:
            step = mask.set_mask(np.where(selection, np.uint8(255), mask.coverage), "Smart selection")
        if step is None:
            window.statusBar().showMessage("The selection changed nothing in the mask.", 4000)
            return
        verb = "Took" if self._subtract else "Added"
        window.statusBar().showMessage(f"{verb} {int(selection.sum()):,} px {'out of' if self._subtract else 'to'} "
                                       "the mask; Ctrl+Z undoes it.", 5000)

    def _failed(self, exc: Exception) -> None:
        window = self.window
        if isinstance(exc, Cancelled):
            window.statusBar().showMessage("Selection cancelled; the mask is unchanged.", 4000)
        elif isinstance(exc, RestorerError):
            window.statusBar().showMessage(f"{str(exc)[0].upper()}{str(exc)[1:]}.", 6000)
        else:  # a bug: say so, keep the traceback for the report
            window.show_error("Smart selection failed", f"{type(exc).__name__}: {exc}",
                              "".join(traceback.format_exception(exc)))


__all__ = ["SmartSelect"]
