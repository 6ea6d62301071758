"""Writing files so that a crash never leaves half of one. No Qt.

Photos, masks, checkpoints, weights and the corpus manifest are all written with
:func:`atomic_write`: the bytes go to a temporary file beside the target, then a
rename puts them in place. :func:`write_together` does the same for files that belong together.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from restorer.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def not_a_folder(folder: Path, purpose: str = "") -> InputError:
    """The error for a file to be written into ``folder``, which is not there: ``no such folder`` or,
    where a file holds that name (``-o photo.png/out.png``), ``is a file, not a folder``.
    ``purpose`` ends the first (`` for the output``)."""
    if folder.exists():
        return InputError(f"{folder}: is a file, not a folder")
    return InputError(f"{folder}: no such folder{purpose}")


def _staged(path: Path, data: bytes) -> str:
    """``data`` written and flushed to disk in a temporary file beside ``path``, with the mode ``path``
    would get; returns the temporary file's name (removed again if writing it fails)."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise not_a_folder(parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    try:
        # mkstemp makes the file private (0600); a saved photo gets the mode any new file would get,
        # or keeps the mode of the file it replaces.
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write(path: str | os.PathLike, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A crash leaves either the old file or the new one, never half of it. An
    existing file is replaced only when ``overwrite`` is true.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path}: already exists (use --overwrite to replace it)")
    if path.exists() and path.is_dir():
        raise InputError(f"{path}: is a folder")
    tmp = _staged(path, data)
    try:
        if overwrite:
            os.replace(tmp, path)
        else:
            # link() fails if the name appeared meanwhile: no silent clobbering.
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise InputError(f"{path}: already exists (use --overwrite to replace it)") from None
            except OSError:
                os.replace(tmp, path)  # file systems without hard links
            else:
                os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_together(files: dict[Path, bytes]) -> None:
    """Write several files that belong together (a report and its data) so that they land all or none:
    each is written in full beside its target first, and only then are all renamed into place (replacing
    what was there). A failure while writing (a full disk) leaves every target as it was, and the
    ``OSError`` names the target whose write failed, not its temporary file."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            if path.is_dir():
                raise InputError(f"{path}: is a folder")
            try:
                staged.append((_staged(path, data), path))
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
