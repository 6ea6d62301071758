"""Data-parallel training under ``torchrun``: one process per GPU (or per CPU slot), gradients averaged.

``torchrun --nproc-per-node N -m restorer train ...`` starts N copies of the
command with ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT`` set. :func:`init_from_env` joins them into one process group
(NCCL on CUDA, gloo on the CPU); the training loop then calls
:meth:`Session.prepare`, which

- gives each rank its own share of every photo folder (a ``DistributedSampler``
  for random crops: rank ``r`` draws from photos ``r, r + N, ...`` when there
  are at least N photos) and its own random streams, so ranks see different
  crops, masks and noise;
- copies rank 0's weights to every rank, then averages the gradients of every
  optimizer over the ranks right before it steps (one all-reduce per optimizer
  step; under AMP before the gradient scaler looks for infinities, so every
  rank skips or takes the same steps), and copies rank 0's buffers (batch-norm
  statistics) once per step, so all ranks hold identical weights;
- wraps the job so that a cancel (Ctrl+C, SIGTERM) on any rank stops every
  rank after the same step, and only rank 0 reports progress.

Only rank 0 writes checkpoints, logs and the exported weights; on ``--resume`` it
sends its checkpoint to the ranks that lack it (:meth:`Session.share_file`). The trainer's
own code is unchanged: this works on every :class:`~restorer.training.loop.Trainer`,
also those that call ``optimizer.step()`` themselves.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from restorer.errors import Cancelled, InputError
from restorer.jobs import Job, Progress
from restorer.training.data import PhotoFolder

#: Environment variables ``torchrun`` sets for each process.
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")

_session: "Session | None" = None


def launched() -> bool:
    """Whether this process was started by ``torchrun`` (or alike) as one of several ranks."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1) > 1


def is_main_process() -> bool:
    """Whether this process writes files and prints: rank 0, or the only process."""
    if _session is not None:
        return _session.is_main
    return int(os.environ.get("RANK", "0") or 0) == 0


def current() -> "Session | None":
    """The data-parallel session of this process, or ``None`` when training in a single process."""
    if _session is not None:
        return _session
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return _adopt(dist)  # a caller (a test, a notebook) set the process group up itself
    return None


def init_from_env(device: str) -> "Session | None":
    """Join the process group ``torchrun`` describes; ``None`` when this is a single process.

    ``device`` is the device the person asked for (``cpu`` or ``cuda``); under CUDA
    each rank takes the GPU of its ``LOCAL_RANK``. Calling it again returns the same session.
    """
    global _session
    if _session is not None:
        return _session
    if not launched():
        return current()
    import torch
    import torch.distributed as dist

    missing = [name for name in TORCHRUN_ENV if not os.environ.get(name)]
    if missing:
        raise InputError(f"data-parallel training needs the variables torchrun sets ({', '.join(missing)} missing); "
                         "start it with: torchrun --nproc-per-node N -m restorer train ...")
    local_rank = int(os.environ["LOCAL_RANK"])
    if device.startswith("cuda"):
        if local_rank >= torch.cuda.device_count():
            raise InputError(f"rank with LOCAL_RANK={local_rank} has no GPU ({torch.cuda.device_count()} visible); "
                             "use --nproc-per-node at most the number of GPUs")
        torch.cuda.set_device(local_rank)
        device, backend = f"cuda:{local_rank}", "nccl"
    elif device == "cpu":
        backend = "gloo"
    else:
        raise InputError(f"data-parallel training runs on CUDA or the CPU, not on {device}")
    if not dist.is_initialized():
        kwargs: dict[str, Any] = {"device_id": torch.device(device)} if backend == "nccl" else {}
        dist.init_process_group(backend=backend, **kwargs)
    _session = Session(dist.get_rank(), dist.get_world_size(), local_rank, backend, device)
    return _session


def _adopt(dist) -> "Session":
    global _session
    backend = str(dist.get_backend())
    local_rank = int(os.environ.get("LOCAL_RANK", dist.get_rank()))
    device = f"cuda:{local_rank}" if backend == "nccl" else "cpu"
    _session = Session(dist.get_rank(), dist.get_world_size(), local_rank, backend, device)
    return _session


def shutdown() -> None:
    """Leave the process group (at the end of a run; the process may also just exit)."""
    global _session
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        # Leave together: rank 0 hosts the rendezvous store, and a rank still tearing down its gloo
        # pairs when rank 0 is gone aborts (seen as SIGABRT on a loaded 2-core machine).
        dist.barrier()
        if dist.get_rank() == 0:
            # The barrier alone still lost the race about once in four full test runs here: the store's
            # host waits a moment more, so the others' teardown finds it (1 s at the end of a whole run).
            import time

            time.sleep(1.0)
        dist.destroy_process_group()
    _session = None


@dataclass
class Session:
    """This process's place among the ranks of one data-parallel run."""

    rank: int
    world_size: int
    local_rank: int
    backend: str
    device: str
    #: Optimizers whose gradients were already averaged this step (by the AMP scaler hook).
    _averaged: set[int] = field(default_factory=set, repr=False)
    #: Optimizers and scalers already hooked (a trainer trained twice is hooked once).
    _hooked: "weakref.WeakSet" = field(default_factory=lambda: weakref.WeakSet(), repr=False)

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that writes checkpoints, logs and weights."""
        return self.rank == 0

    # -- data ----------------------------------------------------------------------------------

    def shard(self, folder: PhotoFolder) -> PhotoFolder:
        """This rank's share of ``folder``: every ``world_size``-th photo, starting at ``rank``.

        A folder with fewer photos than ranks is shared whole (each rank still draws its
        own crops). Files skipped by the scan are counted on rank 0 only, so they add up once.
        """
        paths = folder.paths if len(folder) < self.world_size else folder.paths[self.rank::self.world_size]
        return PhotoFolder(root=folder.root, paths=list(paths), skipped=list(folder.skipped) if self.is_main else [],
                           cache_pixels=folder.cache_pixels)

    def seed_rank(self, data_rng: np.random.Generator, seed: int, step: int) -> None:
        """Give this rank its own crop/mask stream and torch random stream, from (seed, step, rank)."""
        import torch

        sequence = np.random.SeedSequence([int(seed), int(step), self.rank])
        data_rng.bit_generator.state = np.random.default_rng(sequence).bit_generator.state
        torch.manual_seed(int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1)))

    def share_file(self, path: str | os.PathLike) -> None:
        """Give every rank rank 0's copy of ``path`` (the checkpoint to resume from), written where it is
        missing or differs: machines without shared storage resume from the first machine's run folder.

        Sent as a byte tensor (nothing is pickled). When rank 0 has no such file, nothing happens.
        """
        import torch
        import torch.distributed as dist

        from restorer.files import atomic_write

        path = Path(path)
        data = path.read_bytes() if self.is_main and path.is_file() else b""
        size = torch.tensor([len(data)], dtype=torch.int64, device=self.device)
        dist.broadcast(size, src=0)
        if int(size.item()) == 0:
            return
        if self.is_main:
            buffer = torch.frombuffer(bytearray(data), dtype=torch.uint8).to(self.device)
        else:
            buffer = torch.empty(int(size.item()), dtype=torch.uint8, device=self.device)
        dist.broadcast(buffer, src=0)
        if not self.is_main:
            blob = buffer.cpu().numpy().tobytes()
            if not path.is_file() or path.read_bytes() != blob:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, blob, overwrite=True)

    # -- weights and gradients -----------------------------------------------------------------

    def broadcast_state(self, trainer) -> None:
        """Copy rank 0's parameters and buffers to every rank."""
        for module in trainer.modules.values():
            self._broadcast([*module.parameters(), *module.buffers()])

    def sync_buffers(self, trainer) -> None:
        """Copy rank 0's buffers (batch-norm statistics) to every rank, as DDP does each step."""
        for module in trainer.modules.values():
            self._broadcast(list(module.buffers()))

    def _broadcast(self, tensors: list) -> None:
        import torch
        import torch.distributed as dist

        by_dtype: dict[Any, list] = {}
        for tensor in tensors:
            by_dtype.setdefault((tensor.dtype, tensor.device), []).append(tensor)
        with torch.no_grad():
            for group in by_dtype.values():
                flat = torch.cat([t.detach().reshape(-1) for t in group])
                dist.broadcast(flat, src=0)
                offset = 0
                for tensor in group:
                    tensor.copy_(flat[offset:offset + tensor.numel()].view_as(tensor))
                    offset += tensor.numel()

    def average_gradients(self, optimizer) -> None:
        """Replace the gradients of ``optimizer``'s parameters by their mean over the ranks (one all-reduce).

        A parameter without a gradient on some rank counts as zero there (as in DDP);
        one without a gradient on every rank keeps none.
        """
        import torch
        import torch.distributed as dist

        params = [p for group in optimizer.param_groups for p in group["params"] if p.requires_grad]
        if not params:
            return
        with torch.no_grad():
            device = params[0].device
            parts = [(p.grad.detach() if p.grad is not None else torch.zeros_like(p)).reshape(-1).float()
                     for p in params]
            present = torch.tensor([p.grad is not None for p in params], dtype=torch.float32, device=device)
            flat = torch.cat([*[part.to(device) for part in parts], present])
            dist.all_reduce(flat)  # sum over ranks
            flat[:-len(params)] /= self.world_size
            counts = flat[-len(params):]
            offset = 0
            for index, param in enumerate(params):
                mean = flat[offset:offset + param.numel()].view_as(param).to(param.dtype)
                offset += param.numel()
                if counts[index] > 0:
                    if param.grad is None:
                        param.grad = mean.clone()
                    else:
                        param.grad.copy_(mean)

    def sync_gradients(self, trainer) -> None:
        """Average every optimizer's gradients over the ranks right before it steps (once per optimizer,
        however often the trainer is trained)."""
        for optimizer in trainer.optimizers.values():
            if optimizer not in self._hooked:
                optimizer.register_step_pre_hook(self._before_step)
                self._hooked.add(optimizer)
        for name, scaler in getattr(trainer, "scalers", {}).items():
            if scaler.is_enabled() and scaler not in self._hooked:
                self._hooked.add(scaler)
                # The scaler unscales, then skips the step on any inf: average first, so the
                # ranks see the same gradients and all skip (or take) the same steps.
                scaler.unscale_ = self._averaging_unscale(scaler.unscale_)

    def _before_step(self, optimizer, args, kwargs) -> None:
        if id(optimizer) in self._averaged:
            self._averaged.discard(id(optimizer))
        else:
            self.average_gradients(optimizer)

    def _averaging_unscale(self, unscale):
        def unscale_(optimizer):
            self.average_gradients(optimizer)
            self._averaged.add(id(optimizer))
            return unscale(optimizer)

        return unscale_

    # -- the loop's hook -----------------------------------------------------------------------

    def prepare(self, trainer, folders: list[PhotoFolder], data_rng: np.random.Generator, step: int,
                seed: int, job: Job) -> tuple[list[PhotoFolder], Job]:
        """Make a trainer, its folders and job data-parallel; called by the loop once, after any resume."""
        self.seed_rank(data_rng, seed, step)
        self.broadcast_state(trainer)
        self.sync_gradients(trainer)
        return [self.shard(folder) for folder in folders], RankJob(job, self, trainer)


class RankJob(Job):
    """A job shared by all ranks: rank 0 reports progress; a cancel on any rank stops all after the same step."""

    def __init__(self, job: Job, session: Session, trainer=None):
        super().__init__()
        self.job = job
        self.session = session
        self.trainer = trainer

    def cancel(self) -> None:  # noqa: D102
        self.job.cancel()

    def pause(self) -> None:  # noqa: D102
        self.job.pause()

    def resume(self) -> None:  # noqa: D102
        self.job.resume()

    @property
    def cancelled(self) -> bool:  # noqa: D102
        return self.job.cancelled

    @property
    def paused(self) -> bool:  # noqa: D102
        return self.job.paused

    def check(self) -> None:
        """Wait while paused; stop every rank when any rank was cancelled."""
        self._agree(self._local_stop(self.job.check))

    def update(self, done: int, total: int, message: str = "", preview: Any = None,
               metrics: dict | None = None) -> None:
        """Rank 0 reports (images/s summed over ranks); then the ranks sync buffers and agree whether to stop.

        A pause on rank 0 holds every rank: the others wait for it in the next collective.
        """
        if metrics and "images_per_s" in metrics:
            metrics = {**metrics, "images_per_s": metrics["images_per_s"] * self.session.world_size}
        self.last = Progress(done, total, message, preview, metrics)
        if self.session.is_main:
            stop = self._local_stop(lambda: self.job.update(done, total, message, preview, metrics))
        else:
            stop = self._local_stop(self.job.check)
        if self.trainer is not None:
            self.session.sync_buffers(self.trainer)
        self._agree(stop)

    @staticmethod
    def _local_stop(check) -> bool:
        try:
            check()
        except Cancelled:
            return True
        return False

    def _agree(self, stop: bool) -> None:
        import torch
        import torch.distributed as dist

        flag = torch.tensor([1.0 if stop else 0.0], device=self.session.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        if flag.item() > 0:
            raise Cancelled()
