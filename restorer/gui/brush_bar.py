"""The brush bar: the tools, the brush size and its hardness, bound to the window's :class:`BrushSettings`.

The bar and the canvas both bind to the same evented settings (napari's pattern): a
slider sets an attribute, and the settings' signals move every view, the sliders
included (with their signals blocked, so nothing echoes back). The bar holds the
settings, not the window.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolBar, QWidget
from superqt import QLabeledSlider
from superqt.utils import signals_blocked

from restorer.editing.brush import MAX_SIZE, MIN_SIZE, BrushSettings


class BrushBar(QToolBar):
    """Tool buttons (``tools``: tool name to its checkable action), a size slider and a hardness slider."""

    def __init__(self, brush: BrushSettings, tools: Mapping[str, QAction], parent: QWidget | None = None):
        super().__init__("Brush", parent)
        self.setObjectName("brush")
        self.setMovable(False)
        self.brush = brush
        self.tools = dict(tools)
        for action in self.tools.values():
            self.addAction(action)
        self.addWidget(QLabel(" Size "))
        self.size_slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_SIZE, MAX_SIZE)
        self.size_slider.setValue(brush.size)
        self.size_slider.setFixedWidth(140)
        self.size_slider.setToolTip("Brush diameter in photo pixels ([ and ])")
        self.size_slider.valueChanged.connect(self._set_size)
        self.addWidget(self.size_slider)
        self.addWidget(QLabel("  Hardness "))
        self.hardness_slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.hardness_slider.setRange(0, 100)
        self.hardness_slider.setValue(round(brush.hardness * 100))
        self.hardness_slider.setFixedWidth(110)
        self.hardness_slider.setToolTip("100: crisp edge. Lower: the repair fades out at the edge")
        self.hardness_slider.valueChanged.connect(self._set_hardness)
        self.addWidget(self.hardness_slider)
        brush.tool_changed.connect(self._show_tool)
        brush.size_changed.connect(self._show_size)
        brush.hardness_changed.connect(self._show_hardness)
        self._show_tool(brush.tool)

    def _set_size(self, size: int) -> None:
        self.brush.size = size

    def _set_hardness(self, value: int) -> None:
        self.brush.hardness = value / 100

    # The bar follows the settings, whoever changed them.

    def _show_tool(self, tool: str) -> None:
        self.tools[tool].setChecked(True)

    def _show_size(self, size: int, _old: int | None = None) -> None:
        with signals_blocked(self.size_slider):
            self.size_slider.setValue(size)

    def _show_hardness(self, hardness: float, _old: float | None = None) -> None:
        with signals_blocked(self.hardness_slider):
            self.hardness_slider.setValue(round(hardness * 100))
