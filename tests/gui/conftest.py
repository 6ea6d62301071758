"""GUI test setup: Qt offscreen, a registry with the OpenCV models and inline test models, a window."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import numpy as np
import pytest

from restorer import hookimpl
from restorer.models import Model, RunRequest

from gui_helpers import textured


class Broken(Model):
    """A plugin model with a bug: it raises."""

    name = "test-broken"
    title = "Broken test model"
    task = "inpaint"

    def run(self, request, job):  # noqa: D102
        job.update(0, 1, "about to fail")
        raise RuntimeError("kaboom in the plugin")


class Slow(Model):
    """Reports many small steps so a test can cancel it or try a second run meanwhile."""

    name = "test-slow"
    title = "Slow test model"
    task = "inpaint"

    def run(self, request: RunRequest, job):  # noqa: D102
        import time

        preview = np.full((30, 40, 3), 200, np.uint8)
        for step in range(400):
            job.update(step, 400, f"step {step}", preview=preview if step == 1 else None)
            time.sleep(0.01)
        return np.zeros_like(request.photo)


class Negative(Model):
    """A stylize model: the photographic negative."""

    name = "test-negative"
    title = "Negative"
    task = "stylize"

    def run(self, request, job):  # noqa: D102
        job.update(1, 1, "inverted")
        return 255 - request.photo


class Sampler(Model):
    """A sample model: a 32x48 gradient, with every kind of parameter."""

    from restorer.models import bool_param, choice_param, float_param, int_param, Param

    name = "test-sampler"
    title = "Test sampler"
    task = "sample"
    params = (
        int_param("seed", 3, 0, 100, help="random seed"),
        float_param("temperature", 0.5, 0.0, 1.0),
        bool_param("grayscale", False),
        choice_param("palette", "warm", ("warm", "cold")),
        Param("caption", "str", "hello"),
        int_param("steps", 10, 1, 100000),
    )
    seen: list[dict] = []

    def run(self, request, job):  # noqa: D102
        type(self).seen.append(dict(request.params))
        image = np.zeros((32, 48, 3), np.uint8)
        image[..., 0] = request.params["seed"]
        return image


class TestPlugin:
    """Registers the inline test models."""

    __name__ = "gui-test-models"

    @hookimpl
    def register_models(self, register):  # noqa: D102
        for model in (Broken(), Slow(), Negative(), Sampler()):
            register(model)


@pytest.fixture(scope="session")
def registry():
    """OpenCV models plus the inline test models; no entry points."""
    import restorer_plugins.opencv as opencv
    from restorer.registry import load_registry

    loaded = load_registry(plugins=[opencv, TestPlugin()], use_entry_points=False)
    assert not loaded.failures, loaded.failures
    return loaded


@pytest.fixture
def settings(tmp_path):
    """Settings in a temporary INI file, so tests never touch the person's recent files."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def photo_rgb() -> np.ndarray:
    """The test photo's pixels."""
    return textured()


@pytest.fixture(autouse=True, scope="session")
def private_user_settings(tmp_path_factory):
    """Windows made with default settings write to a temporary folder, not the person's recent files."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("user-settings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
    return folder


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch):
    """A modal dialog would hang an offscreen test: answer them, and record what was asked."""
    from PySide6.QtWidgets import QMessageBox

    from restorer.gui import dialogs

    asked: list[tuple] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(("question", title, text))
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(dialogs, "ask_overwrite_original",
                        lambda parent, name: asked.append(("overwrite", name)) or "cancel")
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: asked.append(("open",) + a[1:]) or "")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: asked.append(("save",) + a[1:]) or ("", ""))
    monkeypatch.setattr(dialogs, "ask_int", lambda *a: asked.append(("int",) + a[1:]) or None)
    return asked


@pytest.fixture
def window(qtbot, registry, settings, photo_rgb):
    """A shown main window with the test photo, the test registry and the CPU."""
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    win = MainWindow(Document(photo_from_array(photo_rgb.copy())), registry=registry, device="cpu",
                     settings=settings)
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if win.run is not None and win.run.running:
        win.run.cancel()
        qtbot.waitUntil(lambda: not win.run.running, timeout=5000)
    win.set_document(None)  # closing in teardown must not prompt
    win.close()
    win.deleteLater()
