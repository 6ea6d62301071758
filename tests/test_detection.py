"""The detect task: probability maps, proposals, and the classical baseline."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.detection import detect, probability, proposal
from restorer.errors import ModelError
from restorer.pipeline import run_model
from restorer.registry import get_registry


def _scratched(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.integers(60, 190, (160, 200, 3)).astype(np.uint8), (0, 0), 6)
    damage = np.zeros((160, 200), np.uint8)
    cv2.line(damage, (10, 20), (190, 140), 1, 2)
    cv2.circle(damage, (50, 120), 2, 1, -1)
    photo = base.copy()
    photo[damage > 0] = 250
    return photo, damage > 0


def test_proposal_thresholds_and_grows():
    prob = np.zeros((20, 20), np.float32)
    prob[10, 10] = 0.9
    prob[3, 3] = 0.4
    assert proposal(prob, 0.5).sum() == 1
    assert proposal(prob, 0.3).sum() == 2
    grown = proposal(prob, 0.5, grow=2)
    assert grown[10, 8:13].all() and grown[8:13, 10].all() and not grown[3, 3]


def test_classical_baseline_finds_a_bright_scratch_and_little_else():
    model = get_registry().get("classical-damage")
    photo, truth = _scratched()
    prob = probability(model, photo)
    assert prob.dtype == np.float32 and prob.shape == truth.shape and 0 <= prob.min() and prob.max() <= 1
    found = detect(model, photo, {"grow": 0})
    assert found[truth].mean() > 0.8  # most of the scratch
    assert found[~truth].mean() < 0.02  # a smooth photo has few false finds


def test_a_detect_model_is_not_run_as_a_photo_model():
    model = get_registry().get("classical-damage")
    photo, _ = _scratched()
    with pytest.raises(ModelError, match="finds damage"):
        run_model(model, photo, None)
    with pytest.raises(ModelError, match="does not find damage"):
        probability(get_registry().get("opencv-telea"), photo)
