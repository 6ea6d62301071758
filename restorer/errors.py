"""Errors a user can cause. Their message is shown as one line; bugs raise anything else."""


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
