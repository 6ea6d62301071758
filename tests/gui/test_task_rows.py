"""The window follows the task table: a task it has never heard of, given one row, is listed, titled and run."""

from __future__ import annotations

import numpy as np
import pytest

from gui_helpers import paint_image_points
from restorer import hookimpl
from restorer.models import Model
from restorer.tasks import TASK_TABLE, TaskSpec


class Whiten(Model):
    uses_torch = False

    def __init__(self, name: str, task: str):
        self.name, self.task, self.title = name, task, name.capitalize()

    def run(self, request, job):  # noqa: D102
        return np.full_like(request.photo, 255)


class RowPlugin:
    @hookimpl
    def register_models(self, register):  # noqa: D102
        register(Whiten("eraser", "erase"))
        register(Whiten("whitener", "whiten"))


@pytest.fixture
def row_window(qtbot, monkeypatch, settings, photo_rgb):
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array
    from restorer.registry import load_registry

    monkeypatch.setitem(TASK_TABLE, "erase", TaskSpec(
        "erase", photo=True, mask="required", returns="photo", clears_mask=True, title="Erase",
        hint="Erases the painted area.", listed=True))
    monkeypatch.setitem(TASK_TABLE, "whiten", TaskSpec(
        "whiten", photo=True, mask="optional", returns="photo", clears_mask=False, title="Whiten",
        hint="Whitens the photo.", listed=True))
    registry = load_registry([RowPlugin()], use_entry_points=False)
    assert not registry.failures, registry.failures
    win = MainWindow(Document(photo_from_array(photo_rgb.copy())), registry=registry, device="cpu",
                     settings=settings)
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.set_document(None)
    win.close()
    win.deleteLater()


def test_a_new_task_row_is_listed_titled_and_run_as_its_row_says(row_window, qtbot, photo_rgb):
    window, panel = row_window, row_window.panel
    headers = [panel.combo.model().item(row).text() for row in range(panel.combo.count())]
    assert headers == ["Erase", "    Eraser", "Whiten", "    Whitener"]

    panel.select("eraser")
    assert panel.run_button.text() == "Erase" and "Erases the painted area." in panel.description.text()
    assert panel.clear_mask.isVisibleTo(panel)
    window.run_action.trigger()  # a required mask, nothing painted: refused before any run
    assert window.run is None and "Paint over the damage" in panel.message.text()
    paint_image_points(window.canvas, [(30.5, 40.5)])
    mask = window.document.mask.mask.copy()
    panel.clear_mask.setChecked(True)
    with qtbot.waitSignal(window.runFinished, timeout=10_000):
        window.run_action.trigger()
    assert window.document.rgb[mask].min() == 255
    assert np.array_equal(window.document.rgb[~mask], photo_rgb[~mask])
    assert not window.document.mask.any()  # the row clears the mask
    assert "Erase with Eraser done" in panel.message.text()

    panel.select("whitener")
    assert panel.run_button.text() == "Whiten" and not panel.clear_mask.isVisibleTo(panel)
    with qtbot.waitSignal(window.runFinished, timeout=10_000):
        window.run_action.trigger()  # an optional mask, nothing painted: the whole photo
    assert window.document.rgb.min() == 255
