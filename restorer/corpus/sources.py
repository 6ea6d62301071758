"""The list of photos the corpus takes from Debian packages (``sources.tsv``), and their stable ids.

``sources.tsv`` (a copy of ``shared/photo-corpus/sources.tsv``) has one row per
distinct picture: package, path in the package (``archive:member`` when the
picture sits inside an archive), width, height and category, judged by eye.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SOURCES = Path(__file__).resolve().parent / "sources.tsv"

#: Categories of ordinary photos (the benchmark's kind).
PHOTO_CATEGORIES = ("animal", "object-closeup", "people", "people-objects", "scene-building", "scene-indoor",
                    "scene-mixed", "scene-nature", "scene-underwater")
#: Photo-derived textures (paper, rock, bark; tileable game textures).
TEXTURE_CATEGORIES = ("texture", "texture-gray", "texture-ground", "texture-paper", "texture-sky", "game-texture",
                      "game-texture-building")
#: What ``make corpus`` fetches unless told otherwise. Left out: telescope images (mostly black), HDR
#: panoramas (EXR, equirectangular) and panorama slices with a transparent sky, micrographs ("scientific").
DEFAULT_CATEGORIES = PHOTO_CATEGORIES + TEXTURE_CATEGORIES
#: Plain-file suffixes kept byte for byte; anything else is decoded and written as PNG.
KEPT_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class Source:
    """One picture inside one Debian package."""

    package: str
    path: str          # as in sources.tsv: 'usr/share/x.jpg' or 'usr/share/a.rcc:/inner/x.webp'
    width: int
    height: int
    category: str
    id: str = ""       # 'package/short-name', unique in the corpus (see :func:`read_sources`)

    @property
    def archive(self) -> str | None:
        """The archive inside the package that holds the picture, or ``None`` for a plain file."""
        return self.path.split(":", 1)[0] if ":" in self.path else None

    @property
    def member(self) -> str:
        """The picture's path inside its archive (or in the package, for a plain file)."""
        return self.path.split(":", 1)[1] if ":" in self.path else self.path

    @property
    def kind(self) -> str:
        """``photo``, ``texture`` or ``other``."""
        if self.category in PHOTO_CATEGORIES:
            return "photo"
        return "texture" if self.category in TEXTURE_CATEGORIES else "other"

    @property
    def group(self) -> str:
        """The source picture a row may share with others (``sea1``, ``sea2`` -> ``sea``): rows of
        one group always fall in the same split."""
        name = self.id.split("/", 1)[1].lower()
        stem = re.sub(r"[\W_]*\d+[a-z]?$|[\W_]+$", "", name) or name
        return f"{self.package}/{stem}"

    @property
    def filename(self) -> str:
        """The file the corpus writes it to, relative to ``images/``."""
        suffix = PurePosixPath(self.member).suffix.lower()
        return self.id.replace("/", "__") + (suffix if suffix in KEPT_SUFFIXES else ".png")


def _short_names(paths: list[str]) -> list[str]:
    """For each path in a package (``dir/x.jpg`` or ``dir/a.rcc:/inner/x.webp``, suffix dropped), its
    shortest trailing part that no other path ends with; members that share every tail (each
    ``Bamboo.edj:edje/images/0``) are named by their archive and their own name (``Bamboo-0``)."""
    members = [PurePosixPath(p.split(":", 1)[-1]).with_suffix("").parts for p in paths]
    names = []
    for path, mine in zip(paths, members):
        for depth in range(1, len(mine) + 1):
            tail = mine[-depth:]
            if sum(other[-depth:] == tail for other in members) == 1:
                names.append("-".join(tail))
                break
        else:
            names.append(f"{PurePosixPath(path.split(':', 1)[0]).stem}-{mine[-1]}")
    return names


def read_sources(path: str | Path = SOURCES) -> list[Source]:
    """The rows of ``sources.tsv`` with ids: ``package/name``, ``name`` the shortest unique tail of the
    picture's path in its package (``gcompris-qt-data/sea1``, ``plasma-workspace-wallpapers/BytheWater-...``)."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    by_package: dict[str, list[dict]] = {}
    for row in rows:
        by_package.setdefault(row["package"], []).append(row)
    out = []
    for package, mine in by_package.items():
        names = _short_names([row["path_in_package"] for row in mine])
        for row, name in zip(mine, names):
            out.append(Source(package, row["path_in_package"], int(row["width"]), int(row["height"]),
                              row["category"], f"{package}/{name}"))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: two rows give the same picture id")
    return out
