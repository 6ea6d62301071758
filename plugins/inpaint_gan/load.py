"""Loading inpaint-gan weights for inference: the refinement generator.

A weights file holds the :class:`~restorer_plugins.inpaint_gan.network.RefineGenerator`'s state
dict and its :class:`~restorer_plugins.inpaint_gan.network.GeneratorConfig` under ``config``
(the schema of :mod:`restorer.weights`); weights written before that schema keep it under
``generator`` (the shipped starter among them), and are read the same.
"""

from __future__ import annotations

from typing import Any

import torch

from restorer.weights import find_weights
from restorer.networks import architecture, for_inference, load_state
from restorer_plugins.inpaint_gan.network import GeneratorConfig, RefineGenerator

NAME = "inpaint-gan"
#: Where weights written before the shared schema keep the config.
OLDER_CONFIG_KEY = "generator"


def generator_config(metadata: dict[str, Any], source: str) -> GeneratorConfig:
    """The generator config of an inpaint-gan weights file; :class:`~restorer.errors.ModelError` if unusable."""
    return architecture(metadata, GeneratorConfig.from_json, source, NAME, older_key=OLDER_CONFIG_KEY)


def generator_from_weights(tensors: dict[str, torch.Tensor], metadata: dict[str, Any],
                           source: str) -> RefineGenerator:
    """The :class:`RefineGenerator` stored by :meth:`~restorer_plugins.inpaint_gan.trainer.InpaintTrainer.export`,
    ready for inference (:func:`~restorer.networks.for_inference`)."""
    net = RefineGenerator(generator_config(metadata, source))
    return for_inference(load_state(net, tensors, source, "the inpaint-gan network"))


def coarse_of_weights(name: str) -> str:
    """The classical fill the generator of weights ``name`` refines, read from the file's metadata alone
    (no tensors loaded, so the networks cached for the device a repair runs on stay where they are)."""
    info = find_weights(NAME, name)  # it has read the metadata already
    return generator_config(info.metadata, str(info.path)).coarse
