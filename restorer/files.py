"""Writing files so that a crash never leaves half of one. No Qt.

Photos, masks, checkpoints, weights and the corpus manifest are all written with
:func:`atomic_write`: the bytes go to a temporary file beside the target, then a
rename puts them in place.
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
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{parent}: no such folder")
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
