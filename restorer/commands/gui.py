"""restorer gui [PHOTO]: open the window (the default when no command is given)."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``gui``."""
    parser = subparsers.add_parser("gui", help="open the window (default)", description=__doc__)
    parser.add_argument("photo", nargs="?", help="photo to open (default: the bundled damaged sample)")
    parser.add_argument("--mask", help="mask to load with the photo")
    return parser


def run(args: argparse.Namespace) -> int:
    """Open the main window and run the Qt event loop."""
    from restorer.gui.app import main as gui_main  # Qt is imported only here

    return gui_main(photo=args.photo, mask=args.mask)
