"""Fine-tuning from the window: the training panel, its worker thread and the runs it can resume."""

from restorer.gui.training.link import attach_training_panel
from restorer.gui.training.panel import TrainingPanel
from restorer.training.stored_runs import RunRecord, unfinished_runs
from restorer.gui.training.worker import Tick, TrainingRun

__all__ = ["RunRecord", "Tick", "TrainingPanel", "TrainingRun", "attach_training_panel", "unfinished_runs"]
