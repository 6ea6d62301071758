"""The trainer core, shared by every trainable model (inpaint-gan, dcgan, vae, cyclegan, ...).

Contract for a trainable model (a :class:`restorer.models.Model` with ``trainable = True``)::

    class MyModel(Model):
        trainable = True
        def make_trainer(self, options: TrainOptions, device: str) -> Trainer: ...

The :class:`Trainer` (subclass of :class:`restorer.training.loop.Trainer`) owns:

- ``modules: dict[str, nn.Module]`` and ``optimizers: dict[str, Optimizer]`` — all
  checkpointed; register optimizers with ``self.add_optimizer(name, opt)`` so
  AMP gets a gradient scaler for each (use ``self.autocast()`` around forward
  passes and ``self.optimize(name, loss)`` for backward + step);
- ``folders`` (1, or 2 for two-domain training such as CycleGAN) and
  ``wants_masks`` (batches carry random hole masks) as class attributes;
- ``config() -> dict``: JSON architecture config; a checkpoint resumes only into the same;
- ``train_step(batch: Batch, step: int) -> dict[str, float]``: one step on a
  :class:`~restorer.training.data.Batch` (``photos`` ``(B,3,H,W)`` floats in
  [0, 1] on the CPU — call ``self.to_device(batch)``; ``photos_b`` from the
  second folder; ``masks`` ``(B,1,H,W)``, 1 = hole); returns named losses;
  any randomness must use torch's global RNG (checkpointed) or the batch;
- ``preview(batch) -> uint8 RGB ndarray | None`` for the GUI;
- ``export() -> (tensors, metadata)``: the inference weights and a JSON-ready
  dict (at least the architecture config) that the model loads back.

The core supplies the rest:

- :class:`PhotoFolder` (recursive scan, JPEG/PNG/WebP/TIFF/BMP, unreadable files
  skipped and counted in ``.skipped``, random crops with scale jitter and flips,
  small photos enlarged) and :func:`sample_batch`;
- :func:`random_mask` (thin / medium / thick strokes, boxes; hole area in a range);
- :func:`train`: the loop — progress, pause and cancel through ``Job.update``
  (``metrics``: the losses, ``step``, ``images_per_s``, ``skipped``), atomic
  safetensors checkpoints with optimizer, scaler, step and RNG state, exact
  resume, NaN/inf guard (:class:`TrainingDiverged`, last good checkpoint kept),
  AMP on CUDA. No prints: safe to run in a GUI worker thread.
- :func:`train_model`: the whole job for the CLI and GUI — scan folders, build the
  trainer from a model, run the loop into the run folder of the weights store,
  export the result as named user weights (:mod:`restorer.weights`), keeping
  ``options.holdout`` photos out of training;
- :func:`compare_holdout`: after a run of an inpainting model, the new weights
  against the run's starting weights on those photos (:class:`HoldoutScore`).
"""

from restorer.training.checkpoint import apply_checkpoint, load_checkpoint, save_checkpoint
from restorer.training.data import Batch, DataConfig, PhotoFolder, Skipped, sample_batch
from restorer.training.holdout import HoldoutScore, compare_holdout, holdout_line
from restorer.training.loop import LoopConfig, Trainer, TrainingDiverged, TrainResult, train
from restorer.training.masks import MASK_KINDS, random_mask
from restorer.training.options import TrainOptions
from restorer.training.train_and_store import train_model

__all__ = [
    "Batch", "DataConfig", "HoldoutScore", "LoopConfig", "MASK_KINDS", "PhotoFolder", "Skipped", "TrainOptions",
    "TrainResult", "Trainer", "TrainingDiverged", "apply_checkpoint", "compare_holdout", "holdout_line",
    "load_checkpoint", "random_mask", "sample_batch", "save_checkpoint", "train", "train_model",
]
