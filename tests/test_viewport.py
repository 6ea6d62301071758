"""The canvas's viewport arithmetic, without a widget."""

from __future__ import annotations

import pytest

from restorer.editing.viewport import FIT_MARGIN, ZOOM_LEVELS, ZOOM_MAX, Viewport
from restorer.geometry import Box


def test_fit_centres_the_whole_image_and_refits_on_resize():
    view = Viewport((800, 600), (400, 100))
    view.fit()
    assert view.zoom == pytest.approx((800 - 2 * FIT_MARGIN) / 400)
    x, y = view.offset
    assert x == round((800 - 400 * view.zoom) / 2) and y == round((600 - 100 * view.zoom) / 2)
    view.resize((400, 600))
    assert view.zoom == pytest.approx((400 - 2 * FIT_MARGIN) / 400)  # still fitted
    view.pan(5, 0)
    zoom = view.zoom
    view.resize((1000, 1000))
    assert view.zoom == zoom and not view.fit_mode  # moved by hand: a resize keeps it


def test_zooming_keeps_the_point_under_the_anchor():
    view = Viewport((500, 500), (1000, 800))
    view.fit()
    anchor = (123.0, 321.0)
    before = view.to_image(*anchor)
    view.set_zoom(3.0, anchor)
    after = view.to_image(*anchor)
    assert view.zoom == 3.0
    assert after == pytest.approx(before, abs=0.5 / 3.0)  # the offset is whole pixels
    view.set_zoom(1000)
    assert view.zoom == ZOOM_MAX


def test_zoom_steps_walk_the_levels():
    view = Viewport((100, 100), (100, 100))
    view.set_zoom(1.0)
    view.zoom_in()
    assert view.zoom == ZOOM_LEVELS[ZOOM_LEVELS.index(1.0) + 1]
    view.zoom_out()
    view.zoom_out()
    assert view.zoom == ZOOM_LEVELS[ZOOM_LEVELS.index(1.0) - 1]


def test_view_and_image_coordinates_are_inverse():
    view = Viewport((300, 200), (64, 48))
    view.set_zoom(2.5)
    view.move_to((17, -4))
    for point in ((0.0, 0.0), (10.25, 33.5), (63.9, 47.9)):
        assert view.to_image(*view.to_view(*point)) == pytest.approx(point)
    # pixel (column 3, row 2) is under the screen pixel showing its centre
    x, y = view.to_view(3.5, 2.5)
    assert view.pixel_at(x, y) == (3, 2)
    assert view.pixel_at(-50, -50) is None


def test_rectangles_between_view_and_image():
    view = Viewport((100, 100), (40, 30))
    view.set_zoom(2.0)
    view.move_to((10, 20))
    assert view.view_rect(Box(0, 0, 30, 40)) == (10, 20, 80, 60)
    # the whole view shows the whole image; a corner shows a corner, clipped at the image
    assert view.image_box(0, 0, 99, 99) == Box(0, 0, 30, 40)
    assert view.image_box(0, 0, 11, 21) == Box(0, 0, 1, 1)
    assert view.image_box(95, 95, 99, 99) is None
    # a dragged box from screen (11, 21) to (20, 30): image pixels 0..5 x 0..5, either way round
    assert view.pixels_between((11, 21), (20, 30)) == view.pixels_between((20, 30), (11, 21)) == Box(0, 0, 6, 6)
    assert view.pixels_between((0, 0), (5, 5)) is None
