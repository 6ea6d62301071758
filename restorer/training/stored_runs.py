"""What is remembered about a training run, so an unfinished one can be resumed after a restart.

The trainer keeps its checkpoint in the run folder of the weights store
(:func:`restorer.weights.run_dir`) under the name :data:`CHECKPOINT_FILE`;
:func:`restorer.training.train_and_store.train_model` adds
``run.json`` beside it once the first step is done, with what the person chose
(model, photo folders, options), which the checkpoint alone does not say. Runs
started from the command line and from the app's training panel are both written,
so the panel can offer to resume either.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from restorer.files import atomic_write
from restorer.training.options import TrainOptions
from restorer.weights import data_dir, run_dir, weights_path

RUN_FILE = "run.json"
#: The checkpoint's name inside the run folder, where :func:`~restorer.training.train_and_store.train_model`
#: writes it (the one place that names it).
CHECKPOINT_FILE = "checkpoint.safetensors"


@dataclass(frozen=True)
class RunRecord:
    """One training run as the person set it up."""

    model: str
    name: str
    folders: tuple[str, ...]
    options: TrainOptions
    #: Photos of the first folder kept out of training (relative paths), so a resumed run keeps them out.
    held_out: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        """The run folder (checkpoint and this record)."""
        return run_dir(self.model, self.name)

    @property
    def checkpoint(self) -> Path:
        """The run's training checkpoint."""
        return self.folder / CHECKPOINT_FILE

    def save(self) -> None:
        """Write ``run.json`` atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"model": self.model, "name": self.name, "folders": list(self.folders),
                "options": asdict(self.options), "held_out": list(self.held_out)}
        atomic_write(self.folder / RUN_FILE, json.dumps(data, indent=1).encode(), overwrite=True)

    @classmethod
    def load(cls, path: str | Path) -> "RunRecord":
        """Read a ``run.json``; raises ``ValueError``/``OSError`` when it is not one."""
        data = json.loads(Path(path).read_text())
        options = TrainOptions(**data["options"])
        return cls(str(data["model"]), str(data["name"]), tuple(str(f) for f in data["folders"]), options,
                   tuple(str(p) for p in data.get("held_out", ())))

    def step(self) -> int:
        """The step the checkpoint was saved at (0 without a checkpoint)."""
        return checkpoint_step(self.checkpoint)

    def finished(self) -> bool:
        """Whether the run reached its steps and its weights were stored."""
        return weights_path(self.model, self.name).exists() and self.step() >= self.options.steps


def checkpoint_step(path: str | Path) -> int:
    """The step stored in a checkpoint's header (0 when there is no readable checkpoint). Reads no tensors."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        return 0
    try:
        with safe_open(str(path), framework="pt") as handle:
            return int((handle.metadata() or {}).get("step", 0))
    except Exception:  # a foreign or broken file: nothing to resume
        return 0


def unfinished_runs(models: set[str] | None = None) -> list[tuple[RunRecord, int]]:
    """Runs with a checkpoint that did not finish, newest first, with the step they reached."""
    found: list[tuple[float, RunRecord, int]] = []
    for path in (data_dir() / "runs").glob(f"*/*/{RUN_FILE}"):
        try:
            record = RunRecord.load(path)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if models is not None and record.model not in models:
            continue
        step = record.step()
        if 0 < step and not record.finished():
            found.append((record.checkpoint.stat().st_mtime, record, step))
    found.sort(key=lambda item: item[0], reverse=True)
    return [(record, step) for _, record, step in found]
