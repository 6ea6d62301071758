"""Data-parallel training: two CPU processes (gloo) hold identical weights; the checkpoint resumes in one process."""

from __future__ import annotations

import json
import os
import shutil
import socket

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from restorer.errors import Cancelled
from restorer.jobs import Job
from restorer.training import DataConfig, LoopConfig, PhotoFolder, Trainer, load_checkpoint, train
from restorer.training import distributed
from restorer.training.checkpoint import apply_checkpoint

STEPS = 6


class NormTrainer(Trainer):
    """Conv + batch norm + dropout: weights, buffers and torch randomness all take part.

    The second network steps its optimizer directly (as the GAN trainers do), the first
    through :meth:`Trainer.optimize`; both must be averaged over the ranks.
    """

    wants_masks = True

    def __init__(self, poison_step: int | None = None):
        super().__init__("cpu")
        torch.manual_seed(1234)
        self.poison_step = poison_step
        self.net = torch.nn.Sequential(torch.nn.Conv2d(4, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                       torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Conv2d(8, 3, 3, padding=1))
        self.critic = torch.nn.Conv2d(3, 1, 3, padding=1)
        self.modules.update(net=self.net, critic=self.critic)
        self.add_optimizer("net", torch.optim.Adam(self.net.parameters(), lr=1e-2))
        # a gradient scaler as under AMP on CUDA: a rank with an inf gradient must not make the ranks disagree
        self.scalers["net"] = torch.amp.GradScaler("cpu", init_scale=256.0, growth_interval=1000)
        self.critic_opt = torch.optim.SGD(self.critic.parameters(), lr=1e-2)
        self.optimizers["critic"] = self.critic_opt
        self.first_batch_mean: float | None = None

    def config(self):
        return {"arch": "norm-tiny"}

    def train_step(self, batch, step):
        if self.first_batch_mean is None:
            self.first_batch_mean = float(batch.photos.mean())
        hole = batch.masks
        out = self.net(torch.cat([batch.photos * (1 - hole), hole], 1))
        loss = (out - batch.photos).abs().mean()
        poison = None
        if step == self.poison_step:  # an overflow on this rank only
            poison = self.net[0].weight.register_hook(lambda grad: grad * float("inf"))
        self.optimize("net", loss)
        if poison is not None:
            poison.remove()
        self.critic_opt.zero_grad(set_to_none=True)
        critic_loss = self.critic(out.detach()).pow(2).mean()
        critic_loss.backward()
        self.critic_opt.step()
        return {"loss": loss.item(), "critic": critic_loss.item()}

    def export(self):
        return dict(self.net.state_dict()), self.config()


def _photos(root, count=6):
    rng = np.random.default_rng(5)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        pixels = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"p{i}.png")
    return root


def _config(steps):
    return LoopConfig(steps=steps, seed=7, checkpoint_every=2, data=DataConfig(crop=24, batch_size=2))


def _state(trainer):
    return {f"{name}/{key}": value.detach().clone().contiguous()
            for name, module in trainer.modules.items() for key, value in module.state_dict().items()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rank_main(rank: int, world: int, port: int, folder: str, out: str) -> None:
    """One rank, set up from the variables torchrun would set."""
    torch.set_num_threads(1)
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    session = distributed.init_from_env("cpu")
    assert session is not None and session.rank == rank and session.backend == "gloo"
    trainer = NormTrainer(poison_step=2 if rank == 1 else None)
    if rank == 1:  # a different start: rank 0's weights must win
        with torch.no_grad():
            for p in trainer.net.parameters():
                p.add_(1.0)
    reported = []
    job = Job(lambda progress: reported.append(progress.done))
    result = train(trainer, [PhotoFolder.scan(folder)], _config(STEPS),
                   checkpoint=os.path.join(out, f"checkpoint-{rank}.safetensors"), job=job)
    save_file(_state(trainer), os.path.join(out, f"weights-{rank}.safetensors"))

    # machines without shared storage: rank 1's "node" lacks the run folder; rank 0 sends its checkpoint
    node = os.path.join(out, f"node{rank}")
    os.makedirs(node)
    if rank == 0:
        shutil.copy(os.path.join(out, "checkpoint-0.safetensors"), os.path.join(node, "checkpoint.safetensors"))
    session.share_file(os.path.join(node, "checkpoint.safetensors"))
    resumed = NormTrainer()
    train(resumed, [PhotoFolder.scan(folder)], _config(STEPS + 2),
          checkpoint=os.path.join(node, "checkpoint.safetensors"), resume=True)
    save_file(_state(resumed), os.path.join(out, f"resumed-{rank}.safetensors"))

    # a cancel on rank 1 alone (Ctrl+C reaching one process) stops both after the same step
    stopping, trained = Job(), []
    one_step = resumed.train_step

    def step_then_cancel_on_rank_1(batch, step):
        losses = one_step(batch, step)
        trained.append(step + 1)
        if rank == 1 and step + 1 == STEPS + 4:
            stopping.cancel()
        return losses

    resumed.train_step = step_then_cancel_on_rank_1
    session.share_file(os.path.join(node, "checkpoint.safetensors"))  # as train_model does on --resume
    stopped_at = None
    try:
        train(resumed, [PhotoFolder.scan(folder)], _config(STEPS + 50),
              checkpoint=os.path.join(node, "checkpoint.safetensors"), resume=True, job=stopping)
    except Cancelled:
        stopped_at = trained[-1]
    with open(os.path.join(out, f"rank-{rank}.json"), "w") as handle:
        json.dump({"step": result.step, "first_batch_mean": trainer.first_batch_mean, "reported": reported,
                   "scale": trainer.scalers["net"].get_scale(), "stopped_at": stopped_at}, handle)
    distributed.shutdown()


# Two processes start torch (~15 s on 2 cores): kept in the default suite, it is the DDP guarantee.
@pytest.mark.timeout(120)
def test_two_gloo_ranks_train_identically_and_resume_in_one_process(tmp_path):
    folder = _photos(tmp_path / "photos")
    out = tmp_path / "out"
    out.mkdir()
    torch.multiprocessing.spawn(_rank_main, args=(2, _free_port(), str(folder), str(out)), nprocs=2, join=True)

    ranks = [json.loads((out / f"rank-{r}.json").read_text()) for r in range(2)]
    assert [r["step"] for r in ranks] == [STEPS, STEPS]
    # each rank drew its own crops (its own shard and seed) ...
    assert ranks[0]["first_batch_mean"] != pytest.approx(ranks[1]["first_batch_mean"], abs=1e-6)
    # ... yet the weights, buffers included, are the same after every averaged step
    w0, w1 = load_file(str(out / "weights-0.safetensors")), load_file(str(out / "weights-1.safetensors"))
    assert w0.keys() == w1.keys()
    for key in w0:
        torch.testing.assert_close(w0[key], w1[key], rtol=0, atol=1e-6, msg=key)
    start = NormTrainer()
    assert any(not torch.equal(w0[f"net/{k}"], v) for k, v in start.net.state_dict().items()), "did not train"
    # the overflow on rank 1 made both ranks skip that step and halve their scale alike
    assert [r["scale"] for r in ranks] == [128.0, 128.0]
    assert all(torch.isfinite(value).all() for value in w0.values())
    # only rank 0 reports progress and writes the checkpoint
    assert ranks[0]["reported"] == list(range(1, STEPS + 1)) and ranks[1]["reported"] == []
    assert (out / "checkpoint-0.safetensors").is_file() and not (out / "checkpoint-1.safetensors").exists()

    # a data-parallel resume where rank 1 had no checkpoint: it received rank 0's, and both went on alike
    assert load_checkpoint(out / "node1" / "checkpoint.safetensors").step == STEPS + 2  # received, not written
    r0, r1 = load_file(str(out / "resumed-0.safetensors")), load_file(str(out / "resumed-1.safetensors"))
    for key in r0:
        torch.testing.assert_close(r0[key], r1[key], rtol=0, atol=1e-6, msg=key)
    assert any(not torch.equal(r0[key], w0[key]) for key in r0), "the resumed run did not train"
    # then rank 1 alone was cancelled: both stopped after step STEPS + 4, and rank 0 saved it
    assert [r["stopped_at"] for r in ranks] == [STEPS + 4, STEPS + 4]
    assert load_checkpoint(out / "node0" / "checkpoint.safetensors").step == STEPS + 4

    # the checkpoint resumes in a single process, with the weights the ranks ended with
    assert distributed.current() is None
    checkpoint = out / "checkpoint-0.safetensors"
    state = load_checkpoint(checkpoint)
    assert state.step == STEPS
    resumed = NormTrainer()
    apply_checkpoint(state, resumed, np.random.default_rng(0))
    for key, value in _state(resumed).items():
        torch.testing.assert_close(value, w0[key], rtol=0, atol=0, msg=key)
    result = train(NormTrainer(), [PhotoFolder.scan(folder)], _config(STEPS + 2), checkpoint=checkpoint, resume=True)
    assert result.step == STEPS + 2 and load_checkpoint(checkpoint).step == STEPS + 2


def test_shard_splits_photos_between_ranks(tmp_path):
    folder = PhotoFolder.scan(_photos(tmp_path / "photos", count=5))
    shards = [distributed.Session(rank, 2, rank, "gloo", "cpu").shard(folder) for rank in range(2)]
    assert [len(s) for s in shards] == [3, 2]
    assert set(shards[0].paths).isdisjoint(shards[1].paths)
    assert sorted(shards[0].paths + shards[1].paths) == folder.paths
    few = PhotoFolder.scan(_photos(tmp_path / "few", count=1))
    assert [len(distributed.Session(r, 2, r, "gloo", "cpu").shard(few)) for r in range(2)] == [1, 1]


def test_single_process_is_not_distributed(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert distributed.init_from_env("cpu") is None and distributed.is_main_process()
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert distributed.launched() and not distributed.is_main_process()
