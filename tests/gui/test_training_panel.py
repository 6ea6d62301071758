"""The training panel: start, progress, finish, pause/resume, cancel with checkpoint, resume after restart,
a responsive GUI thread, clear messages for bad folders, rename and delete of the result, and the comparison
on photos left out of training when a run ends."""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image

from restorer import hookimpl
from restorer.errors import Cancelled
from restorer.training import Trainer, load_checkpoint
from restorer.training.checkpoint import apply_checkpoint
from restorer.weights import WeightsModel, list_weights, load_weights, save_weights, weights_path


class TinyTrainer(Trainer):
    """A one-layer hole filler; ``delay`` seconds per step make a run last long enough to pause."""

    wants_masks = True

    def __init__(self, delay: float = 0.0):
        super().__init__("cpu")
        torch.manual_seed(0)
        self.net = torch.nn.Conv2d(4, 3, 3, padding=1)
        self.modules["net"] = self.net
        self.add_optimizer("net", torch.optim.Adam(self.net.parameters(), lr=1e-2))
        self.delay = delay

    def config(self):
        return {"arch": "panel-tiny"}

    def train_step(self, batch, step):
        if self.delay:
            time.sleep(self.delay)  # sleeping holds no lock: like a long torch op, it must not block the GUI
        hole = batch.masks
        out = self.net(torch.cat([batch.photos * (1 - hole), hole], 1))
        loss = (out - batch.photos).abs().mean()
        self.optimize("net", loss)
        return {"l1": loss.item()}

    def preview(self, batch):
        with torch.no_grad():
            out = self.net(torch.cat([batch.photos * (1 - batch.masks), batch.masks], 1)).clamp(0, 1)
        return (out[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8)

    def export(self):
        return dict(self.net.state_dict()), self.config()


class TinyTrainable(WeightsModel):
    # like the real plugins: the weights choice lists the stored weights (of the family = its name)
    name = "test-trainable"
    title = "Trainable test model"
    task = "inpaint"
    trainable = True
    delay = 0.0

    def make_trainer(self, options, device):  # noqa: D102
        return TinyTrainer(type(self).delay)

    def run(self, request, job):  # noqa: D102 - fills the hole with the stored net, so weights matter
        net = self.load_networks(request.params["weights"], request.device, _tiny_net)
        photo = torch.from_numpy(request.photo).permute(2, 0, 1)[None].float() / 255
        hole = torch.from_numpy(request.mask.astype(np.float32))[None, None]
        with torch.no_grad():
            out = net(torch.cat([photo * (1 - hole), hole], 1)).clamp(0, 1)
        return (out[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def _tiny_net(tensors, _meta, _path):
    net = torch.nn.Conv2d(4, 3, 3, padding=1)
    net.load_state_dict(tensors)
    return net.eval()


class PairTrainer(TinyTrainer):
    folders = 2
    wants_masks = False

    def train_step(self, batch, step):
        loss = (self.net(torch.cat([batch.photos, batch.photos_b[:, :1]], 1)) - batch.photos_b).abs().mean()
        self.optimize("net", loss)
        return {"l1": loss.item()}

    def preview(self, batch):
        return None


class PairTrainable(TinyTrainable):
    name = "test-pair"
    title = "Two-folder test model"
    task = "stylize"
    folders = 2

    def make_trainer(self, options, device):  # noqa: D102
        return PairTrainer()


class CountedTrainable(TinyTrainable):
    """Counts the trainers built for it: choosing it in the panel must build none."""

    name = "test-counted"
    title = "Counted test model"
    built = 0

    def make_trainer(self, options, device):  # noqa: D102
        type(self).built += 1
        return PairTrainer()  # says 2 folders, but the model's own ``folders`` (1) is what the panel reads


class TrainPlugin:
    __name__ = "training-panel-test-models"

    @hookimpl
    def register_models(self, register):  # noqa: D102
        register(TinyTrainable())
        register(PairTrainable())
        register(CountedTrainable())


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """User weights and runs in a temporary folder; one torch thread (2 shared cores)."""
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path / "data"
    torch.set_num_threads(threads)
    TinyTrainable.delay = 0.0


@pytest.fixture(scope="module")
def train_registry():
    from restorer.registry import load_registry

    import restorer_plugins.opencv as opencv

    loaded = load_registry(plugins=[opencv, TrainPlugin()], use_entry_points=False)
    assert not loaded.failures, loaded.failures
    return loaded


@pytest.fixture
def photos(tmp_path):
    return _photos(tmp_path / "photos")


def _photos(root, count=4, size=(48, 64)):
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(root / f"photo{index}.png")
    return root


@pytest.fixture
def tiny_starter(tmp_path, monkeypatch, train_registry):
    """Starter weights for the test model (its untrained net), and the process-wide registry holding it:
    the comparison looks models up by name, as the benchmark does."""
    import restorer.registry as registry_module
    import restorer.weights as weights_module

    path = tmp_path / "starter" / "test-trainable.safetensors"
    save_weights("test-trainable", "starter", dict(TinyTrainer().net.state_dict()), {"arch": "panel-tiny"},
                 path=path)
    shipped = weights_module.starter_weights_path
    monkeypatch.setattr(weights_module, "starter_weights_path",
                        lambda model: path if model == "test-trainable" else shipped(model))
    monkeypatch.setattr(registry_module, "_registry", train_registry)
    return path


@pytest.fixture
def panel(qtbot, train_registry, monkeypatch):
    import restorer.train_form as train_form
    from restorer.gui.training import TrainingPanel

    monkeypatch.setattr(train_form, "PREVIEW_EVERY", 5)
    widget = TrainingPanel(device="cpu")
    qtbot.addWidget(widget)
    widget.set_registry(train_registry)
    widget.show()
    yield widget
    if widget.running:
        widget.run.cancel()
        widget.run.wait(30)


def _setup(panel, folder, *, steps=20, name="mine", model="test-trainable"):
    panel.select_model(model)
    panel.form.folder_fields[0].set_path(str(folder))
    panel.form.steps.setValue(steps)
    panel.form.batch_size.setValue(2)
    panel.form.crop.setValue(32)
    panel.form.name_edit.setText(name)


def _worker_step(panel) -> int:
    last = panel.run.job.last
    return last.done if last else 0


def test_only_trainable_models_are_offered(panel, train_registry):
    combo = panel.form.model_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["test-trainable", "test-pair", "test-counted"]


def test_start_reports_progress_and_finished_model_is_listed(qtbot, panel, photos):
    _setup(panel, photos, steps=20)
    ticks, changed = [], []
    panel.weightsChanged.connect(changed.append)
    assert panel.monitor.progress.text() == "not started"  # not "step 0 / 1" while the Steps box says 20
    assert panel.start()
    assert panel.monitor.progress.text() == "step 0 / 20"
    panel.run.ticked.connect(ticks.append)
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        pass
    assert ticks, "no progress arrived on the GUI thread"
    assert ticks[-1].step == ticks[-1].total == 20
    assert panel.monitor.progress.value() == 20 and panel.monitor.progress.maximum() == 20
    steps, values = panel.monitor._history["l1"]
    assert steps == list(range(1, 21)) and all(np.isfinite(values))  # every step's loss is plotted
    assert panel.monitor._curves["l1"].getData()[0].size == 20
    assert panel.monitor.preview.pixmap() is not None and not panel.monitor.preview.pixmap().isNull()
    assert "images/s" in panel.monitor.stats.text() and "ETA" in panel.monitor.stats.text()
    assert "Finished" in panel.monitor.message.text()
    assert panel.monitor.verdict.text() == ("No comparison: the folder has 4 photo(s); leaving 2 out of training needs "
                                    "at least 5, so all were trained on.")
    assert changed == ["test-trainable"]
    assert ("test-trainable", "mine") in panel.stored.weights_names()
    tensors, meta = load_weights("test-trainable", "mine")
    assert meta["steps"] == 20 and set(tensors) == {"weight", "bias"}
    assert not panel.running and panel.start_button.isEnabled()


VERDICT = re.compile(r"On 2 of your photos left out of training: family \d+\.\d\d dB, starter \d+\.\d\d dB "
                     r"\([+\u2212]\d+\.\d\d dB\): "
                     r"(training helped|training did not help|no clear difference \(under 0\.1 dB\))")


def test_a_finished_run_shows_how_it_did_on_photos_left_out_of_training(qtbot, panel, tmp_path, tiny_starter,
                                                                        train_registry, monkeypatch):
    from restorer.training import holdout

    photos = _photos(tmp_path / "six", count=6)
    _setup(panel, photos, steps=20, name="family")
    assert panel.form.plan().options.holdout == 2
    threads, messages = [], []
    measure = holdout.compare_holdout
    monkeypatch.setattr(holdout, "compare_holdout",
                        lambda *a, **k: threads.append(threading.current_thread()) or measure(*a, **k))
    assert panel.start()
    panel.run.measuring.connect(messages.append)
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        pass
    line = panel.monitor.verdict.text()
    assert VERDICT.fullmatch(line), line
    assert "Finished" in panel.monitor.message.text()
    assert threads and threads[0] is not threading.main_thread()  # measured on the worker thread
    assert messages and messages[-1] == "Measuring on your photos left out of training: 16 / 16 repairs…"
    meta = load_weights("test-trainable", "family")[1]
    assert len(meta["holdout"]) == 2 and meta["photos"] == [4]
    score = measure(train_registry.models["test-trainable"], "family")
    assert line == score.line() and score.difference != 0  # the trained net, not the starter twice


def test_a_cancelled_run_shows_no_comparison(qtbot, panel, tmp_path, tiny_starter, monkeypatch):
    from restorer.training import holdout

    TinyTrainable.delay = 0.02
    photos = _photos(tmp_path / "six", count=6)
    _setup(panel, photos, steps=500, name="stopped")
    called = []
    monkeypatch.setattr(holdout, "compare_holdout", lambda *a, **k: called.append(a))
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 3, timeout=30000)
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        panel.cancel()
    assert called == [] and panel.run.holdout_line is None and panel.monitor.verdict.text() == ""
    assert "Cancelled" in panel.monitor.message.text()


def test_psnr_curves_start_hidden_so_the_losses_keep_their_scale(panel):
    from restorer.gui.training import Tick

    panel.monitor.show_tick(Tick(2, 10, losses=[(1, {"l1": 0.09, "hole_psnr": 17.2}),
                                                (2, {"l1": 0.08, "hole_psnr": 17.9})]))
    assert panel.monitor._curves["l1"].isVisible() and not panel.monitor._curves["hole_psnr"].isVisible()
    top = panel.monitor.plot.plotItem.vb.childrenBounds()[1][1]
    assert top < 1  # the axis fits the loss, not the 17 dB curve
    assert "hole PSNR 17.90 dB" in panel.monitor.stats.text()  # still reported, by its name


def test_the_legend_sits_above_the_curves_not_on_them(panel, qtbot):
    from restorer.gui.training import Tick

    monitor = panel.monitor
    monitor.resize(340, 420)
    monitor.show()
    qtbot.waitExposed(monitor)
    monitor.show_tick(Tick(2, 10, losses=[(1, {"bce": 0.3, "dice": 0.6, "f1": 0.4}),
                                          (2, {"bce": 0.2, "dice": 0.5, "f1": 0.6})]))
    legend, view = monitor.plot.plotItem.legend, monitor.plot.plotItem.vb
    assert [label.text for _sample, label in legend.items] == ["BCE", "Dice", "F1"]
    qtbot.waitUntil(lambda: legend.sceneBoundingRect().bottom() <= view.sceneBoundingRect().top() + 1, timeout=3000)
    assert legend.sceneBoundingRect().height() > 0
    monitor.begin(5)  # a new run starts with an empty legend
    assert legend.items == []


def test_a_loss_that_is_its_only_term_is_shown_once(panel):
    from restorer.gui.training import Tick

    panel.monitor.show_tick(Tick(1, 10, losses=[(1, {"l1": 0.1602, "hole_psnr": 12.5716, "loss": 0.1602})]))
    assert panel.monitor.stats.text() == "L1 0.1602  hole PSNR 12.57 dB"
    assert "loss" not in panel.monitor._curves
    panel.monitor.show_tick(Tick(2, 10, losses=[(2, {"l1": 0.1, "adv": 0.5, "loss": 0.6})]))
    assert "loss 0.6" in panel.monitor.stats.text() and "adversarial 0.5" in panel.monitor.stats.text()


def test_pause_stops_step_progress_and_resume_continues(qtbot, panel, photos):
    TinyTrainable.delay = 0.02
    _setup(panel, photos, steps=5000)
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 3, timeout=30000)
    panel.toggle_pause()
    assert panel.pause_button.text() == "Resume"
    qtbot.wait(300)  # the step under way finishes
    held = _worker_step(panel)
    qtbot.wait(600)
    assert _worker_step(panel) == held, "steps continued while paused"
    assert panel.monitor.progress.value() == held
    panel.toggle_pause()
    assert panel.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: _worker_step(panel) >= held + 3, timeout=30000)
    qtbot.waitUntil(lambda: panel.monitor.progress.value() > held, timeout=5000)


def test_cancel_writes_loadable_checkpoint_that_resumes_after_restart(qtbot, panel, photos, train_registry):
    from restorer.gui.training import TrainingPanel

    from PySide6.QtWidgets import QScrollArea

    TinyTrainable.delay = 0.02
    scroll = QScrollArea()  # as in the window: the Train tab scrolls
    qtbot.addWidget(scroll)
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    scroll.resize(400, 300)
    scroll.show()
    qtbot.waitExposed(scroll)
    _setup(panel, photos, steps=60, name="interrupted")
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 4, timeout=30000)
    with qtbot.waitSignal(panel.run.failed, timeout=30000) as failed:
        panel.cancel()
    assert isinstance(failed.args[0], Cancelled)
    qtbot.waitUntil(lambda: not panel.running, timeout=10000)
    checkpoint = panel.run.record.checkpoint
    state = load_checkpoint(checkpoint)
    assert 4 <= state.step < 60 and state.step == panel.run.step
    apply_checkpoint(state, TinyTrainer(), np.random.default_rng(0))  # loads into a fresh trainer
    assert "checkpoint was saved" in panel.monitor.message.text()
    assert not weights_path("test-trainable", "interrupted").exists()
    assert panel.stored.runs_combo.count() == 1 and panel.stored.resume_button.isEnabled()
    # the tab scrolled to the Unfinished runs the message points to
    shown, scrolled = panel.stored.runs_box.visibleRegion().boundingRect(), scroll.verticalScrollBar().value()
    scroll.takeWidget()  # the panel is the fixture's to close
    assert scrolled > 0 and shown.height() >= panel.stored.runs_box.height() // 2

    # a restart: a new panel finds the run and resumes it from its checkpoint to the end
    TinyTrainable.delay = 0.0
    again = TrainingPanel(device="cpu")
    qtbot.addWidget(again)
    again.set_registry(train_registry)
    assert again.stored.runs_combo.count() == 1 and f"step {state.step} of 60" in again.stored.runs_combo.itemText(0)
    ticks = []
    assert again.resume_run()
    again.run.ticked.connect(ticks.append)
    with qtbot.waitSignal(again.run.finished, timeout=60000):
        pass
    assert ticks and ticks[0].losses[0][0] == state.step + 1  # continued, not restarted
    assert load_checkpoint(checkpoint).step == 60
    assert ("test-trainable", "interrupted") in again.stored.weights_names() and again.stored.runs_combo.count() == 0
    assert again.stored.runs_combo.placeholderText().startswith("none")  # the empty list says there is none
    item = again.stored.weights_list.item(0)
    assert item.toolTip() == item.text()  # the whole label, where a narrow panel wraps it


def test_a_run_stopped_on_the_command_line_is_offered_and_resumes_with_previews(qtbot, panel, photos,
                                                                               train_registry):
    from restorer.jobs import Job
    from restorer.training import TrainOptions, train_model

    options = TrainOptions(steps=30, batch_size=2, crop=32, checkpoint_every=100)  # as `restorer train` sets
    job = Job()
    job.add_listener(lambda p: job.cancel() if p.done == 3 else None)
    with pytest.raises(Cancelled):
        train_model(train_registry.models["test-trainable"], [str(photos)], options, "from-cli", job=job)
    panel.stored.refresh()
    assert panel.stored.runs_combo.count() == 1 and "step 3 of 30" in panel.stored.runs_combo.itemText(0)
    previews = []
    assert panel.resume_run()
    panel.run.ticked.connect(lambda tick: previews.append(tick.preview) if tick.preview is not None else None)
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        pass
    assert panel.run.record.options.preview_every == 5 and previews  # the panel's cadence, not the CLI's 0
    assert ("test-trainable", "from-cli") in panel.stored.weights_names()


def test_an_unfinished_run_can_be_discarded(qtbot, panel, photos, monkeypatch):
    from restorer.gui import dialogs

    TinyTrainable.delay = 0.02
    _setup(panel, photos, steps=500, name="unwanted")
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 2, timeout=30000)
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        panel.cancel()
    folder = panel.run.record.folder
    assert panel.stored.runs_combo.count() == 1 and folder.is_dir()
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: False)
    panel.stored.discard_run()
    assert panel.stored.runs_combo.count() == 1 and folder.is_dir()
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: True)
    panel.stored.discard_run()
    assert panel.stored.runs_combo.count() == 0 and not folder.exists() and not panel.stored.discard_button.isEnabled()
    _setup(panel, photos, steps=2, name="unwanted")  # the name is free again
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        pass
    assert ("test-trainable", "unwanted") in panel.stored.weights_names()


def test_gui_thread_keeps_processing_events_during_training(qtbot, panel, photos):
    from PySide6.QtCore import QTimer

    TinyTrainable.delay = 0.25  # a step that would freeze the window for 250 ms if it ran on the GUI thread
    _setup(panel, photos, steps=5000)
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 1, timeout=30000)
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start()
    qtbot.wait(1500)
    timer.stop()
    assert _worker_step(panel) >= 3
    gaps = np.diff(beats)
    assert len(beats) > 40 and gaps.max() < 0.2, (len(beats), gaps.max())


def test_a_run_trains_in_a_thread_of_its_own_not_in_the_global_pool(qtbot, panel, photos):
    from PySide6.QtCore import QThreadPool

    TinyTrainable.delay = 0.02
    _setup(panel, photos, steps=5000, name="own-thread")
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 2, timeout=30000)
    assert panel.run.training_thread.isRunning()
    assert QThreadPool.globalInstance().activeThreadCount() == 0  # every pool thread is left to repairs
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        panel.cancel()
    assert panel.run.wait(10) and panel.run.training_thread.isFinished()


def test_the_stored_runs_box_is_told_what_it_needs_and_reads_no_parent(qtbot, train_registry, monkeypatch):
    from restorer.gui import dialogs
    from restorer.gui.training.stored import StoredRuns

    save_weights("test-trainable", "kept", {"weight": torch.ones(2)}, {"steps": 3})
    stored = StoredRuns()  # no panel around it
    qtbot.addWidget(stored)
    assert stored.weights_names() == []
    stored.set_models([train_registry.models["test-trainable"]])
    assert stored.weights_names() == [("test-trainable", "kept")]
    stored.select_weights("test-trainable", "kept")
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: True)
    stored.set_training("kept")  # while its run trains, its weights stay
    stored.delete_selected()
    assert stored.weights_names() == [("test-trainable", "kept")]
    stored.set_training(None)
    stored.delete_selected()
    assert stored.weights_names() == [] and list_weights("test-trainable") == []


def test_bad_folders_show_a_clear_message(qtbot, panel, tmp_path):
    _setup(panel, "", name="bad")
    assert not panel.start()
    assert "Choose a folder" in panel.monitor.message.text()  # worded as the start of a sentence

    panel.form.folder_fields[0].set_path(str(tmp_path / "elsewhere"))
    assert panel.monitor.message.text() == ""  # the error about the empty field went with it

    panel.form.folder_fields[0].set_path(str(tmp_path / "missing"))
    assert not panel.start()
    assert "no such folder" in panel.monitor.message.text()

    empty = tmp_path / "empty"
    empty.mkdir()
    panel.form.folder_fields[0].set_path(str(empty))
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        pass
    assert "no readable photos" in panel.monitor.message.text() and "color" in panel.monitor.message.styleSheet()

    notes = tmp_path / "notes"  # files, but no photos
    notes.mkdir()
    (notes / "readme.txt").write_text("no photos here")
    panel.form.folder_fields[0].set_path(str(notes))
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        pass
    assert "no readable photos (JPEG, PNG, WebP, TIFF or BMP) found" in panel.monitor.message.text()

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.jpg").write_bytes(b"not a photo")
    (broken / "b.png").write_bytes(b"\x89PNG nothing")
    panel.form.folder_fields[0].set_path(str(broken))
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        pass
    text = panel.monitor.message.text()
    assert "no readable photos" in text and "2 unreadable files skipped" in text
    assert not panel.running and panel.start_button.isEnabled()


def test_unreadable_and_small_photos_are_reported_and_training_goes_on(qtbot, panel, tmp_path):
    mixed = _photos(tmp_path / "mixed", count=2, size=(20, 24))  # smaller than the 32-pixel crop
    (mixed / "broken.jpg").write_bytes(b"garbage")
    _setup(panel, mixed, steps=3, name="mixed")
    notices = []
    assert panel.start()
    panel.run.noticed.connect(notices.append)
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        pass
    text = panel.monitor.message.text()  # still shown after training finished
    assert "Finished" in text
    assert "1 unreadable file(s) skipped (broken.jpg)" in text
    assert "2 of 2 photo(s) are smaller than the 32-pixel crop" in text
    assert ("test-trainable", "mixed") in panel.stored.weights_names()


def test_two_folder_model_asks_for_both_folders(qtbot, panel, photos, tmp_path):
    _setup(panel, photos, name="pair", model="test-pair", steps=3)
    assert panel.form.folder_fields[1].isVisibleTo(panel) and panel.form.folder_labels[0].text() == "Style A"
    assert not panel.start() and "Style B" in panel.monitor.message.text()
    panel.form.folder_fields[1].set_path(str(_photos(tmp_path / "style-b", count=2)))
    assert panel.start()
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        pass
    assert ("test-pair", "pair") in panel.stored.weights_names()
    panel.select_model("test-trainable")
    assert not panel.form.folder_fields[1].isVisibleTo(panel)


def test_the_folder_count_is_read_from_the_model_without_building_a_trainer(qtbot, panel):
    panel.select_model("test-pair")
    assert panel.form.folder_fields[1].isVisibleTo(panel) and len(panel.form.folders()) == 2
    panel.select_model("test-counted")  # declares nothing: one folder, Model's default
    assert not panel.form.folder_fields[1].isVisibleTo(panel) and len(panel.form.folders()) == 1
    qtbot.wait(50)  # nothing is built in the background either
    assert CountedTrainable.built == 0


def test_an_existing_name_is_refused(panel, photos):
    save_weights("test-trainable", "taken", {"weight": torch.zeros(1)}, {"steps": 1})
    _setup(panel, photos, name="taken")
    assert not panel.start() and "exists" in panel.monitor.message.text()
    panel.form.name_edit.setText("bad name!")
    assert not panel.start() and "Invalid weights name" in panel.monitor.message.text()


def test_rename_use_and_delete(panel, monkeypatch):
    from restorer.gui import dialogs

    save_weights("test-trainable", "old", {"weight": torch.ones(2)}, {"steps": 7})
    panel.stored.refresh()
    changed, used = [], []
    panel.weightsChanged.connect(changed.append)
    panel.useRequested.connect(lambda model, name: used.append((model, name)))
    panel.stored.select_weights("test-trainable", "old")
    panel.stored.use_selected()
    assert used == [("test-trainable", "old")]

    monkeypatch.setattr(dialogs, "ask_text", lambda *a: "new")
    panel.stored.rename_selected()
    assert [w.name for w in list_weights("test-trainable")] == ["new"]
    assert load_weights("test-trainable", "new")[1]["name"] == "new"
    assert panel.stored.weights_names() == [("test-trainable", "new")] and changed == ["test-trainable"]

    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: False)
    panel.stored.select_weights("test-trainable", "new")
    panel.stored.delete_selected()
    assert panel.stored.weights_names() == [("test-trainable", "new")]
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: True)
    panel.stored.delete_selected()
    assert panel.stored.weights_names() == [] and list_weights("test-trainable") == []
    assert changed == ["test-trainable", "test-trainable"]


def test_closing_asks_and_saves_a_checkpoint(qtbot, panel, photos, monkeypatch):
    from restorer.gui import dialogs

    TinyTrainable.delay = 0.02
    _setup(panel, photos, steps=5000, name="closing")
    assert panel.start()
    qtbot.waitUntil(lambda: _worker_step(panel) >= 2, timeout=30000)
    asked = []
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: asked.append(a[1]) or False)
    assert not panel.confirm_close() and panel.running
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: True)
    assert panel.confirm_close() and not panel.running
    assert panel.run.training_thread.isFinished()  # joined
    assert asked == ["Training is running"]
    assert load_checkpoint(panel.run.record.checkpoint).step >= 2


def test_in_the_window_a_finished_model_can_be_used_renamed_and_deleted(qtbot, train_registry, photos, settings,
                                                                          monkeypatch):
    from restorer.editing.document import Document
    from restorer.gui import dialogs
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    from gui_helpers import textured

    window = MainWindow(Document(photo_from_array(textured())), registry=train_registry, device="cpu",
                        settings=settings, training=True)
    qtbot.addWidget(window)
    training = window.training
    window.show()
    _setup(training, photos, steps=4, name="beach")
    assert training.start()
    with qtbot.waitSignal(training.run.finished, timeout=60000):
        pass

    def choices():
        window.panel.select("test-trainable")
        return window.panel.controls()["weights"].widget

    combo = choices()
    assert [combo.itemText(i) for i in range(combo.count())] == ["beach"]  # at once, no restart
    window.panel.select("test-pair")
    training.stored.select_weights("test-trainable", "beach")
    training.stored.use_selected()
    assert window.panel.current_model().name == "test-trainable"
    assert window.panel.values()["weights"] == "beach"

    monkeypatch.setattr(dialogs, "ask_text", lambda *a: "lake")
    training.stored.select_weights("test-trainable", "beach")
    training.stored.rename_selected()
    combo = choices()
    assert [combo.itemText(i) for i in range(combo.count())] == ["lake"]
    monkeypatch.setattr(dialogs, "ask_yes", lambda *a: True)
    training.stored.select_weights("test-trainable", "lake")
    training.stored.delete_selected()
    combo = choices()
    assert [combo.itemText(i) for i in range(combo.count())] == ["starter"]
    window.document = None  # closing in teardown must not prompt


def test_painting_and_repairing_keep_working_while_training(qtbot, train_registry, photos, settings):
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    from gui_helpers import paint_image_points, textured

    TinyTrainable.delay = 0.05
    original = textured()
    window = MainWindow(Document(photo_from_array(original.copy())), registry=train_registry, device="cpu",
                        settings=settings, training=True)
    qtbot.addWidget(window)
    training = window.training
    window.show()
    _setup(training, photos, steps=100_000, name="busy")
    assert training.start()
    try:
        qtbot.waitUntil(lambda: _worker_step(training) >= 2, timeout=30000)
        window.panel.select("opencv-telea")
        paint_image_points(window.canvas, [(30.5, 40.5), (80.5, 50.5)])
        mask = window.document.mask.mask.copy()
        assert mask.sum() > 100  # the brush painted while the trainer ran
        before = _worker_step(training)
        with qtbot.waitSignal(window.runFinished, timeout=30000):
            window.run_action.trigger()
        assert (window.document.rgb[mask] != original[mask]).any(axis=1).mean() > 0.5  # repaired
        qtbot.waitUntil(lambda: _worker_step(training) > before, timeout=10000)  # and training goes on
        assert training.running
    finally:
        training.cancel()
        training.run.wait(30)
        window.document = None


def test_closing_the_window_while_training_asks_then_saves_a_checkpoint(qtbot, train_registry, photos, settings,
                                                                        monkeypatch):
    from restorer.editing.document import Document
    from restorer.gui import dialogs
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    from gui_helpers import textured

    TinyTrainable.delay = 0.02
    window = MainWindow(Document(photo_from_array(textured())), registry=train_registry, device="cpu",
                        settings=settings, training=True)
    qtbot.addWidget(window)
    window.show()
    training = window.training
    _setup(training, photos, steps=100_000, name="closing-window")
    assert training.start()
    try:
        qtbot.waitUntil(lambda: _worker_step(training) >= 2, timeout=30000)
        monkeypatch.setattr(dialogs, "ask_yes", lambda *a: False)
        assert not window.close() and window.isVisible() and training.running  # asked, and kept training
        monkeypatch.setattr(dialogs, "ask_yes", lambda *a: True)
        assert window.close() and not training.running and training.run.training_thread.isFinished()
        step = load_checkpoint(training.run.record.checkpoint).step
        assert step >= 2 and training.stored.runs_combo.count() == 1  # resumable from the panel
    finally:
        training.cancel()
        training.run.wait(30)


def test_the_form_starts_on_the_main_repair_model_not_the_first_in_the_list(qtbot):
    from restorer.gui.training.form import RunForm
    from restorer.registry import get_registry
    from restorer.trainable import is_trainable

    form = RunForm()
    qtbot.addWidget(form)
    models = sorted((m for m in get_registry().models.values() if is_trainable(m)), key=lambda m: m.label)
    assert models[0].name != "inpaint-gan"  # alphabetically, CycleGAN comes first
    form.set_models(models)
    assert form.current_model().name == "inpaint-gan"
    form.select_model(models[0].name)
    form.set_models(models)  # a later refresh keeps the person's choice
    assert form.current_model().name == models[0].name
