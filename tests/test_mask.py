"""The mask model without Qt: strokes replayed as points, like napari's labels-layer tests."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.editing.history import History
from restorer.editing.mask import MaskLayer


def centres_within(shape, segment, radius):
    """Brute force: pixels whose centre lies within ``radius`` of the segment."""
    (x0, y0), (x1, y1) = segment
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] + 0.5
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
    return np.hypot(xs - x0 - t * dx, ys - y0 - t * dy) <= radius


def test_a_stroke_paints_under_it_and_nowhere_else():
    layer = MaskLayer(60, 100)
    layer.stroke([(20.5, 30.5), (80.5, 30.5)], size=9)
    expected = centres_within((60, 100), ((20.5, 30.5), (80.5, 30.5)), 4.5)
    assert np.array_equal(layer.mask, expected)
    assert layer.mask[26:35, 50].all() and not layer.mask[25, 50] and not layer.mask[35, 50]
    assert not layer.mask[:, :16].any() and not layer.mask[:, 86:].any()


def test_a_one_pixel_brush_paints_one_pixel():
    layer = MaskLayer(10, 10)
    layer.stroke([(4.5, 6.5)], size=1)
    assert np.argwhere(layer.mask).tolist() == [[6, 4]]


def test_strokes_are_continuous_between_far_apart_points():
    layer = MaskLayer(50, 200)
    points = [(10.5 + 45 * i, 25.5 + (8 if i % 2 else -8)) for i in range(5)]  # 45 px jumps
    layer.stroke(points, size=3)
    import cv2

    count, _ = cv2.connectedComponents(layer.mask.astype(np.uint8), connectivity=4)
    assert count == 2  # background + one unbroken stroke
    assert layer.mask[:, 10:190].any(axis=0).all()  # every column between the ends is touched


def test_eraser_removes_only_under_it():
    layer = MaskLayer(40, 40)
    layer.stroke([(5.5, 20.5), (35.5, 20.5)], size=11)
    before = layer.mask.copy()
    layer.stroke([(20.5, 5.5), (20.5, 35.5)], size=5, erase=True)
    erased = centres_within((40, 40), ((20.5, 5.5), (20.5, 35.5)), 2.5)
    assert not layer.mask[erased].any()
    assert np.array_equal(layer.mask[~erased], before[~erased])


def test_undo_redo_is_per_stroke_and_a_new_stroke_clears_redo():
    layer = MaskLayer(40, 40)
    layer.stroke([(5.5, 5.5), (15.5, 5.5)], size=3)
    first = layer.coverage.copy()
    layer.stroke([(5.5, 30.5), (35.5, 30.5)], size=3)
    both = layer.coverage.copy()
    assert layer.history.undo() is not None
    assert np.array_equal(layer.coverage, first)
    assert layer.history.undo() is not None
    assert not layer.any()
    assert layer.history.undo() is None
    layer.history.redo()
    layer.history.redo()
    assert np.array_equal(layer.coverage, both)
    layer.history.undo()
    layer.stroke([(30.5, 5.5)], size=3)
    assert not layer.history.can_redo


def test_history_is_bounded():
    layer = MaskLayer(20, 20, History(max_steps=3))
    for i in range(6):
        layer.stroke([(i * 3 + 1.5, 10.5)], size=1)
    for _ in range(3):
        assert layer.history.undo() is not None
    assert layer.history.undo() is None
    assert layer.mask.sum() == 3  # the three oldest strokes can no longer be undone


def test_history_is_bounded_by_memory():
    layer = MaskLayer(100, 100, History(max_steps=100, max_bytes=25_000))
    for i in range(5):
        layer.clear() if i % 2 else layer.invert()
    assert len(layer.history.applied) == 2  # each full-mask step holds 10 kB
    assert layer.history.nbytes <= 25_000


def test_clear_invert_grow_shrink_each_undo_in_one_step():
    layer = MaskLayer(50, 50)
    layer.stroke([(25.5, 25.5)], size=11)
    painted = layer.coverage.copy()
    layer.invert()
    assert np.array_equal(layer.mask, ~(painted > 0))
    layer.history.undo()
    assert np.array_equal(layer.coverage, painted)
    layer.grow(3)
    assert layer.mask.sum() > (painted > 0).sum() and layer.mask[painted > 0].all()
    assert layer.mask[25, 25 + 5 + 3] and not layer.mask[25, 25 + 5 + 5]
    layer.history.undo()
    layer.shrink(2)
    assert layer.mask.sum() < (painted > 0).sum() and not layer.mask[~(painted > 0)].any()
    layer.history.undo()
    layer.clear()
    assert not layer.any()
    layer.history.undo()
    assert np.array_equal(layer.coverage, painted)


def test_shrink_keeps_a_mask_touching_the_border():
    layer = MaskLayer(30, 30)
    layer.stroke([(0.5, 15.5), (10.5, 15.5)], size=9)
    layer.shrink(2)
    assert layer.mask[15, 0]


def test_soft_brush_fades_towards_its_edge():
    layer = MaskLayer(60, 60)
    layer.stroke([(30.5, 30.5)], size=40, hardness=0.25)
    row = layer.coverage[30, 30:52].astype(int)
    assert row[0] == 255 and row[-1] == 0
    assert (np.diff(row) <= 0).all()
    assert ((row > 0) & (row < 255)).sum() >= 10  # a real ramp, not a step


def test_abort_drops_the_stroke_under_way():
    layer = MaskLayer(30, 30)
    layer.stroke([(5.5, 5.5)], size=3)
    kept = layer.coverage.copy()
    layer.begin_stroke(20.5, 20.5, size=5)
    layer.extend_stroke(25.5, 25.5)
    layer.abort_stroke()
    assert np.array_equal(layer.coverage, kept)
    assert len(layer.history.applied) == 1


def test_a_segment_touches_only_its_own_rectangle_on_a_24_megapixel_mask():
    layer = MaskLayer(4000, 6000)
    changed = []
    layer.changed.connect(changed.append)
    layer.begin_stroke(3000.5, 2000.5, size=40)
    box = layer.extend_stroke(3010.5, 2004.5)
    layer.end_stroke()
    assert box.area < 60 * 50
    assert all(b.area < 60 * 50 for b in changed)
    edit = layer.history.applied[-1]
    assert edit.nbytes < 60 * 50  # the undo step stores the touched rectangle, not the whole mask


def test_set_mask_checks_the_size():
    layer = MaskLayer(10, 10)
    with pytest.raises(ValueError):
        layer.set_mask(np.zeros((5, 5), bool))
    wanted = np.zeros((10, 10), bool)
    wanted[2:4, 3:7] = True
    layer.set_mask(wanted)
    assert np.array_equal(layer.mask, wanted)


def test_the_editing_model_imports_no_qt():
    import subprocess
    import sys

    code = ("import sys\n"
            "import restorer.editing.mask, restorer.editing.history, restorer.editing.document\n"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'superqt'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


class _View:
    """Stands for a widget that shows the mask: it records what it is told."""

    def __init__(self, calls: list):
        self.calls = calls

    def mask_changed(self, box) -> None:
        self.calls.append(("mask", box))

    def history_changed(self) -> None:
        self.calls.append(("history",))


def test_a_deleted_listener_is_neither_kept_alive_nor_called():
    import gc
    import weakref

    layer = MaskLayer(20, 20)
    calls = []
    view = _View(calls)
    layer.changed.connect(view.mask_changed)
    layer.history.changed.connect(view.history_changed)
    layer.stroke([(5.5, 5.5)], size=3)
    assert ("history",) in calls and calls[0][0] == "mask"  # connected, it is told

    gone = weakref.ref(view)
    del view
    gc.collect()
    assert gone() is None  # the mask and its history hold no strong reference to a view
    calls.clear()
    layer.stroke([(10.5, 10.5)], size=3)
    layer.history.undo()
    assert calls == []


def test_a_disconnected_listener_is_not_called():
    layer = MaskLayer(20, 20)
    calls = []
    view = _View(calls)
    layer.changed.connect(view.mask_changed)
    layer.changed.disconnect(view.mask_changed)
    layer.stroke([(5.5, 5.5)], size=3)
    assert calls == []
