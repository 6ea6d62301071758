"""Fixed splits of the corpus: train, validation (every keep-or-drop decision), test (report only).

- **test**: the benchmark's own photos (:data:`BENCHMARK_PHOTOS`: astronaut, camera,
  chelsea, coffee; scikit-image ships them, and the corpus lists the first two, which
  never train anything), the 20 corpus photos of :data:`TEST_PHOTOS` (drawn once with
  seed 20261202, one per source picture, and written down here), and the fine-tuning
  theme of :data:`TEST_THEMES`.
- **validation**: the theme of :data:`VALIDATION_THEMES`, and every source picture
  (:attr:`~restorer.corpus.sources.Source.group`) whose seeded hash falls in
  :data:`VALIDATION_SHARE` (about 10 %).
- **train**: the rest.

Splits go by source picture, never by crop or file: rows of one group (``sea1``,
``sea2``, ...) always share a split, and a test or theme photo takes its whole group with it.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from restorer.corpus.sources import Source

SEED = 20261202
#: The photos of benchmarks/inpaint_quality.py: never trained on, wherever a package ships them.
BENCHMARK_PHOTOS = ("astronaut", "camera", "chelsea", "coffee")
#: Corpus photos the quality benchmark reports on (ordinary photos, one per source picture).
TEST_PHOTOS = (
    "digikam-data/body-background", "gcompris-qt-data/ajantaCave", "gcompris-qt-data/berlinCathedral",
    "gcompris-qt-data/castillodeSanMarcos", "gcompris-qt-data/cat", "gcompris-qt-data/charminar",
    "gcompris-qt-data/gosling", "gcompris-qt-data/lemur", "gcompris-qt-data/lincolnMemorial",
    "gcompris-qt-data/penguin", "gcompris-qt-data/red_panda", "gcompris-qt-data/redPyramid",
    "gcompris-qt-data/squirrel", "lxqt-themes/appleflower", "opencv-doc/aero1", "opencv-doc/graf1",
    "plasma-workspace-wallpapers/2560x1600", "plasma-workspace-wallpapers/EveningGlow-contents-images-1920x1080",
    "plasma-workspace-wallpapers/Grey-contents-images-1920x1080", "tuxpaint-data/ocean_waves",
)
#: Photos of one kind for benchmarks/finetune_gain.py: fine-tune on some, measure on the others.
#: A test theme only reports; a validation theme is where fine-tuning defaults are chosen.
TEST_THEMES = {
    "monuments": tuple(f"gcompris-qt-data/{name}" for name in (
        "ajantaCave", "charminar", "gatewayofIndia", "goldenTemple", "greatStupa", "hawaMahal", "konarkSunTemple",
        "mysorePalace", "qutubMinar", "rangGhar", "berlinCathedral", "castillodeSanMarcos", "lincolnMemorial",
        "redPyramid")),
}
VALIDATION_THEMES = {
    "nature-wallpapers": tuple(f"enlightenment-data/{name}-0" for name in (
        "Bamboo", "Foggy-Trees", "God-Rays", "Green-Maple", "Lichen-Branches", "Mountain", "Peaks", "Red-Maple",
        "Sea-of-Lanterns", "Snow-Trees", "Spruce-Needles", "Sunset-Clouds", "White-Flower", "Yellow-Flower")),
}
#: Out of 100 hash buckets, how many make a source picture a validation one.
VALIDATION_SHARE = 10
SPLITS = ("train", "validation", "test")


def _named_test(source: Source) -> bool:
    name = source.id.split("/", 1)[1]
    return (source.id in TEST_PHOTOS or any(source.id in ids for ids in TEST_THEMES.values())
            or (source.package == "python3-skimage" and name in BENCHMARK_PHOTOS))


def assign_splits(sources: list[Source]) -> dict[str, str]:
    """Picture id -> ``train``, ``validation`` or ``test`` for every source."""
    test_groups = {s.group for s in sources if _named_test(s)}
    theme_groups = {s.group for s in sources if any(s.id in ids for ids in VALIDATION_THEMES.values())}
    out = {}
    for source in sources:
        if source.group in test_groups:
            out[source.id] = "test"
        elif source.group in theme_groups or zlib.crc32(f"{SEED}/{source.group}".encode()) % 100 < VALIDATION_SHARE:
            out[source.id] = "validation"
        else:
            out[source.id] = "train"
    return out


def split_pictures(split: str, corpus: str | Path, *, kind: str = "photo",
                   ids: tuple[str, ...] | None = None) -> list[tuple[str, Path]]:
    """``(id, file)`` of the corpus pictures of ``kind`` in ``split`` (only ``ids`` if given), in id order.

    Raises :class:`~restorer.errors.InputError` when there is no corpus at ``corpus`` (``make corpus``).
    """
    from restorer.corpus.build import read_manifest
    from restorer.corpus.sources import read_sources
    from restorer.errors import InputError

    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    rows = read_manifest(corpus)
    if not rows:
        raise InputError(f"{corpus}: no corpus there (build it with `make corpus`)")
    sources = {s.id: s for s in read_sources()}
    splits = assign_splits(list(sources.values()))
    chosen = [(row["id"], Path(corpus) / row["file"]) for row in rows
              if row["id"] in sources and splits[row["id"]] == split and sources[row["id"]].kind == kind
              and (ids is None or row["id"] in ids)]
    return sorted(chosen)


#: What :func:`reduced_split_folder` adds to a photo's name, with a number, for each extra copy.
TWIN_MARK = ".copy"


def twin_path(path: Path, copy: int) -> Path:
    """The name of the ``copy``-th extra copy of the picture at ``path`` (``NAME.copyN.png``)."""
    return path.with_name(f"{path.stem}{TWIN_MARK}{copy}{path.suffix}")


def is_twin(path: str | Path) -> bool:
    """Whether ``path`` is one of the extra hard-linked copies :func:`reduced_split_folder` makes of an
    ordinary photo (:func:`twin_path`), not a picture of its own."""
    return re.search(re.escape(TWIN_MARK) + r"\d+$", Path(path).stem) is not None


def reduced_split_folder(split: str, corpus: str | Path, folder: str | Path, *, short_side: int,
                         photo_weight: int = 1, kinds: tuple[str, ...] = ("photo", "texture")) -> Path:
    """One folder holding the corpus pictures of ``split`` whose kind is in ``kinds`` (photos and textures),
    each reduced to a shorter side of ``short_side`` once; an ordinary photo appears ``photo_weight`` times
    (hard links), so a training loop draws it that much more often than a texture. Idempotent; returns
    ``folder``."""
    from restorer.corpus.build import read_manifest
    from restorer.corpus.sources import read_sources
    from restorer.errors import InputError
    from restorer.images import load_photo, photo_from_array, save_photo
    from restorer.training.holdout import reduced

    rows = read_manifest(corpus)
    if not rows:
        raise InputError(f"{corpus}: no corpus there (build it with `make corpus`)")
    sources = {s.id: s for s in read_sources()}
    splits = assign_splits(list(sources.values()))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        source = sources.get(row["id"])
        if source is None or splits[row["id"]] != split or source.kind not in kinds:
            continue
        name = row["id"].replace("/", "__")
        target = folder / f"{name}.png"
        if not target.exists():
            rgb = reduced(load_photo(Path(corpus) / row["file"]).rgb, short_side)
            save_photo(photo_from_array(rgb), target)
        for copy in range(1, photo_weight if source.kind == "photo" else 1):
            twin = twin_path(target, copy)
            if not twin.exists():
                twin.hardlink_to(target)
    return folder
