"""Readers for the archives that hold the corpus's photos inside Debian packages.

Each reader takes the archive's bytes on disk and the name of one member, and
returns that member's bytes. No Qt and no Enlightenment library is needed: the
two binary formats are small and documented, and are parsed here.

- Qt resource files (``.rcc``, Qt's ``rcc -binary``): a header, a tree of nodes,
  a table of names (UTF-16) and a data area; members may be zlib-compressed
  (``qCompress``: a 4-byte size, then a zlib stream). Zstandard-compressed
  members are refused with a clear error.
- Eet archives (``.edj``, Enlightenment): a header (magic ``0x1ee70f42``, the
  number of directory and dictionary entries), 24-byte directory entries
  (offset, size, uncompressed size, name offset, name size, flags), then the
  names; members may be zlib-compressed (flag bit 0, compression type 0).
- zip files (``.zip``, ``.pk3``): :mod:`zipfile`.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path


class ContainerError(Exception):
    """An archive that cannot be read, or lacks the member asked for."""


def _inflate(blob: bytes, what: str) -> bytes:
    """``blob`` zlib-decompressed; a damaged stream is a :class:`ContainerError`."""
    try:
        return zlib.decompress(blob)
    except zlib.error as exc:
        raise ContainerError(f"{what} is damaged ({exc})") from None


# -- Qt resource files ------------------------------------------------------------------------

_RCC_MAGIC = b"qres"
_RCC_COMPRESSED, _RCC_DIRECTORY, _RCC_ZSTD = 0x01, 0x02, 0x04


def rcc_members(path: str | Path) -> dict[str, bytes]:
    """Every file in the Qt resource file ``path``, by its resource path (``/dir/name.webp``)."""
    data = Path(path).read_bytes()
    if data[:4] != _RCC_MAGIC or len(data) < 20:
        raise ContainerError(f"{path}: not a Qt resource file")
    version, tree, payload, names = struct.unpack(">IIII", data[4:20])
    node_size = 14 if version < 2 else 22

    def name_at(offset: int) -> str:
        start = names + offset
        (length,) = struct.unpack(">H", data[start:start + 2])
        return data[start + 6:start + 6 + 2 * length].decode("utf-16-be")  # 2 bytes length, 4 bytes hash

    def member(flags: int, offset: int, name: str) -> bytes:
        start = payload + offset
        (size,) = struct.unpack(">I", data[start:start + 4])
        blob = data[start + 4:start + 4 + size]
        if len(blob) != size:
            raise ContainerError(f"{path}: {name} is truncated")
        if flags & _RCC_ZSTD:
            raise ContainerError(f"{path}: {name} is zstd-compressed, which this reader does not handle")
        if flags & _RCC_COMPRESSED:
            return _inflate(blob[4:], f"{path}: {name}")  # qCompress: the uncompressed size, then zlib
        return blob

    out: dict[str, bytes] = {}
    stack = [(0, "")]  # (node index, parent path); node 0 is the root directory
    seen = 0
    try:
        while stack:
            index, parent = stack.pop()
            seen += 1
            if seen > len(data):  # a malformed file whose tree loops
                raise ContainerError(f"{path}: damaged resource tree")
            start = tree + index * node_size
            name_offset, flags = struct.unpack(">IH", data[start:start + 6])
            name = "" if index == 0 else name_at(name_offset)
            full = f"{parent}/{name}" if index else ""
            if flags & _RCC_DIRECTORY:
                count, first = struct.unpack(">II", data[start + 6:start + 14])
                stack.extend((first + i, full) for i in range(count))
            else:
                (offset,) = struct.unpack(">I", data[start + 10:start + 14])  # after country and language
                out[full] = member(flags, offset, full)
    except (struct.error, UnicodeDecodeError):  # an offset past the end of a damaged or truncated file
        raise ContainerError(f"{path}: damaged resource file") from None
    return out


def read_rcc(path: str | Path, member: str) -> bytes:
    """The file ``member`` (``/dir/name``) of the Qt resource file ``path``."""
    return archive_reader(path)(member)


# -- Eet archives -----------------------------------------------------------------------------

EET_MAGIC = 0x1EE70F42
_EET_HEADER, _EET_ENTRY, _EET_DICTIONARY_ENTRY = 12, 24, 20


def eet_members(path: str | Path) -> dict[str, tuple[int, int, int, int]]:
    """The directory of the Eet archive ``path``: name -> (offset, size, uncompressed size, flags)."""
    data = Path(path).read_bytes()
    if len(data) < _EET_HEADER:
        raise ContainerError(f"{path}: not an Eet archive")
    magic, entries, dictionary = struct.unpack(">III", data[:_EET_HEADER])
    if magic != EET_MAGIC:
        raise ContainerError(f"{path}: not an Eet archive (magic {magic:#x})")
    if _EET_HEADER + entries * _EET_ENTRY + dictionary * _EET_DICTIONARY_ENTRY > len(data):
        raise ContainerError(f"{path}: damaged Eet directory")
    out = {}
    for i in range(entries):
        start = _EET_HEADER + i * _EET_ENTRY
        offset, size, data_size, name_offset, name_size, flags = struct.unpack(">6I", data[start:start + _EET_ENTRY])
        name = data[name_offset:name_offset + name_size].split(b"\0", 1)[0].decode("utf-8", "replace")
        out[name] = (offset, size, data_size, flags)
    return out


def read_eet(path: str | Path, member: str) -> bytes:
    """The entry ``member`` (e.g. ``edje/images/0``) of the Eet archive ``path``, decompressed."""
    directory = eet_members(path)
    if member not in directory:
        raise ContainerError(f"{path}: holds no {member}")
    offset, size, data_size, flags = directory[member]
    if flags & 0x2:
        raise ContainerError(f"{path}: {member} is encrypted")
    with open(path, "rb") as handle:
        handle.seek(offset)
        blob = handle.read(size)
    if flags & 0x1:
        if (flags >> 3) & 0xFF != 0:
            raise ContainerError(f"{path}: {member} uses LZ4, which this reader does not handle")
        blob = _inflate(blob, f"{path}: {member}")
    if len(blob) != data_size:
        raise ContainerError(f"{path}: {member} is truncated")
    return blob


# -- zip ------------------------------------------------------------------------------------------


def read_zip(path: str | Path, member: str) -> bytes:
    """The file ``member`` of the zip archive ``path`` (``.zip``, Quake's ``.pk3``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(member)
    except KeyError:
        raise ContainerError(f"{path}: holds no {member}") from None
    except zipfile.BadZipFile as exc:
        raise ContainerError(f"{path}: {exc}") from None
    except (zlib.error, EOFError) as exc:  # a damaged or cut-short compressed member
        raise ContainerError(f"{path}: {member} is damaged ({exc})") from None


#: Which reader opens an archive, by its suffix.
READERS = {".rcc": read_rcc, ".edj": read_eet, ".eet": read_eet, ".zip": read_zip, ".pk3": read_zip}


def read_member(path: str | Path, member: str) -> bytes:
    """``member`` of the archive ``path``, with the reader its suffix names."""
    reader = READERS.get(Path(path).suffix.lower())
    if reader is None:
        raise ContainerError(f"{path}: no reader for {Path(path).suffix} archives")
    return reader(path, member)


def archive_reader(path: str | Path):
    """A function ``member -> bytes`` for the archive ``path``; a resource file is parsed only once."""
    if Path(path).suffix.lower() == ".rcc":
        members = rcc_members(path)

        def member_of_rcc(member: str) -> bytes:
            key = member if member.startswith("/") else f"/{member}"
            if key not in members:
                raise ContainerError(f"{path}: holds no {member}")
            return members[key]

        return member_of_rcc
    return lambda member: read_member(path, member)
