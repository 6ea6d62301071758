"""The ``restorer`` command line. No Qt here: ``restorer`` alone (or ``restorer gui``) imports the GUI lazily.

Each subcommand lives in its own module under :mod:`restorer.commands` with two
functions: ``add_parser(subparsers)`` and ``run(args) -> int``. User errors
(:class:`~restorer.errors.RestorerError`) become one line on stderr and exit 2,
errors of the system (a full disk, a read-only folder) exit 3, bugs exit 4; the
codes are in :mod:`restorer.errors`. ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
import warnings
from pathlib import Path

from restorer import __version__
from restorer.errors import (EXIT_CANCELLED, EXIT_ENVIRONMENT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, Cancelled,
                             EnvironmentProblem, RestorerError)

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ("gui", "inpaint", "detect", "repair", "stylize", "reconstruct", "sample", "train", "models", "bench")


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line error (its default prints usage too)."""

    def error(self, message: str):  # noqa: D102
        self.exit(EXIT_USAGE, f"restorer: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every subcommand that could be imported."""
    parser = _Parser(prog="restorer", description="Repair photos with generative models.")
    parser.add_argument("--version", action="version", version=f"restorer {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"restorer.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"restorer.commands.{name}":
                continue  # the command is not part of this build yet
            raise
        sub = module.add_parser(subparsers)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show full tracebacks on errors")
        sub.set_defaults(_run=module.run)
    return parser


def _warning_line(message, category, filename, lineno, file=None, line=None):
    print(f"restorer: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``restorer`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version", "--debug"):
        # Options before the command (`restorer --device cpu sample ...`) belong to the command.
        named = next((i for i, word in enumerate(argv) if word in COMMANDS), None)
        argv = ["gui", *argv] if named is None else [argv[named], *argv[:named], *argv[named + 1:]]
    if not argv:
        argv = ["gui"]
    elif argv[0] not in COMMANDS and not argv[0].startswith("-") and (
            Path(argv[0]).is_file() or Path(argv[0]).suffix or "/" in argv[0] or os.sep in argv[0]):
        # `restorer photo.jpg` opens it, as an editor's command line does (a missing one is named as a photo)
        argv = ["gui", *argv]
    if argv == ["--debug"]:
        argv = ["--debug", "gui"]
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        args = parser.parse_args([*argv, "gui"])
    debug = bool(getattr(args, "debug", False))
    if not debug:
        warnings.showwarning = _warning_line
    try:
        return int(args._run(args) or 0)
    except Cancelled:
        print("restorer: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("restorer: interrupted", file=sys.stderr)
        return EXIT_CANCELLED
    except EnvironmentProblem as exc:
        return _failed(debug, f"error: {exc}", EXIT_ENVIRONMENT)
    except RestorerError as exc:
        return _failed(debug, f"error: {exc}", EXIT_USAGE)
    except BrokenPipeError:  # `restorer models | head`
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # the disk, a folder or a permission, not the person's input
        return _failed(debug, f"error: {EnvironmentProblem.from_os_error(exc)}", EXIT_ENVIRONMENT)
    except Exception as exc:  # a bug, not the user's doing: still one line unless --debug
        return _failed(debug, f"internal error: {type(exc).__name__}: {exc}"
                              + ("" if debug else " (run with --debug for the traceback)"), EXIT_INTERNAL)


def _failed(debug: bool, line: str, code: int) -> int:
    """Say what went wrong in one line (after the traceback with ``--debug``) and return the exit code:
    ``--debug`` shows more, it does not change the code a script sees."""
    if debug:
        traceback.print_exc()
    print(f"restorer: {line}", file=sys.stderr)
    return code

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
