"""Loading VAE weights for inference: the network and its fitted latent prior, built once for all three models.

A weights file holds the VAE's state dict, the
:class:`~restorer_plugins.vae.networks.VAEConfig` under ``config`` (the schema of
:mod:`restorer.weights`) and, optionally, a latent prior fitted after training
(``prior.*`` tensors, :mod:`restorer_plugins.vae.prior`) that ``vae-sample`` draws
from instead of N(0, I). ``vae``, ``vae-sample`` and ``vae-inpaint`` run the same
network, so :func:`vae_network` and :func:`vae_and_prior` keep one copy for the family.
"""

from __future__ import annotations

from typing import Any

import torch

from restorer.errors import ModelError
from restorer.weights import NetworkCache
from restorer.networks import architecture, load_state
from restorer_plugins.vae.networks import VAE, VAEConfig, build_vae
from restorer_plugins.vae.prior import PREFIX as PRIOR_PREFIX
from restorer_plugins.vae.prior import LatentPrior

FAMILY = "vae"

#: The family's network and prior: one weights file on one device at a time, shared by its models.
CACHE = NetworkCache()


def config_from_metadata(metadata: dict[str, Any], source: str = "weights") -> VAEConfig:
    """The :class:`VAEConfig` a weights file describes; :class:`ModelError` if missing or out of bounds."""
    return architecture(metadata, lambda data: VAEConfig(**data), source, "VAE")


def network_tensors(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The network's own tensors of a weights file (without the fitted prior's)."""
    return {k: v for k, v in tensors.items() if not k.startswith(PRIOR_PREFIX)}


def vae_from_weights(tensors: dict[str, torch.Tensor], metadata: dict[str, Any], source: str = "weights") -> VAE:
    """Rebuild the VAE stored by :meth:`~restorer_plugins.vae.training.VAETrainer.export`, in eval mode."""
    vae = build_vae(config=config_from_metadata(metadata, source))
    return load_state(vae, network_tensors(tensors), source, "the VAE network they describe").eval()


def prior_from_weights(tensors: dict[str, torch.Tensor], metadata: dict[str, Any],
                       source: str = "weights") -> LatentPrior | None:
    """The latent prior fitted after training and stored with the weights, or ``None`` when there is none."""
    config = config_from_metadata(metadata, source)
    try:
        prior = LatentPrior.from_tensors(tensors)
    except (KeyError, ValueError) as error:
        raise ModelError(f"{source}: the stored latent prior is damaged ({error})") from None
    if prior is not None and prior.channels != config.latent_channels:
        raise ModelError(f"{source}: the stored latent prior does not match the VAE's latent channels")
    return prior


def _loaded(weights: str, device: str) -> tuple[VAE, LatentPrior | ModelError | None]:
    """The cached ``(vae, prior)``; a damaged prior is kept as its error, which only ``vae-sample`` raises
    (the other models never use the prior, and ran with such weights before they shared the cache)."""
    def build(tensors, meta, path):
        vae = vae_from_weights(tensors, meta, path).to(device)
        try:
            prior: LatentPrior | ModelError | None = prior_from_weights(tensors, meta, path)
        except ModelError as error:
            prior = error
        return vae, prior

    return CACHE.get(FAMILY, weights, device, build)


def vae_network(weights: str, device: str) -> VAE:
    """The VAE of weights ``weights`` on ``device``, loaded once per file version for the whole family."""
    return _loaded(weights, device)[0]


def vae_and_prior(weights: str, device: str) -> tuple[VAE, LatentPrior | None]:
    """``(vae, prior)`` of weights ``weights``; ``prior`` is ``None`` when the file holds none (on the CPU)."""
    vae, prior = _loaded(weights, device)
    if isinstance(prior, ModelError):
        raise ModelError(str(prior))
    return vae, prior
