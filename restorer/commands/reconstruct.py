"""restorer reconstruct INPUT -o OUTPUT --model NAME: restore a noisy or lightly damaged photo as a whole.

The model projects the photo onto what it has learned (e.g. the VAE). With ``--mask``
only the masked area changes. Exit codes as for ``inpaint``.
"""

from __future__ import annotations

import argparse

from restorer.commands._photos import add_common_arguments, process


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``reconstruct``."""
    parser = subparsers.add_parser("reconstruct", help="restore whole photos (denoise)", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser, mask_required=False)
    return parser


def run(args: argparse.Namespace) -> int:
    """Reconstruct each photo with the chosen (or default) model."""
    return process(args, ("reconstruct",), mask_required=False)
