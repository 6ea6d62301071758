"""The task table: what each task needs and returns, and how the window and the commands present it.

A model declares its task (:attr:`restorer.models.Model.task`). The pipeline, the
commands and the window look the task up here (:func:`task_spec`) instead of
comparing task names, so a new task is one row of :data:`TASK_TABLE`:

- ``inpaint``: photo + mask -> the photo, repaired inside the mask;
- ``stylize``, ``reconstruct``: photo (+ an optional mask that limits the change) -> the photo;
- ``sample``: nothing -> new images;
- ``detect``: photo -> a damage probability map (:mod:`restorer.detection` makes the mask).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Task = Literal["inpaint", "stylize", "sample", "reconstruct", "detect"]
MaskUse = Literal["required", "optional", "none"]
Returns = Literal["photo", "images", "probability"]


@dataclass(frozen=True)
class TaskSpec:
    """What one task takes and gives back, and the words the window and the commands use for it."""

    name: str
    #: Whether a run takes a photo (``sample`` makes images from nothing).
    photo: bool
    #: ``required``: a run needs a painted mask, the area to repair; ``optional``: a mask limits the
    #: change to the painted area, and without one the whole photo changes; ``none``: no mask is used.
    mask: MaskUse
    #: ``photo``: the photo changed (same size; outside the mask it is the input's, bit for bit);
    #: ``images``: new images of any size (the window opens each in a new window);
    #: ``probability``: a ``float32`` map of the photo in [0, 1] (:mod:`restorer.detection`).
    returns: Returns
    #: Whether a result may clear the painted mask (the window's "Clear the mask after a repair").
    clears_mask: bool
    #: What the window calls the task: the group title in the model list, the Run button, the undo step.
    title: str
    #: The line the window shows under a model's description.
    hint: str
    #: Whether the model panel lists the task's models (detect models are run by Find damage instead).
    listed: bool
    #: What a command's summary says of each photo it did ("3 repaired, 0 skipped, 0 failed").
    done_word: str = "done"

    def __post_init__(self) -> None:
        for field, value, allowed in (("mask", self.mask, MaskUse), ("returns", self.returns, Returns)):
            if value not in get_args(allowed):
                raise ValueError(f"task {self.name}: {field} must be one of {get_args(allowed)}, got {value!r}")
        if self.mask != "none" and not self.photo:
            raise ValueError(f"task {self.name}: a mask is painted on a photo; a task without one takes no mask")

    @property
    def needs_mask(self) -> bool:
        """Whether a run needs a mask with something painted (and something left unpainted)."""
        return self.mask == "required"

    @property
    def fills_holes(self) -> bool:
        """photo + mask -> photo: a repair that can be measured by filling known holes in an undamaged
        photo (the benchmark, the photos a training run keeps out)."""
        return self.photo and self.needs_mask and self.returns == "photo"


TASK_TABLE: dict[str, TaskSpec] = {spec.name: spec for spec in (
    TaskSpec("inpaint", photo=True, mask="required", returns="photo", clears_mask=True, title="Repair",
             hint="Fills the painted area from its surroundings.", listed=True, done_word="repaired"),
    TaskSpec("stylize", photo=True, mask="optional", returns="photo", clears_mask=False, title="Stylize",
             hint="Restyles the photo (only the painted area, if any).", listed=True),
    TaskSpec("sample", photo=False, mask="none", returns="images", clears_mask=False, title="Generate",
             hint="Generates a new image; it opens in a new window.", listed=True),
    TaskSpec("reconstruct", photo=True, mask="optional", returns="photo", clears_mask=False, title="Reconstruct",
             hint="Rebuilds the photo (only the painted area, if any).", listed=True),
    # A map of damage, not a photo: Find damage runs it and shows the mask it proposes.
    TaskSpec("detect", photo=True, mask="none", returns="probability", clears_mask=False, title="Find damage",
             hint="Proposes a mask of the damage for you to review.", listed=False, done_word="masks written"),
)}
#: Every task, in the table's order (the order the window lists them in).
TASKS: tuple[str, ...] = tuple(TASK_TABLE)


def task_spec(task: str) -> TaskSpec:
    """The row of ``task``; a ``ValueError`` for a task the table does not have (a model declaration bug)."""
    try:
        return TASK_TABLE[task]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {task!r} (tasks: {', '.join(TASKS)})") from None


def listed_tasks() -> tuple[str, ...]:
    """The tasks whose models the window's model panel offers, in table order."""
    return tuple(name for name, spec in TASK_TABLE.items() if spec.listed)


__all__ = ["TASKS", "TASK_TABLE", "Task", "TaskSpec", "listed_tasks", "task_spec"]
