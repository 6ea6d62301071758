"""Loading DCGAN weights for inference: the generator and discriminator, built once for all three models.

A weights file holds the generator's and discriminator's state dicts (prefixed
``generator.`` / ``discriminator.``; inpainting uses the discriminator's realism
term) and the :class:`~restorer_plugins.dcgan.networks.DCGANConfig` under ``config``
(the schema of :mod:`restorer.weights`). ``dcgan``, ``dcgan-interpolate`` and
``dcgan-inpaint`` run the same networks, so :func:`networks` keeps one copy for the family.
"""

from __future__ import annotations

from typing import Any

import torch

from restorer.errors import ModelError
from restorer.weights import NetworkCache
from restorer.networks import architecture, load_state
from restorer_plugins.dcgan.networks import DCGANConfig, Discriminator, Generator, build_dcgan

FAMILY = "dcgan"

#: The family's networks: one weights file on one device at a time, shared by its models.
CACHE = NetworkCache()


def config_from_metadata(metadata: dict[str, Any], source: str = "weights") -> DCGANConfig:
    """The :class:`DCGANConfig` a weights file describes; :class:`ModelError` if missing or out of bounds."""
    return architecture(metadata, lambda data: DCGANConfig(**data), source, "DCGAN")


def load_pair(generator: Generator, discriminator: Discriminator, tensors: dict[str, torch.Tensor],
              source: str) -> None:
    """Load the ``generator.`` / ``discriminator.`` tensors of a weights file into the two networks."""
    for net, prefix in ((generator, "generator."), (discriminator, "discriminator.")):
        load_state(net, tensors, source, "the DCGAN networks they describe", prefix=prefix)


def dcgan_from_weights(tensors: dict[str, torch.Tensor], metadata: dict[str, Any],
                       source: str = "weights") -> tuple[Generator, Discriminator]:
    """Rebuild G and D stored by :meth:`~restorer_plugins.dcgan.training.DCGANTrainer.export`, in eval mode."""
    generator, discriminator = build_dcgan(config=config_from_metadata(metadata, source))
    load_pair(generator, discriminator, tensors, source)
    return generator.eval(), discriminator.eval()


def networks(weights: str, device: str) -> tuple[Generator, Discriminator]:
    """(generator, discriminator) of weights ``weights`` on ``device``, loaded once per file version."""
    def build(tensors, meta, path):
        generator, discriminator = dcgan_from_weights(tensors, meta, path)
        return generator.to(device), discriminator.to(device)

    return CACHE.get(FAMILY, weights, device, build)
