"""restorer gui [PHOTO]: open the window (the default when no command is given)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from restorer.errors import EnvironmentProblem, InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``gui``."""
    parser = subparsers.add_parser("gui", help="open the window (default)", description=__doc__)
    parser.add_argument("photo", nargs="?", help="photo to open (default: the bundled damaged sample)")
    parser.add_argument("--mask", help="mask to load with the photo")
    return parser


def check_display(environ=os.environ, platform: str = sys.platform) -> None:
    """Refuse, in one line, to open a window where there is no screen to show it on (a Linux machine
    reached over ssh, a container): Qt would abort with its plugin messages instead."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return  # other systems always have a screen; a chosen Qt platform (offscreen, vnc) is the person's call
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        raise EnvironmentProblem("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); "
                                 "run it in a desktop session, or use the commands that need none (restorer --help)")


def run(args: argparse.Namespace) -> int:
    """Open the main window and run the Qt event loop."""
    for path, what in ((args.photo, "photo"), (args.mask, "mask")):
        if path is not None and not Path(path).is_file():
            raise InputError(f"{path}: no such {what} file")
    check_display()
    from restorer.gui.app import main as gui_main  # Qt is imported only here

    return gui_main(photo=args.photo, mask=args.mask)
