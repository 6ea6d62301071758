"""The document without Qt: results as history steps, saving, the untouched original."""

from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image

from restorer.editing.document import Document
from restorer.images import load_photo, photo_from_array
from tests.conftest import textured_photo


def textured() -> np.ndarray:
    """The 120 x 90 photo these tests paint on."""
    return textured_photo(90, 120)


def test_a_result_changes_only_masked_pixels_and_undoes_exactly():
    rgb = textured()
    document = Document(photo_from_array(rgb.copy()))
    document.mask.stroke([(30.5, 40.5), (70.5, 40.5)], size=9)
    coverage = document.mask.coverage.copy()
    document.apply_result(np.full_like(rgb, 7), coverage, "Repair", clear_mask=True)
    inside = coverage > 0
    assert (document.rgb[inside] == 7).all()
    assert np.array_equal(document.rgb[~inside], rgb[~inside])
    assert not document.mask.any()
    document.history.undo()  # one step: the photo and the cleared mask come back together
    assert np.array_equal(document.rgb, rgb)
    assert np.array_equal(document.mask.coverage, coverage)


def test_a_soft_mask_blends_the_result():
    rgb = np.full((20, 20, 3), 100, np.uint8)
    document = Document(photo_from_array(rgb))
    coverage = np.zeros((20, 20), np.uint8)
    coverage[5, 5], coverage[5, 6] = 255, 128
    document.apply_result(np.full_like(rgb, 200), coverage, "Repair")
    assert tuple(document.rgb[5, 5]) == (200,) * 3
    assert tuple(document.rgb[5, 6]) == (150,) * 3
    assert tuple(document.rgb[5, 7]) == (100,) * 3


def test_modified_follows_photo_edits_and_saving(tmp_path):
    source = tmp_path / "photo.png"
    Image.fromarray(textured(), "RGB").save(source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    document = Document.open(source)
    assert not document.modified
    document.mask.stroke([(10.5, 10.5)], size=5)
    assert not document.modified  # the mask is not part of the saved photo
    document.apply_result(np.zeros_like(document.rgb), document.mask.coverage, "Repair")
    assert document.modified
    document.history.undo()
    assert not document.modified
    document.history.redo()
    out = tmp_path / "out.png"
    document.save(out)
    assert not document.modified
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest  # the original is untouched
    assert np.array_equal(load_photo(out).rgb, document.rgb)


def test_alpha_is_kept_through_a_repair_and_save(tmp_path):
    rgba = np.dstack([textured(), np.tile(np.arange(120, dtype=np.uint8)[None, :] * 2, (90, 1))])
    source = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(source)
    document = Document.open(source)
    document.mask.stroke([(60.5, 45.5)], size=15)
    document.apply_result(np.zeros_like(document.rgb), document.mask.coverage, "Repair")
    for name in ("out.png", "out.webp", "out.tif"):
        document.save(tmp_path / name, quality=100)
        with Image.open(tmp_path / name) as saved:
            assert saved.mode == "RGBA", name
            assert np.array_equal(np.asarray(saved)[..., 3], rgba[..., 3]), name


def test_strokes_painted_while_a_model_ran_survive_clearing_the_mask():
    rgb = textured()
    document = Document(photo_from_array(rgb.copy()))
    document.mask.stroke([(20.5, 20.5)], size=7)
    snapshot = document.mask.coverage.copy()  # what the model ran with
    document.mask.stroke([(90.5, 60.5)], size=7)  # painted during the run
    document.apply_result(np.zeros_like(rgb), snapshot, "Repair", clear_mask=True)
    assert not document.mask.mask[20, 20] and document.mask.mask[60, 90]
    assert (document.rgb[60, 90] == rgb[60, 90]).all()  # not repaired: it was not in the run's mask


def test_a_deleted_photo_listener_is_neither_kept_alive_nor_called():
    import gc
    import weakref

    class View:
        def __init__(self, boxes):
            self.boxes = boxes

        def photo_changed(self, box):
            self.boxes.append(box)

    document = Document(photo_from_array(textured()))
    boxes = []
    view = View(boxes)
    document.photo_changed.connect(view.photo_changed)
    document.apply_result(np.zeros_like(document.rgb), None, "Black")
    assert len(boxes) == 1
    gone = weakref.ref(view)
    del view
    gc.collect()
    assert gone() is None
    document.history.undo()
    assert len(boxes) == 1
