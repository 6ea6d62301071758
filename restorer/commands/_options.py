"""Value checks for command-line options, shared by every command (argparse ``type=`` helpers).

Each helper turns the option's text into a value or raises ``argparse.ArgumentTypeError``,
which the parser shows as one line (``restorer: error: argument --steps: must be at least 1,
got 0``) with exit code 2, before any work starts.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable


def _whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _number(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (steps, a batch size, how many photos)."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number of at least 0 (a seed, a count that may be none)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def int_in_range(low: int, high: int) -> Callable[[str], int]:
    """A checker for a whole number from ``low`` to ``high`` (both included)."""

    def check(text: str) -> int:
        value = _whole(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    check.__name__ = f"int_in_range_{low}_{high}"
    return check


def positive_float(text: str) -> float:
    """A finite number above 0 (a learning rate); ``nan`` and ``inf`` are refused."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text.strip()}")
    return value


#: The largest seed every random generator Restorer seeds (numpy, torch) accepts.
MAX_SEED = 2 ** 32 - 1

seed = int_in_range(0, MAX_SEED)
seed.__doc__ = f"A random seed: a whole number from 0 to {MAX_SEED}."


def weights_name(text: str) -> str:
    """A name for trained weights, as :func:`restorer.weights.check_name` accepts it, checked to its end:
    a line break (which a ``$`` in a pattern lets through at the end) or another control character is
    never part of a name."""
    from restorer.errors import InputError
    from restorer.weights import check_name

    try:
        if not text.isprintable():
            raise InputError(f"invalid weights name {text!r}: use letters, digits, '.', '_' or '-' (up to 64)")
        return check_name(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
