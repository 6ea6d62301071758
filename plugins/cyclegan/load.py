"""Loading CycleGAN weights for inference: the two generators.

A weights file holds the two generators' state dicts (``a_to_b.`` / ``b_to_a.``; the
discriminators are only needed to train), the
:class:`~restorer_plugins.cyclegan.networks.CycleGANConfig` under ``config`` (the schema of
:mod:`restorer.weights`) and what styles A and B are called (``a_name``, ``b_name``).
"""

from __future__ import annotations

from typing import Any

import torch

from restorer.networks import architecture, load_state
from restorer_plugins.cyclegan.networks import CycleGANConfig, ResnetGenerator

FAMILY = "cyclegan"


def config_from_metadata(metadata: dict[str, Any], source: str = "weights") -> CycleGANConfig:
    """The :class:`CycleGANConfig` a weights file describes; :class:`ModelError` if missing or out of bounds."""
    return architecture(metadata, lambda data: CycleGANConfig(**data), source, "CycleGAN")


def load_generators(nets: dict[str, torch.nn.Module], tensors: dict[str, torch.Tensor], source: str) -> None:
    """Load the ``a_to_b.`` / ``b_to_a.`` tensors of a weights file into ``nets``."""
    for name in ("a_to_b", "b_to_a"):
        load_state(nets[name], tensors, source, "the CycleGAN networks they describe", prefix=name + ".")


def generators_from_weights(tensors: dict[str, torch.Tensor], metadata: dict[str, Any],
                            source: str = "weights") -> dict[str, ResnetGenerator]:
    """The two generators stored by :meth:`~restorer_plugins.cyclegan.training.CycleGANTrainer.export`, in
    eval mode."""
    config = config_from_metadata(metadata, source)
    nets = {"a_to_b": ResnetGenerator(config), "b_to_a": ResnetGenerator(config)}
    load_generators(nets, tensors, source)
    return {k: v.eval() for k, v in nets.items()}
