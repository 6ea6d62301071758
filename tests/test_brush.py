"""The brush settings without Qt: clamped values, one signal per change, the [ and ] steps."""

from __future__ import annotations

import pytest

from restorer.editing.brush import MAX_SIZE, MIN_SIZE, BrushSettings


def test_values_are_clamped_and_each_change_is_told_once_with_the_old_value():
    brush = BrushSettings()
    sizes, hardnesses, tools = [], [], []
    brush.size_changed.connect(lambda size, old: sizes.append((size, old)))
    brush.hardness_changed.connect(lambda hardness, old: hardnesses.append((hardness, old)))
    brush.tool_changed.connect(tools.append)

    brush.size = 12.7
    brush.size = 12  # the same value: nothing to tell
    brush.size = 10_000
    brush.size = 0
    assert sizes == [(12, 40), (MAX_SIZE, 12), (MIN_SIZE, MAX_SIZE)]
    brush.hardness = 0.25
    brush.hardness = -3
    brush.hardness = 0.0
    assert hardnesses == [(0.25, 1.0), (0.0, 0.25)]
    brush.tool = "eraser"
    brush.tool = "eraser"
    assert tools == ["eraser"] and brush.erases


def test_an_unknown_tool_is_refused_and_changes_nothing():
    brush = BrushSettings(tool="select")
    with pytest.raises(ValueError, match="unknown tool 'lasso'"):
        brush.tool = "lasso"
    assert brush.tool == "select" and not brush.erases
    with pytest.raises(ValueError):
        BrushSettings(tool="lasso")


def test_size_steps_are_about_fifteen_percent_and_at_least_a_pixel():
    brush = BrushSettings(size=40)
    brush.step_size(+1)
    assert brush.size == 46
    brush.step_size(-1)
    assert brush.size == 39
    brush.size = 2
    brush.step_size(-1)
    brush.step_size(-1)
    assert brush.size == MIN_SIZE
    brush.size = MAX_SIZE
    brush.step_size(+1)
    assert brush.size == MAX_SIZE


def test_a_deleted_view_of_the_brush_is_not_kept_alive():
    import gc
    import weakref

    class Toolbar:
        def __init__(self, shown):
            self.shown = shown

        def show_size(self, size):
            self.shown.append(size)

    brush = BrushSettings()
    shown = []
    toolbar = Toolbar(shown)
    brush.size_changed.connect(toolbar.show_size)
    brush.size = 20
    gone = weakref.ref(toolbar)
    del toolbar
    gc.collect()
    brush.size = 30
    assert gone() is None and shown == [20]
