"""restorer inpaint INPUT --mask MASK -o OUTPUT: repair the masked area of a photo or a folder of photos.

For one photo an existing OUTPUT is refused unless --overwrite; in a folder, existing
outputs are skipped and counted. OUTPUT may be INPUT itself only with --in-place,
which replaces the originals.

Exit codes: 0 all done, 1 some photos of a folder failed (the others were processed),
2 a usage or input error, or every photo of a folder failed (nothing written), 3 the system refused (a full disk, a
read-only folder: a folder stops there, keeping the photos done), 4 a bug, 130 cancelled.
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
