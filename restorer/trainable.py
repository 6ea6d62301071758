"""The trainable-model contract: what a model a person can fine-tune on their own photos provides.

A model is trainable when it says so (``trainable = True``) and implements :class:`TrainableModel`:

- ``folders``: how many photo folders it trains on, 1, or 2 for two domains (CycleGAN's style A
  and style B). It is read without building a trainer: the window shows that many folder
  fields, ``restorer train`` expects that many ``--data``. :class:`restorer.models.Model` says 1;
- ``weights_family``: the family of weights it runs with, which is where its trained weights
  are stored (:class:`restorer.weights.WeightsModel` has it: its ``family``, or its name);
- ``make_trainer(options, device)``: a fresh :class:`ModelTrainer` for one run on ``device``.
  ``options`` is the run's :class:`restorer.training.TrainOptions`; the trainer reads what concerns
  it (``options.base``: the weights to start from, ``None`` for from scratch; ``options.lr``, ``None``
  for its own learning rate; ``options.steps``).

:meth:`restorer.models.Model.check` refuses a model that says it is trainable but breaks the
contract, so the registry reports it when it loads instead of a run failing when it starts.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

#: The folder counts a trainable model may declare (the training data draws from one or two folders).
FOLDER_COUNTS = (1, 2)


@runtime_checkable
class ModelTrainer(Protocol):
    """What a trainer gives the training loop (:func:`restorer.training.train`).

    :class:`restorer.training.Trainer` is the base class that implements the bookkeeping (AMP,
    optimizer registration, moving batches); a trainer fills in ``modules`` and ``optimizers`` and
    implements :meth:`config`, :meth:`train_step` and :meth:`export`.
    """

    #: Photo folders a batch draws from: the model's own ``folders``.
    folders: int
    #: Whether batches carry random hole masks (``Batch.masks``, 1 = hole), as inpainting needs.
    wants_masks: bool
    #: The device the trainer runs on, and whether it trains in mixed precision.
    device: str
    amp: bool
    #: ``name -> torch.nn.Module`` and ``name -> torch.optim.Optimizer`` (with one AMP gradient scaler
    #: per optimizer in ``scalers``): all of them are checkpointed and restored on resume.
    modules: dict[str, Any]
    optimizers: dict[str, Any]
    scalers: dict[str, Any]

    def config(self) -> dict[str, Any]:
        """JSON-ready architecture config; a checkpoint resumes only into a trainer that accepts it."""

    def accepts(self, stored: dict[str, Any]) -> bool:
        """Whether a checkpoint whose config is ``stored`` resumes into this trainer."""

    def train_step(self, batch: Any, step: int) -> dict[str, float]:
        """One optimisation step on a :class:`restorer.training.Batch`; its losses by name.

        Any randomness uses torch's global random stream (checkpointed) or the batch, so a
        resumed run continues exactly."""

    def preview(self, batch: Any) -> Any:
        """A ``uint8`` RGB picture of the current results for the window, or ``None``."""

    def export(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The inference weights (``name -> tensor``) and JSON-ready metadata, at least the architecture
        config, that the model loads back from its weights family."""


@runtime_checkable
class TrainableModel(Protocol):
    """A model that can be fine-tuned: see the module's description."""

    name: str
    trainable: bool
    folders: int

    @property
    def weights_family(self) -> str:
        """The family of weights the model runs with and its trained weights are stored in."""

    def make_trainer(self, options: Any, device: str) -> ModelTrainer:
        """A fresh trainer for one run with ``options`` (:class:`restorer.training.TrainOptions`) on ``device``."""


def is_trainable(model: object) -> bool:
    """Whether ``model`` can be trained: it says so and implements :class:`TrainableModel`."""
    return bool(getattr(model, "trainable", False)) and isinstance(model, TrainableModel)


def check_trainable(model: object) -> None:
    """Raise ``ValueError`` when ``model`` says it is trainable but breaks the contract (a plugin bug)."""
    if not getattr(model, "trainable", False):
        return
    name = getattr(model, "name", "?")
    if not callable(getattr(model, "make_trainer", None)):
        raise ValueError(f"model {name} says it is trainable but has no make_trainer(options, device)")
    folders = getattr(model, "folders", None)
    if isinstance(folders, bool) or folders not in FOLDER_COUNTS:
        raise ValueError(f"model {name}: folders (photo folders it trains on) must be 1 or 2, got {folders!r}")
    family = getattr(model, "weights_family", None)
    if not isinstance(family, str) or not family:
        raise ValueError(f"model {name} says it is trainable but names no weights_family to store its weights in")


__all__ = ["FOLDER_COUNTS", "ModelTrainer", "TrainableModel", "check_trainable", "is_trainable"]
