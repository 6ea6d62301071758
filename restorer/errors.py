"""Errors a user can cause, and the exit codes of ``restorer``.

Their message is shown as one line; bugs raise anything else.
"""

#: Exit codes of every ``restorer`` command (the README's table lists the same).
EXIT_OK = 0  # everything asked was done
EXIT_SOME_FAILED = 1  # a batch finished, but some photos failed (a summary names them)
EXIT_USAGE = 2  # a usage or input error: a bad option, value, file or mask; nothing written
EXIT_ENVIRONMENT = 3  # the system refused: disk full, read-only folder, permission, a path that is a file
EXIT_INTERNAL = 4  # a bug in Restorer or in a plugin; --debug shows the traceback
EXIT_CANCELLED = 130  # cancelled (Ctrl+C)


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
