"""Errors a user can cause, the exit codes of ``restorer``, and how plugin code's failures become errors.

Their message is shown as one line; bugs raise anything else. :func:`plugin_call` runs plugin
code so that an exit it calls (``sys.exit``) fails as that plugin or model instead of ending
Restorer.
"""

import re
from typing import Any, Callable, TypeVar

T = TypeVar("T")

#: Exit codes of every ``restorer`` command (the README's table lists the same).
EXIT_OK = 0  # everything asked was done
EXIT_SOME_FAILED = 1  # a batch finished, but some photos failed (a summary names them)
EXIT_USAGE = 2  # a usage or input error: a bad option, value, file or mask; nothing written
EXIT_ENVIRONMENT = 3  # the system refused: disk full, read-only folder, permission, a path that is a file
EXIT_INTERNAL = 4  # a bug in Restorer or in a plugin; --debug shows the traceback
EXIT_CANCELLED = 130  # cancelled (Ctrl+C)


#: A message that starts with a path or a name (``photos/a.png: ...``, ``inpaint-gan: ...``) keeps its case.
_NAMED = re.compile(r"^[^\s]*[/\\:.]")


def as_sentence(text: str) -> str:
    """``text`` (an error worded for ``restorer: error: ...``, a model's progress report) with its first
    letter upper-case, as a line in the window reads; as it is where it starts with a path or name."""
    if not text or _NAMED.match(text):
        return text
    return text[:1].upper() + text[1:]


class RestorerError(Exception):
    """Base of every error whose message is meant for the person using Restorer."""


class InputError(RestorerError):
    """A file, folder, mask or option given by the user cannot be used."""


class ModelError(RestorerError):
    """A model cannot run as asked (unknown name, bad parameter, missing weights)."""


class Cancelled(RestorerError):
    """The person cancelled a running job."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)


class EnvironmentProblem(RestorerError):
    """The system refused something Restorer needs: a full disk, a read-only folder, a missing permission.

    The message names the path and the cause; the exit code is :data:`EXIT_ENVIRONMENT`.
    """

    @classmethod
    def from_os_error(cls, exc: OSError, doing: str = "") -> "EnvironmentProblem":
        """One line from an :class:`OSError`: ``PATH: cause`` (``doing`` says what was being done)."""
        import errno
        import os

        path = exc.filename if exc.filename is not None else ""
        cause = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc)) or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            cause = "no space left on the device"
        prefix = f"{path}: " if path else ""
        what = f" ({doing})" if doing else ""
        return cls(f"{prefix}{cause}{what}")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe_error(exc: BaseException) -> str:
    """One line for an error raised by plugin code: a :class:`ModelError`'s message, else ``Type: message``."""
    return str(exc) if isinstance(exc, ModelError) else _describe(exc)


def plugin_call(what: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)``, where ``call`` is plugin code; ``what`` names it ("model X", "plugin Y").

    A ``SystemExit`` (or any other exit that is not an ``Exception``) becomes
    :class:`ModelError` ``"WHAT failed: ..."``, so plugin code can end neither the
    command nor the window. Exceptions pass through for the caller to report, and
    ``KeyboardInterrupt`` (the person's Ctrl+C) still stops.
    """
    try:
        return call(*args, **kwargs)
    except (Exception, KeyboardInterrupt):
        raise
    except SystemExit as exc:
        code = "" if exc.code is None else repr(exc.code)
        raise ModelError(f"{what} failed: it called sys.exit({code})") from exc
    except BaseException as exc:
        raise ModelError(f"{what} failed: {_describe(exc)}") from exc
