"""Undo history shared by the mask and the photo of one document. No Qt.

An edit is anything with ``undo()``, ``redo()``, a ``description`` and a size in
bytes. One brush stroke, one mask operation or one model result is one edit.
The history is bounded by a number of steps and by memory: the oldest steps are
dropped first, the newest is always kept. A new edit clears what could be redone.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

import numpy as np
from psygnal import Signal

from restorer.geometry import Box


class Edit(Protocol):
    """One undoable step."""

    description: str
    nbytes: int

    def undo(self) -> None:  # noqa: D102
        ...

    def redo(self) -> None:  # noqa: D102
        ...


class RegionSwap:
    """An edit of a rectangle of one array, stored as the other side of the change.

    Undo and redo both swap the stored pixels with the array's, so one copy of the
    rectangle is kept whichever way the edit was last applied.
    """

    def __init__(self, description: str, box: Box, saved: np.ndarray,
                 apply: Callable[[Box, np.ndarray], np.ndarray]):
        self.description = description
        self.box = box
        self._saved = saved
        self._apply = apply  # writes pixels into the box, returns what was there

    @property
    def nbytes(self) -> int:
        """Memory held by this step."""
        return int(self._saved.nbytes)

    def undo(self) -> None:
        """Put the stored pixels back (and keep the ones they replace, for redo)."""
        self._saved = self._apply(self.box, self._saved)

    redo = undo


class CompoundEdit:
    """Several edits undone and redone as one step (e.g. a repair that also clears the mask)."""

    def __init__(self, description: str, edits: Sequence[Edit]):
        self.description = description
        self.edits = list(edits)

    @property
    def nbytes(self) -> int:
        """Memory held by the parts."""
        return sum(edit.nbytes for edit in self.edits)

    def undo(self) -> None:
        """Undo the parts, last first."""
        for edit in reversed(self.edits):
            edit.undo()

    def redo(self) -> None:
        """Redo the parts in order."""
        for edit in self.edits:
            edit.redo()


class History:
    """A bounded undo/redo stack.

    :attr:`changed` fires after every push, undo and redo. Its connections to bound methods
    are weak (psygnal): a closed window is not kept alive by the history it showed.
    """

    changed = Signal()

    def __init__(self, max_steps: int = 100, max_bytes: int = 1 << 30):
        self.max_steps = max_steps
        self.max_bytes = max_bytes
        self._done: list[Edit] = []
        self._undone: list[Edit] = []

    def push(self, edit: Edit) -> None:
        """Record an edit that has just been applied; forget what could be redone."""
        self._done.append(edit)
        self._undone.clear()
        while len(self._done) > 1 and (len(self._done) > self.max_steps
                                       or sum(e.nbytes for e in self._done) > self.max_bytes):
            self._done.pop(0)
        self.changed.emit()

    def undo(self) -> Edit | None:
        """Undo the last edit; ``None`` when there is nothing to undo."""
        if not self._done:
            return None
        edit = self._done.pop()
        edit.undo()
        self._undone.append(edit)
        self.changed.emit()
        return edit

    def redo(self) -> Edit | None:
        """Redo the last undone edit; ``None`` when there is nothing to redo."""
        if not self._undone:
            return None
        edit = self._undone.pop()
        edit.redo()
        self._done.append(edit)
        self.changed.emit()
        return edit

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would do something."""
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would do something."""
        return bool(self._undone)

    @property
    def undo_description(self) -> str:
        """What :meth:`undo` would undo, or ``""``."""
        return self._done[-1].description if self._done else ""

    @property
    def redo_description(self) -> str:
        """What :meth:`redo` would redo, or ``""``."""
        return self._undone[-1].description if self._undone else ""

    @property
    def applied(self) -> tuple[Edit, ...]:
        """The edits currently applied, oldest first."""
        return tuple(self._done)

    @property
    def nbytes(self) -> int:
        """Memory held by the whole history."""
        return sum(e.nbytes for e in self._done) + sum(e.nbytes for e in self._undone)
