"""Find damage in the window: a detect model's proposal joins the mask as one undo step, the sensitivity
slider re-thresholds the kept map without running the model again, Cancel, Keep, Discard."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gui_helpers import paint_image_points
from restorer import hookimpl
from restorer.detection import detect_params
from restorer.models import Model

HEIGHT, WIDTH = 60, 80


class Ramp(Model):
    """A detect model whose probability rises from 0 at the left edge to 1 at the right; counts its runs."""

    name = "test-ramp"
    title = "Ramp detector"
    task = "detect"
    params = detect_params(threshold=0.5, grow=0)
    runs = 0

    def run(self, request, job):  # noqa: D102
        type(self).runs += 1
        job.update(1, 1, "found")
        height, width = request.photo.shape[:2]
        return np.tile(np.linspace(0.0, 1.0, width, dtype=np.float32), (height, 1))


class SlowDetector(Model):
    """Reports many small steps so a test can cancel it."""

    name = "test-slow-detector"
    title = "Slow detector"
    task = "detect"
    params = detect_params()

    def run(self, request, job):  # noqa: D102
        for step in range(500):
            job.update(step, 500, f"step {step}")
            time.sleep(0.01)
        return np.ones(request.photo.shape[:2], np.float32)


class DetectPlugin:
    """The real classical-damage finder and the test detectors."""

    __name__ = "gui-test-detectors"

    @hookimpl
    def register_models(self, register):  # noqa: D102
        from restorer_plugins.damage import ClassicalDamage

        for model in (ClassicalDamage(), Ramp(), SlowDetector()):
            register(model)


@pytest.fixture(scope="module")
def detect_registry():
    """The OpenCV models, the GUI test models and the detectors."""
    import restorer_plugins.opencv as opencv
    from conftest import TestPlugin
    from restorer.registry import load_registry

    loaded = load_registry(plugins=[opencv, TestPlugin(), DetectPlugin()], use_entry_points=False)
    assert not loaded.failures, loaded.failures
    return loaded


def scratched_photo() -> tuple[np.ndarray, np.ndarray]:
    """A smooth photo with a thin bright scratch and a dark speck; returns it and where the damage is."""
    import cv2

    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    photo = np.stack([60 + x, 80 + y, 120 + (x + y) // 4], -1).astype(np.uint8)
    damage = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.line(damage, (8, 12), (70, 45), 255, 1)
    cv2.circle(damage, (20, 45), 2, 128, -1)
    photo[damage == 255] = 250
    photo[damage == 128] = 15
    return photo, damage > 0


@pytest.fixture
def damaged(qtbot, detect_registry, settings):
    """A shown window with the scratched photo; returns (window, where the damage is)."""
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    photo, damage = scratched_photo()
    win = MainWindow(Document(photo_from_array(photo)), registry=detect_registry, device="cpu", settings=settings)
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    yield win, damage
    win.find_damage.cancel()
    qtbot.waitUntil(lambda: not win.find_damage.running, timeout=5000)
    win.set_document(None)
    win.close()
    win.deleteLater()


def find(window, qtbot, detector: str | None = None) -> None:
    if detector is not None:
        window.settings.setValue("find_damage/detector", detector)
    with qtbot.waitSignal(window.find_damage.finished, timeout=10_000):
        window.find_damage_action.trigger()


def test_find_damage_proposes_the_scratch_as_one_undo_step(damaged, qtbot):
    window, damage = damaged
    assert window.find_damage_action.shortcut().toString() == "Ctrl+D"
    find(window, qtbot, "classical-damage")
    mask = window.document.mask.mask
    assert (mask & damage).sum() / damage.sum() > 0.9
    assert mask.sum() < 6 * damage.sum()  # the smooth photo around it is left alone
    history = window.document.history
    assert [edit.description for edit in history.applied] == ["Find damage"]
    bar = window.find_damage.bar
    assert bar.isVisible() and "Classical damage finder" in bar.message.text()
    assert bar.detector.currentData() == "classical-damage"
    window.undo_action.trigger()  # Ctrl+Z takes the whole proposal back
    assert not window.document.mask.any() and not history.can_undo
    assert not bar.isVisible()


def test_the_bar_takes_two_rows_in_a_narrow_window_and_nothing_overlaps(damaged, qtbot):
    window, _ = damaged
    find(window, qtbot, "classical-damage")
    bar = window.find_damage.bar
    window.resize(1500, 900)
    qtbot.waitUntil(lambda: not bar.two_rows, timeout=3000)  # wide: one row
    # with the slider at its full length: sized to its hint it had about 75 px for 99 steps
    qtbot.waitUntil(lambda: bar.slider.width() >= bar.slider.maximumWidth() - 2, timeout=3000)
    window.resize(700, 600)
    qtbot.waitUntil(lambda: bar.two_rows, timeout=3000)
    assert bar.width() <= window.canvas.width() - 16
    slider = bar.slider.geometry()
    for button in (bar.keep_button, bar.discard_button):
        assert not button.geometry().intersects(slider) and button.geometry().right() <= bar.width()
        assert button.width() >= button.sizeHint().width() - 2  # not squeezed
    for width in (700, 560):  # narrower still: the sensitivity slider and its number stay inside the bar
        window.resize(width, 600)
        qtbot.waitUntil(lambda: bar.width() <= window.canvas.width() - 16, timeout=3000)
        assert bar.slider.geometry().right() < bar.contentsRect().right()
        assert not bar.slider.geometry().intersects(bar.detector.geometry())
        assert bar.button_box.geometry().top() > bar.slider.geometry().bottom()


def test_the_slider_rethresholds_the_kept_map_without_running_the_detector_again(damaged, qtbot):
    window, _ = damaged
    paint_image_points(window.canvas, [(5.5, 30.5)])  # painted before: kept whatever the slider does
    stroke = window.document.mask.mask.copy()
    assert stroke[30, 5]
    Ramp.runs = 0
    window.find_damage.bar.slider.setValue(50)
    find(window, qtbot, "test-ramp")
    assert Ramp.runs == 1
    columns = np.linspace(0.0, 1.0, WIDTH)

    def proposed(threshold):
        return np.tile(columns > threshold, (HEIGHT, 1)) | stroke

    assert np.array_equal(window.document.mask.mask, proposed(0.5))
    for sensitivity in (80, 20, 65):
        window.find_damage.bar.slider.setValue(sensitivity)
        threshold = 1 - sensitivity / 100
        qtbot.waitUntil(lambda: np.array_equal(window.document.mask.mask, proposed(threshold)), timeout=3000)
    assert Ramp.runs == 1
    history = window.document.history
    assert [edit.description for edit in history.applied] == ["Brush stroke", "Find damage"]
    window.undo_action.trigger()
    assert np.array_equal(window.document.mask.mask, stroke)
    assert window.settings.value("find_damage/sensitivity") in (65, "65")  # the next find starts there


def test_painting_after_the_proposal_ends_it(damaged, qtbot):
    window, _ = damaged
    window.find_damage.bar.slider.setValue(50)
    find(window, qtbot, "test-ramp")
    paint_image_points(window.canvas, [(5.5, 30.5)])  # erasing false finds, painting missed ones
    assert not window.find_damage.bar.isVisible() and not window.find_damage.live
    after_stroke = window.document.mask.mask.copy()
    window.find_damage.bar.slider.setValue(90)
    qtbot.wait(150)
    assert np.array_equal(window.document.mask.mask, after_stroke)  # the slider no longer changes the mask
    assert [e.description for e in window.document.history.applied] == ["Find damage", "Brush stroke"]


def test_keep_closes_the_bar_and_discard_takes_the_proposal_back(damaged, qtbot):
    window, _ = damaged
    find(window, qtbot, "test-ramp")
    window.find_damage.bar.keep_button.click()
    assert not window.find_damage.bar.isVisible() and window.document.mask.any()
    window.undo_action.trigger()
    find(window, qtbot, "test-ramp")
    window.find_damage.bar.discard_button.click()
    assert not window.find_damage.bar.isVisible()
    assert not window.document.mask.any() and not window.document.history.can_undo


def test_another_detector_replaces_the_proposal_in_the_same_step(damaged, qtbot):
    window, damage = damaged
    find(window, qtbot, "test-ramp")
    combo = window.find_damage.bar.detector
    assert [combo.itemData(i) for i in range(combo.count())][0] == "classical-damage"  # the default first
    row = combo.findData("classical-damage")
    with qtbot.waitSignal(window.find_damage.finished, timeout=10_000):
        combo.activated.emit(row)  # as when the person picks it
    mask = window.document.mask.mask
    assert (mask & damage).sum() / damage.sum() > 0.9 and mask.sum() < 6 * damage.sum()
    assert len(window.document.history.applied) == 1
    assert window.settings.value("find_damage/detector") == "classical-damage"


def test_cancel_leaves_the_mask_unchanged(damaged, qtbot):
    window, _ = damaged
    window.settings.setValue("find_damage/detector", "test-slow-detector")
    window.find_damage_action.trigger()
    bar = window.find_damage.bar
    qtbot.waitUntil(lambda: bar.progress.value() > 0, timeout=5000)
    assert bar.isVisible() and bar.cancel_button.isVisible() and not bar.keep_button.isVisible()
    paint_image_points(window.canvas, [(10.5, 10.5)])  # the canvas stays usable meanwhile
    with qtbot.waitSignal(window.find_damage.finished, timeout=5000):
        bar.cancel_button.click()
    assert "cancelled" in window.statusBar().currentMessage()
    assert not bar.isVisible()
    assert [e.description for e in window.document.history.applied] == ["Brush stroke"]


def test_esc_cancels_too(damaged, qtbot):
    window, _ = damaged
    window.settings.setValue("find_damage/detector", "test-slow-detector")
    window.find_damage_action.trigger()
    with qtbot.waitSignal(window.find_damage.finished, timeout=5000):
        window.cancel_action.trigger()
    assert not window.document.mask.any()


def test_esc_on_a_proposal_under_review_discards_it_and_redo_brings_it_back(damaged, qtbot):
    window, _ = damaged
    find(window, qtbot, "test-ramp")
    proposed = window.document.mask.mask.copy()
    window.cancel_action.trigger()
    assert not window.find_damage.bar.isVisible() and not window.document.mask.any()
    window.redo_action.trigger()
    assert (window.document.mask.mask == proposed).all()


def test_detect_models_are_not_offered_as_runnable_models(damaged):
    window, _ = damaged
    panel = window.panel
    texts = [panel.combo.itemText(i).strip() for i in range(panel.combo.count())]
    assert "Classical damage finder" not in texts and "Ramp detector" not in texts
    assert panel.index_of("classical-damage") == -1
    assert texts[0] == "Repair"


def test_without_a_detector_find_damage_says_so(window, qtbot):
    window.find_damage_action.trigger()  # the shared test registry has no detect model
    assert window.find_damage.run is None
    assert "No damage finder" in window.statusBar().currentMessage()


def test_the_slider_starts_at_the_shipped_detectors_default_threshold():
    from restorer.gui.find_damage import DEFAULT_SENSITIVITY
    from restorer.registry import get_model

    default = next(p.default for p in get_model("damage-detector").params if p.name == "threshold")
    assert 1 - DEFAULT_SENSITIVITY / 100 == pytest.approx(default)


def test_esc_is_enabled_only_while_there_is_something_to_cancel(damaged, qtbot):
    window, _ = damaged
    assert not window.cancel_action.isEnabled()  # nothing running: Esc is left to the widgets
    window.settings.setValue("find_damage/detector", "test-slow-detector")
    window.find_damage_action.trigger()
    assert window.cancel_action.isEnabled()
    with qtbot.waitSignal(window.find_damage.finished, timeout=5000):
        window.cancel_action.trigger()
    assert not window.cancel_action.isEnabled()
    find(window, qtbot, "test-ramp")  # a proposal under review: Esc dismisses it
    assert window.cancel_action.isEnabled()
    window.find_damage.keep()
    assert not window.cancel_action.isEnabled()


def test_each_detector_keeps_its_own_sensitivity(damaged, qtbot):
    window, _ = damaged
    find(window, qtbot, "classical-damage")
    bar = window.find_damage.bar
    bar.slider.setValue(99)  # as far as it goes, for this detector

    def pick(name):
        with qtbot.waitSignal(window.find_damage.finished, timeout=10_000):
            bar.detector.activated.emit(bar.detector.findData(name))

    pick("test-ramp")
    assert bar.slider.value() == 50  # the ramp's own default threshold, 0.5, not the other's 99
    bar.slider.setValue(70)
    pick("classical-damage")
    assert bar.slider.value() == 99
    pick("test-ramp")
    assert bar.slider.value() == 70
