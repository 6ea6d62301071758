"""The model panel says which weights files it left out, as `restorer models` does."""

from __future__ import annotations


def test_an_unreadable_weights_file_is_named_under_the_model_panel(qtbot, settings, photo_rgb, tmp_path,
                                                                    monkeypatch):
    import restorer_plugins.opencv as opencv
    import restorer_plugins.inpaint_gan as inpaint_gan
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array
    from restorer.registry import load_registry

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "data" / "weights" / "inpaint-gan"
    folder.mkdir(parents=True)
    (folder / "garbage.safetensors").write_bytes(b"not a safetensors file at all, only text")
    registry = load_registry(plugins=[opencv, inpaint_gan], use_entry_points=False)
    assert "inpaint-gan" in registry.models  # the model stays
    window = MainWindow(Document(photo_from_array(photo_rgb.copy())), registry=registry, device="cpu",
                        settings=settings)
    qtbot.addWidget(window)
    text = window.panel.message.text()
    assert "garbage.safetensors" in text and "left out" in text
