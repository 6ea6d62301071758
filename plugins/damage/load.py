"""Loading the damage detector's weights for inference.

A weights file holds the :class:`~restorer_plugins.damage.network.DamageNet`'s state dict and its
:class:`~restorer_plugins.damage.network.DetectorConfig` under ``config`` (the schema of
:mod:`restorer.weights`); weights written before that schema keep it under ``detector``
(the shipped starter among them), and are read the same.
"""

from __future__ import annotations

from typing import Any

import torch

from restorer.networks import architecture, for_inference, load_state
from restorer_plugins.damage.network import DamageNet, DetectorConfig

FAMILY = "damage-detector"
#: Where weights written before the shared schema keep the config.
OLDER_CONFIG_KEY = "detector"


def config_from_metadata(metadata: dict[str, Any], source: str) -> DetectorConfig:
    """The :class:`DetectorConfig` a weights file describes; :class:`ModelError` if missing or out of bounds."""
    return architecture(metadata, DetectorConfig.from_json, source, FAMILY, older_key=OLDER_CONFIG_KEY)


def detector_from_weights(tensors: dict[str, torch.Tensor], metadata: dict[str, Any], source: str) -> DamageNet:
    """Rebuild the network stored by :meth:`~restorer_plugins.damage.training.DetectorTrainer.export`, ready for
    inference (:func:`~restorer.networks.for_inference`)."""
    net = DamageNet(config_from_metadata(metadata, source))
    return for_inference(load_state(net, tensors, source, "the damage detector's network"))
