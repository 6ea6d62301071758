"""The window end to end: model runs in a worker, cancel, errors, open and save, prompts."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from conftest import Sampler
from gui_helpers import paint_image_points, textured
from restorer.images import load_photo


def run_and_wait(window, qtbot, timeout=10_000):
    with qtbot.waitSignal(window.runFinished, timeout=timeout):
        window.run_action.trigger()


def test_opencv_telea_in_the_worker_changes_only_masked_pixels(window, qtbot, photo_rgb):
    window.panel.select("opencv-telea")
    window.brush_bar.size_slider.setValue(7)
    paint_image_points(window.canvas, [(30.5, 40.5), (80.5, 50.5)])
    mask = window.document.mask.mask.copy()
    assert 200 < mask.sum() < 2000
    window.panel.clear_mask.setChecked(True)
    run_and_wait(window, qtbot)
    rgb = window.document.rgb
    assert np.array_equal(rgb[~mask], photo_rgb[~mask])
    assert (rgb[mask] != photo_rgb[mask]).any(axis=1).mean() > 0.5
    assert not window.document.mask.any()  # cleared after the repair, as asked
    assert window.document.modified and window.isWindowModified()
    assert "OpenCV Telea" in window.panel.message.text()
    assert window.undo_result_button.isEnabled()
    window.undo_result_button.click()  # the repair (and the clearing) is one step
    assert not window.undo_result_button.isEnabled()
    assert np.array_equal(window.document.rgb, photo_rgb)
    assert np.array_equal(window.document.mask.mask, mask)
    window.redo_action.trigger()
    assert not np.array_equal(window.document.rgb, photo_rgb)


def test_the_last_runs_message_goes_when_another_model_is_picked(window, qtbot):
    window.panel.select("opencv-telea")
    paint_image_points(window.canvas, [(30.5, 40.5)])
    run_and_wait(window, qtbot)
    assert "OpenCV Telea" in window.panel.message.text()
    window.panel.select("opencv-ns")
    assert window.panel.message.text() == ""


def test_a_message_about_the_photo_goes_when_the_photo_or_mask_changes(window, qtbot):
    window.panel.select("opencv-telea")
    window.run_action.trigger()
    assert "Paint over the damage" in window.panel.message.text()
    paint_image_points(window.canvas, [(30.5, 40.5)])  # done what it said: the advice goes
    assert window.panel.message.text() == ""
    run_and_wait(window, qtbot)
    assert "Ctrl+Z undoes it" in window.panel.message.text()
    window.undo_action.trigger()  # undone: "done" no longer holds
    assert window.panel.message.text() == ""


def test_keeping_the_mask_and_building_on_the_repair(window, qtbot):
    window.panel.select("opencv-ns")
    window.panel.clear_mask.setChecked(False)
    paint_image_points(window.canvas, [(60.5, 45.5)])
    run_and_wait(window, qtbot)
    first = window.document.rgb.copy()
    assert window.document.mask.any()
    paint_image_points(window.canvas, [(20.5, 20.5)])
    assert not window.undo_result_button.isEnabled()  # the last step is a stroke now, not the result
    window.panel.controls()["radius"].set_value(12)
    run_and_wait(window, qtbot)
    assert len(window.document.history.applied) == 4  # stroke, repair, stroke, repair
    window.undo_action.trigger()
    assert np.array_equal(window.document.rgb, first)


def test_nothing_painted_says_what_to_do(window, qtbot, photo_rgb):
    window.panel.select("opencv-telea")
    window.run_action.trigger()
    assert window.run is None
    assert "Paint over the damage" in window.panel.message.text()


def test_cancel_and_a_second_run_is_refused_visibly(window, qtbot, photo_rgb):
    window.panel.select("test-slow")
    paint_image_points(window.canvas, [(60.5, 45.5)])
    assert not window.cancel_action.isEnabled()
    window.run_action.trigger()
    first = window.run
    assert window.cancel_action.isEnabled()  # Esc (Model > Cancel) stops it
    qtbot.waitUntil(lambda: window.panel.progress.value() > 0, timeout=5000)
    assert window.panel.cancel_button.isVisible() and not window.panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: window.panel.preview.isVisible(), timeout=5000)  # the model's preview image
    assert window.panel.preview.pixmap().width() == 40
    window.run_action.trigger()  # Ctrl+Return again while running
    assert window.run is first
    assert "still running" in window.panel.message.text()
    paint_image_points(window.canvas, [(10.5, 10.5)])  # the canvas stays usable meanwhile
    assert window.document.mask.mask[10, 10]
    with qtbot.waitSignal(window.runFinished, timeout=5000):
        window.panel.cancel_button.click()
    assert "Cancelled" in window.panel.message.text()
    assert np.array_equal(window.document.rgb, photo_rgb)
    assert not window.panel.cancel_button.isVisible() and window.panel.run_button.isEnabled()
    assert not window.cancel_action.isEnabled()


def test_a_plugin_that_raises_shows_an_error_and_leaves_the_photo_alone(window, qtbot, photo_rgb):
    window.panel.select("test-broken")
    paint_image_points(window.canvas, [(60.5, 45.5)])
    run_and_wait(window, qtbot)
    box = window.last_error
    assert box is not None and box.isVisible()
    assert "kaboom in the plugin" in box.text() and "RuntimeError" in box.text()
    assert "Traceback" in box.detailedText()
    assert np.array_equal(window.document.rgb, photo_rgb)
    assert window.document.mask.any()  # the mask is kept for another try
    box.close()
    window.panel.select("opencv-telea")  # the app keeps working
    run_and_wait(window, qtbot)
    assert not np.array_equal(window.document.rgb, photo_rgb)


def test_stylize_is_a_new_history_state(window, qtbot, photo_rgb):
    window.panel.select("test-negative")
    assert window.panel.run_button.text() == "Stylize"
    run_and_wait(window, qtbot)
    assert np.array_equal(window.document.rgb, 255 - photo_rgb)
    window.undo_action.trigger()
    assert np.array_equal(window.document.rgb, photo_rgb)


def test_sampling_opens_a_new_window_with_the_parameters_set(window, qtbot):
    from restorer.gui import window as window_module

    window.panel.select("test-sampler")
    controls = window.panel.controls()
    kinds = {name: type(control).__name__ for name, control in controls.items()}
    assert kinds == {"seed": "IntControl", "temperature": "FloatControl", "grayscale": "BoolControl",
                     "palette": "ChoiceControl", "caption": "TextControl", "steps": "IntControl"}
    assert window.panel.values() == {"seed": 3, "temperature": 0.5, "grayscale": False, "palette": "warm",
                                     "caption": "hello", "steps": 10}
    assert type(controls["seed"].widget).__name__ == "QLabeledSlider"
    assert type(controls["steps"].widget).__name__ == "QSpinBox"  # too wide a range for a slider
    controls["seed"].set_value(42)
    controls["palette"].set_value("cold")
    Sampler.seen.clear()
    run_and_wait(window, qtbot)
    assert Sampler.seen == [{"seed": 42, "temperature": 0.5, "grayscale": False, "palette": "cold",
                             "caption": "hello", "steps": 10}]
    new = window_module._windows[-1]
    try:
        assert new is not window and new.document.size == (48, 32)
        # Named after the model and numbered, not "Test sampler sample 3".
        assert re.fullmatch(r"Test sampler \d+", new.document.title), new.document.title
        assert (new.document.rgb[..., 0] == 42).all()
        assert new.document.modified  # never saved: closing it asks
    finally:
        new.set_document(None)
        new.close()
    # Switching models keeps what was set for each.
    window.panel.select("opencv-telea")
    window.panel.select("test-sampler")
    assert window.panel.values()["seed"] == 42
    window.panel.reset_params()
    assert window.panel.values()["seed"] == 3


def test_models_are_grouped_by_task(window):
    combo = window.panel.combo
    texts = [combo.itemText(i).strip() for i in range(combo.count())]
    assert texts[0] == "Repair"
    assert texts.index("Stylize") < texts.index("Negative") and texts.index("Generate") < texts.index("Test sampler")
    header = combo.model().item(0)
    assert not header.isSelectable()


def write_photo(path, rgb=None):
    Image.fromarray(textured() if rgb is None else rgb, "RGB").save(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_save_as_and_reopen_leaves_the_source_untouched(window, qtbot, tmp_path, no_blocking_dialogs,
                                                        monkeypatch):
    from restorer.gui import dialogs

    source = tmp_path / "family.png"
    digest = write_photo(source)
    assert window.open_path(source)
    window.panel.select("opencv-telea")
    paint_image_points(window.canvas, [(50.5, 50.5), (70.5, 52.5)])
    run_and_wait(window, qtbot)
    repaired = window.document.rgb.copy()
    target = tmp_path / "family_fixed"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: (str(target), "JPEG (*.jpg *.jpeg)"))
    monkeypatch.setattr(dialogs, "ask_int", lambda *a: 97)
    assert window.files.save_as()
    saved = tmp_path / "family_fixed.jpg"
    assert saved.exists() and not window.isWindowModified()
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    assert np.abs(load_photo(saved).rgb.astype(int) - repaired).mean() < 3  # quality 97
    assert window.open_path(saved)
    assert window.document.path == saved
    assert window.files.recent_files()[0] == str(saved.resolve())
    png = tmp_path / "exact.png"
    assert window.files.save_to(png)
    assert np.array_equal(load_photo(png).rgb, window.document.rgb)


def test_ctrl_s_asks_before_overwriting_the_original(window, qtbot, tmp_path, no_blocking_dialogs, monkeypatch):
    from restorer.gui import dialogs

    source = tmp_path / "old.png"
    digest = write_photo(source)
    window.open_path(source)
    window.document.apply_result(np.zeros_like(window.document.rgb), None, "Stylize")
    assert not window.files.save()  # the fixture answers "cancel"
    assert ("overwrite", "old.png") in no_blocking_dialogs
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    monkeypatch.setattr(dialogs, "ask_overwrite_original", lambda parent, name: "overwrite")
    assert window.files.save()
    assert (load_photo(source).rgb == 0).all()
    assert not window.document.modified


def test_closing_with_unsaved_changes_prompts(window, qtbot, monkeypatch):
    window.document.apply_result(np.zeros_like(window.document.rgb), None, "Stylize")
    asked = []

    def answer(choice):
        def question(parent, title, text, *args, **kwargs):
            asked.append(text)
            return choice
        return staticmethod(question)

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert not window.close()
    assert window.isVisible() and len(asked) == 1 and "Save the changes" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    assert window.close()
    assert len(asked) == 2


def test_closing_without_changes_does_not_prompt(window, tmp_path, no_blocking_dialogs):
    source = tmp_path / "clean.png"
    write_photo(source)
    window.open_path(source)  # replacing the never-saved test photo asks once
    assert [a[0] for a in no_blocking_dialogs] == ["question"]
    no_blocking_dialogs.clear()
    assert window.close()
    assert not [a for a in no_blocking_dialogs if a[0] == "question"]


def test_a_painted_mask_is_not_dropped_without_asking(window, tmp_path, monkeypatch, no_blocking_dialogs):
    source = tmp_path / "clean.png"
    write_photo(source)
    window.open_path(source)
    paint_image_points(window.canvas, [(50.5, 50.5)])  # an unsaved mask, on an unchanged photo
    no_blocking_dialogs.clear()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a, **k: no_blocking_dialogs.append(title) or QMessageBox.StandardButton.Cancel))
    assert not window.open_path(source) and not window.close()
    assert no_blocking_dialogs == ["Unsaved mask", "Unsaved mask"] and window.document.mask.any()
    window.document.export_mask(tmp_path / "mask.png")  # saved: nothing is lost now
    no_blocking_dialogs.clear()
    assert window.close() and no_blocking_dialogs == []


def test_mask_export_import_round_trip(window, tmp_path):
    window.brush_bar.size_slider.setValue(11)
    paint_image_points(window.canvas, [(20.5, 20.5), (90.5, 60.5)])
    painted = window.document.mask.mask.copy()
    assert window.mask_commands.export_path(tmp_path / "mask.png")
    with Image.open(tmp_path / "mask.png") as image:
        assert image.mode == "L" and np.array_equal(np.asarray(image) > 127, painted)
    window.clear_mask_action.trigger()
    assert window.mask_commands.import_path(tmp_path / "mask.png")
    assert np.array_equal(window.document.mask.mask, painted)
    window.undo_action.trigger()
    assert not window.document.mask.any()


def test_a_mask_of_the_wrong_size_is_refused_with_a_message(window, tmp_path):
    Image.new("L", (10, 10), 255).save(tmp_path / "small.png")
    assert not window.mask_commands.import_path(tmp_path / "small.png")
    assert "same size" in window.last_error.text()
    assert not window.document.mask.any()


def test_a_mask_of_the_wrong_size_given_with_a_photo_opens_the_photo_without_it(window, tmp_path):
    source = tmp_path / "photo.png"
    write_photo(source, textured(40, 50, seed=3))
    Image.new("L", (10, 10), 255).save(tmp_path / "small.png")
    assert window.open_path(source, tmp_path / "small.png")  # as `restorer gui photo.png --mask small.png`
    assert window.document.path == source and not window.document.mask.any()
    assert window.last_error.windowTitle() == "Cannot load the mask"
    assert "same size" in window.last_error.text() and "without a mask" in window.last_error.text()


def test_an_unreadable_file_is_refused_and_the_photo_kept(window, tmp_path, photo_rgb):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg at all")
    assert not window.open_path(bad)
    assert "broken.jpg" in window.last_error.text()
    assert np.array_equal(window.document.rgb, photo_rgb)


def test_the_busy_cursor_shows_while_a_photo_is_read_or_written_then_goes(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from restorer.editing.document import Document

    def cursor():
        current = QApplication.overrideCursor()
        return current.shape() if current is not None else None

    seen = []
    real_open, real_save = Document.open, Document.save
    monkeypatch.setattr(Document, "open", staticmethod(lambda path: (seen.append(cursor()), real_open(path))[1]))
    monkeypatch.setattr(Document, "save", lambda self, *a, **k: (seen.append(cursor()), real_save(self, *a, **k))[1])
    source = tmp_path / "photo.png"
    write_photo(source, textured(40, 50, seed=3))
    assert window.open_path(source) and window.files.save_to(tmp_path / "copy.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    assert not window.open_path(tmp_path / "broken.jpg")
    assert seen == [Qt.CursorShape.WaitCursor] * 3
    assert cursor() is None  # restored, after the failed open too


def test_dropping_a_file_opens_it(window, qtbot, tmp_path):
    source = tmp_path / "dropped.png"
    write_photo(source, textured(40, 50, seed=3))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(source))])
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.document.path == source, timeout=2000)
    assert window.document.size == (50, 40)


def test_grow_and_shrink_ask_for_pixels(window, monkeypatch):
    from restorer.gui import dialogs

    paint_image_points(window.canvas, [(60.5, 45.5)])
    before = window.document.mask.mask.sum()
    monkeypatch.setattr(dialogs, "ask_int", lambda *a: 4)
    window.grow_mask_action.trigger()
    grown = window.document.mask.mask.sum()
    assert grown > before
    window.shrink_mask_action.trigger()
    assert window.document.mask.mask.sum() < grown


def test_grow_on_an_empty_mask_says_so_instead_of_asking(window, no_blocking_dialogs):
    window.document.mask.clear()
    no_blocking_dialogs.clear()
    window.grow_mask_action.trigger()
    assert no_blocking_dialogs == [] and "The mask is empty" in window.statusBar().currentMessage()


@pytest.mark.parametrize("module", ["restorer.gui.window", "restorer.gui.app"])
def test_opening_the_window_does_not_import_torch(module):
    import subprocess
    import sys

    code = (f"import sys, importlib; importlib.import_module({module!r})\n"
            "from restorer.gui.app import create_app\n"
            "from restorer.gui.window import MainWindow\n"
            "app = create_app(); w = MainWindow(); w.show(); app.processEvents()\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_train_dock_joins_once_the_models_are_known_and_is_asked_before_closing(qtbot, registry, settings):
    from PySide6.QtWidgets import QDockWidget

    from restorer.gui.window import MainWindow

    window = MainWindow(settings=settings, device="cpu", training=True)
    qtbot.addWidget(window)
    assert window.training is None  # not at start-up: it needs the models (and pyqtgraph)
    window.set_registry(registry)
    assert window.training is not None and window.training.registry is registry
    dock = window.findChild(QDockWidget, "training-dock")
    assert dock is not None and dock in window.tabifiedDockWidgets(window.findChild(QDockWidget, "model-dock"))
    window.set_registry(registry)
    assert len(window.findChildren(QDockWidget, "training-dock")) == 1
    asked = []
    window.training.confirm_close = lambda: asked.append(1) or False
    assert not window.close() and asked == [1]
    window.training.confirm_close = lambda: True
    assert window.close()


def test_sampling_works_without_an_open_photo(qtbot, registry, settings):
    from restorer.gui import window as window_module
    from restorer.gui.window import MainWindow

    window = MainWindow(registry=registry, device="cpu", settings=settings)
    qtbot.addWidget(window)
    assert window.document is None and not window.save_as_action.isEnabled()
    window.panel.select("opencv-telea")
    window.run_action.trigger()
    assert window.run is None  # a repair needs a photo: nothing starts
    window.panel.select("test-sampler")
    with qtbot.waitSignal(window.runFinished, timeout=10_000):
        window.run_action.trigger()
    new = window_module._windows[-1]
    assert new.document.size == (48, 32) and window.document is None
    new.set_document(None)
    new.close()


def test_start_up_opens_the_bundled_sample_with_its_mask_or_the_given_photo(qtbot, monkeypatch, tmp_path, settings):
    from restorer.gui import app as app_module
    from restorer.gui.run_control import RunControl
    from restorer.resources import sample_mask_path, sample_photo_path

    monkeypatch.setattr(RunControl, "start_background_loading", lambda self: None)  # no plugins, no torch here
    window = app_module.open_window()
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.document is not None, timeout=5000)
    assert window.document.path == sample_photo_path()
    assert window.document.mask.any()
    assert np.array_equal(window.document.mask.mask, load_mask_array(sample_mask_path()))
    assert window.training is None  # joins when the models are loaded
    window.set_document(None)
    window.close()

    photo = tmp_path / "given.png"
    write_photo(photo)
    mask = tmp_path / "given_mask.png"
    Image.fromarray(np.where(np.arange(120)[None, :] < 30, 255, 0).repeat(90, 0).astype(np.uint8), "L").save(mask)
    window = app_module.open_window(str(photo), str(mask))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.document is not None, timeout=5000)
    assert window.document.path == photo and window.document.mask.mask[:, :30].all()
    assert not window.document.mask.mask[:, 30:].any()
    window.set_document(None)


def load_mask_array(path):
    from restorer.images import load_mask

    return load_mask(path)


def test_default_settings_stay_out_of_the_home_folder(private_user_settings):
    from PySide6.QtCore import QSettings

    assert QSettings("Restorer", "Restorer").fileName().startswith(private_user_settings)


def test_a_result_for_a_photo_that_was_replaced_meanwhile_is_dropped(window, qtbot, tmp_path):
    window.panel.select("opencv-telea")
    paint_image_points(window.canvas, [(60.5, 45.5)])
    source = tmp_path / "other.png"
    write_photo(source, textured(seed=9))
    window.run_action.trigger()
    assert window.open_path(source)  # before the worker's result arrives on the GUI thread
    qtbot.waitUntil(lambda: not window.run.running, timeout=10_000)
    assert np.array_equal(window.document.rgb, textured(seed=9))
    assert not window.document.history.can_undo
    assert "dropped" in window.panel.message.text()


def test_a_run_starts_at_once_while_long_work_holds_every_pool_thread(window, qtbot):
    import threading

    from PySide6.QtCore import QThreadPool
    from superqt.utils import create_worker

    pool = QThreadPool.globalInstance()
    release = threading.Event()
    blockers = []
    for _ in range(pool.maxThreadCount()):  # e.g. a training run and a model load
        worker = create_worker(release.wait, 20, _start_thread=False, _ignore_errors=True)
        worker.start()
        blockers.append(worker)
    qtbot.waitUntil(lambda: pool.activeThreadCount() >= pool.maxThreadCount(), timeout=5000)
    try:
        window.panel.select("opencv-telea")
        paint_image_points(window.canvas, [(60.5, 45.5)])
        run_and_wait(window, qtbot, timeout=5000)
        assert window.document.history.undo_description.startswith("Repair")
    finally:
        release.set()
        qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=5000)


def test_a_repair_with_the_whole_photo_painted_is_refused_before_it_runs(window, qtbot, photo_rgb):
    window.panel.select("opencv-telea")
    window.mask_commands.invert()  # the whole photo painted: nothing is left to fill from
    assert window.document.mask.mask.all()
    window.run_action.trigger()
    assert window.run is None or not window.run.running
    assert "whole photo is painted" in window.panel.message.text()
    assert np.array_equal(window.document.rgb, photo_rgb)


def test_a_repair_that_changes_nothing_does_not_claim_to_be_done(window, qtbot, photo_rgb, monkeypatch):
    model = window.registry.models["opencv-telea"]
    monkeypatch.setattr(model, "run", lambda request, job: request.photo.copy())  # hands the photo back as it was
    window.panel.select("opencv-telea")
    paint_image_points(window.canvas, [(60.5, 45.5)])
    window.panel.clear_mask.setChecked(False)
    run_and_wait(window, qtbot)
    assert np.array_equal(window.document.rgb, photo_rgb)
    message = window.panel.message.text()
    assert "changed no pixel" in message and "Ctrl+Z undoes it" not in message, message
    assert not window.undo_result_button.isEnabled()


def test_the_model_list_says_it_is_loading_instead_of_showing_a_blank(qtbot, settings, registry):
    from restorer.gui.window import MainWindow

    win = MainWindow(settings=settings)  # no registry yet: the models load in the background
    qtbot.addWidget(win)
    assert win.panel.combo.currentIndex() == -1
    assert win.panel.combo.placeholderText() == "Loading models…"
    win.set_registry(registry)
    assert win.panel.current_model() is not None and win.panel.combo.currentText().strip()


def test_the_bundled_sample_is_never_saved_over_and_dialogs_start_in_the_persons_folders(
        window, no_blocking_dialogs, tmp_path):
    from restorer.resources import sample_photo_path

    window.settings.setValue("last_folder", str(tmp_path))
    window.open_path(sample_photo_path(), remember=False)
    no_blocking_dialogs.clear()
    assert not window.files.save()  # Save on the sample is Save As (the fixture answers with no path)
    assert no_blocking_dialogs[0][0] == "save" and no_blocking_dialogs[0][2].startswith(str(tmp_path))
    window.open_dialog()
    assert no_blocking_dialogs[-1][0] == "open" and no_blocking_dialogs[-1][2] == str(tmp_path)


def test_with_no_photo_only_models_that_need_none_can_be_run(window):
    window.set_document(None)
    window.panel.select("opencv-telea")
    assert not window.panel.run_button.isEnabled() and "Open a photo" in window.panel.run_button.toolTip()
    sampler = next(name for name, m in window.registry.models.items() if m.task == "sample")
    window.panel.select(sampler)
    assert window.panel.run_button.isEnabled()
