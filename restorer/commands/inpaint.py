"""restorer inpaint INPUT --mask MASK -o OUTPUT: repair the masked area of a photo or a folder of photos.

Exit codes: 0 all done (existing outputs skipped unless --overwrite), 1 some photos
failed (the others were processed), 2 a usage or input error (nothing written).
"""

from __future__ import annotations

import argparse

from restorer.commands._photos import add_common_arguments, process


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``inpaint``."""
    parser = subparsers.add_parser(
        "inpaint", help="repair the masked area of photos", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser, mask_required=True)
    return parser


def run(args: argparse.Namespace) -> int:
    """Repair each photo with the chosen (or default) inpainting model."""
    return process(args, ("inpaint",), mask_required=True)
