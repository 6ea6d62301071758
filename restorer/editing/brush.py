"""The brush settings: which tool paints, how big and how hard its edge is. No Qt.

One :class:`BrushSettings` belongs to a window. The canvas paints with it and the
toolbar shows it; both bind to it, as napari's widgets bind to an evented model:
a widget sets an attribute, and every view hears of the change through the
attribute's signal (psygnal, connected weakly: a closed widget is not kept alive).
Setting an attribute clamps it to its range; setting the value it already has
emits nothing, so a widget that echoes the value back does not loop.
"""

from __future__ import annotations

from psygnal import Signal

#: What the left button does: paint the mask, unpaint it, or drag a box around an object (Smart Select).
TOOLS = ("brush", "eraser", "select", "select-stroke")
#: Brush diameters a person can pick, in image pixels.
MIN_SIZE, MAX_SIZE = 1, 500
#: ``]`` and ``[`` change the size by about this fraction (at least one pixel).
SIZE_STEP = 0.15


class BrushSettings:
    """The tool, the brush diameter (image pixels) and the hardness (0 soft .. 1 hard edge).

    ``tool_changed(tool)``, ``size_changed(size, old size)`` and
    ``hardness_changed(hardness, old hardness)`` fire after a change.
    """

    tool_changed = Signal(str)
    size_changed = Signal(int, int)
    hardness_changed = Signal(float, float)

    def __init__(self, *, tool: str = "brush", size: int = 40, hardness: float = 1.0):
        self._tool = self._checked_tool(tool)
        self._size = self._clamped_size(size)
        self._hardness = self._clamped_hardness(hardness)

    @property
    def tool(self) -> str:
        """``"brush"``, ``"eraser"``, ``"select"`` (a box) or ``"select-stroke"`` (a rough stroke)."""
        return self._tool

    @tool.setter
    def tool(self, tool: str) -> None:
        tool = self._checked_tool(tool)
        if tool != self._tool:
            self._tool = tool
            self.tool_changed.emit(tool)

    @property
    def size(self) -> int:
        """Brush diameter in image pixels (:data:`MIN_SIZE` to :data:`MAX_SIZE`)."""
        return self._size

    @size.setter
    def size(self, size: float) -> None:
        size, old = self._clamped_size(size), self._size
        if size != old:
            self._size = size
            self.size_changed.emit(size, old)

    @property
    def hardness(self) -> float:
        """0 (soft, feathered edge) to 1 (hard edge)."""
        return self._hardness

    @hardness.setter
    def hardness(self, hardness: float) -> None:
        hardness, old = self._clamped_hardness(hardness), self._hardness
        if hardness != old:
            self._hardness = hardness
            self.hardness_changed.emit(hardness, old)

    @property
    def erases(self) -> bool:
        """Whether a stroke unpaints (the eraser)."""
        return self._tool == "eraser"

    def set_tool(self, tool: str) -> None:
        """Pick the tool (the same as setting :attr:`tool`; a method, for a menu command to call)."""
        self.tool = tool

    def step_size(self, direction: int) -> None:
        """``]`` (``+1``) and ``[`` (``-1``): about :data:`SIZE_STEP` bigger or smaller, at least one pixel."""
        self.size = self._size + direction * max(1, round(self._size * SIZE_STEP))

    @staticmethod
    def _checked_tool(tool: str) -> str:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; one of {', '.join(TOOLS)}")
        return tool

    @staticmethod
    def _clamped_size(size: float) -> int:
        return int(min(MAX_SIZE, max(MIN_SIZE, size)))

    @staticmethod
    def _clamped_hardness(hardness: float) -> float:
        return float(min(1.0, max(0.0, hardness)))
