"""restorer stylize INPUT -o OUTPUT --model NAME: transfer a style onto a photo or a folder of photos.

With ``--mask`` only the masked area changes. Exit codes as for ``inpaint``.
"""

from __future__ import annotations

import argparse

from restorer.commands._photos import add_common_arguments, process


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``stylize``."""
    parser = subparsers.add_parser("stylize", help="transfer a style onto photos", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser, mask_required=False)
    return parser


def run(args: argparse.Namespace) -> int:
    """Stylize each photo with the chosen (or default) style model."""
    return process(args, ("stylize",), mask_required=False)
