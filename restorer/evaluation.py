"""Measuring inpainting quality: fixed-seed holes on photos with known truth, several models, one table.

Used by ``benchmarks/inpaint_quality.py`` (held-out scikit-image photos) and by
``restorer bench --data DIR`` (a person's own photos). Each photo gets one mask
of each family (thin, medium, thick strokes and a box; 5-25 % of the photo)
from a fixed seed, every model repairs it through the same pipeline the app
uses, and the repair is compared with the original:

- PSNR and SSIM over the whole photo (outside the hole the repair is the photo);
- hole PSNR: PSNR over the hole's pixels only;
- texture distance: how unlike the truth's the fine detail in the hole is (0: alike;
  :mod:`restorer.measures`);
- seconds per 512x512 photo: wall time scaled by the photo's pixel count, after one untimed
  run at each photo size (a session pays torch's per-size setup once).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from restorer.errors import ModelError
from restorer.jobs import Job
from restorer.measures import psnr, ssim, texture_distance
from restorer.tasks import task_spec
from restorer.training.masks import MASK_KINDS, random_mask
from restorer.weights import STARTER

#: Hole area range of the benchmark masks (fraction of the photo).
MASK_AREA = (0.05, 0.25)
#: Photos with a side shorter than this (pixels) are not measured: their masks would be a few pixels.
MIN_SIDE = 16


def benchmark_masks(name: str, shape: tuple[int, int], seed: int = 0) -> dict[str, np.ndarray]:
    """One mask per family for the photo called ``name``; the same for every run (seeded by name)."""
    out = {}
    for kind in MASK_KINDS:
        rng = np.random.default_rng([seed, zlib.crc32(f"{name}/{kind}".encode())])
        out[kind] = random_mask(shape[0], shape[1], rng, kind, MASK_AREA)
    return out


@dataclass(frozen=True)
class Method:
    """A model and the parameters it is benchmarked with, under a display name; ``baseline``: a model
    that declares itself one (the picture grid shows only the first baseline, the reference)."""

    label: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    baseline: bool = False


@dataclass
class Score:
    """The figures of one method on one photo and mask."""

    method: str
    photo: str
    kind: str
    hole_fraction: float
    psnr: float
    ssim: float
    hole_psnr: float
    texture: float
    seconds_512: float


@dataclass
class Comparison:
    """All scores of a run, plus a few repairs kept for the picture grid."""

    scores: list[Score]
    examples: list[tuple[str, dict[str, np.ndarray]]]

    def summary(self) -> list[dict[str, Any]]:
        """Mean figures per method, in the order the methods ran."""
        rows = []
        for label in dict.fromkeys(s.method for s in self.scores):
            mine = [s for s in self.scores if s.method == label]
            rows.append({
                "method": label, "images": len(mine),
                **{key: float(np.mean([getattr(s, key) for s in mine]))
                   for key in ("psnr", "ssim", "hole_psnr", "texture", "seconds_512")},
            })
        return rows


def compare(photos: list[tuple[str, np.ndarray]], methods: list[Method], *, seed: int = 0,
            device: str = "cpu", job: Job | None = None, keep_examples: int = 4,
            on_score: Callable[[Score], None] | None = None) -> Comparison:
    """Repair each photo under each benchmark mask with each method and score the repairs."""
    from restorer.pipeline import run_model
    from restorer.registry import get_model

    job = job or Job()
    models = {m.label: get_model(m.model) for m in methods}
    total = len(photos) * len(MASK_KINDS) * len(methods)
    done = 0
    scores: list[Score] = []
    examples: list[tuple[str, dict[str, np.ndarray]]] = []
    # One untimed run per method at each photo size first: loading weights, torch's lazy imports and
    # its per-shape setup happen once per size in a session, and are not the speed of a repair.
    warmed: set[tuple[int, ...]] = set()
    for name, truth in photos:
        if truth.shape not in warmed:
            warmed.add(truth.shape)
            warm_hole = np.zeros(truth.shape[:2], bool)
            warm_hole[truth.shape[0] // 3:truth.shape[0] // 2, truth.shape[1] // 3:truth.shape[1] // 2] = True
            for method in methods:
                run_model(models[method.label], truth, warm_hole, method.params, device=device)
        for kind, hole in benchmark_masks(name, truth.shape[:2], seed).items():
            damaged = truth.copy()
            damaged[hole] = 255  # the hole's pixels must not leak into any method
            repairs: dict[str, np.ndarray] = {"damaged": damaged}
            for method in methods:
                started = time.perf_counter()
                repaired = run_model(models[method.label], damaged, hole, method.params, device=device)
                seconds = time.perf_counter() - started
                score = Score(method.label, name, kind, float(hole.mean()), psnr(repaired, truth), ssim(repaired, truth),
                              psnr(repaired, truth, hole), texture_distance(repaired, truth, hole, seed),
                              seconds * 512 * 512 / hole.size)
                scores.append(score)
                if on_score:
                    on_score(score)
                repairs[method.label] = repaired
                done += 1
                job.update(done, total, f"{method.label} on {name} ({kind})")
            if len(examples) < keep_examples and kind in ("thick", "box"):
                repairs["truth"] = truth
                examples.append((f"{name} {kind}", repairs))
    return Comparison(scores, examples)


def markdown_table(comparison: Comparison, reference: str | None = None) -> str:
    """The mean figures as a markdown table (with the change against ``reference``, if named)."""
    rows = comparison.summary()
    base = next((r for r in rows if r["method"] == reference), None)
    lines = ["| method | PSNR (dB) | SSIM | hole PSNR (dB) | texture distance | s / 512² photo |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        delta = ""
        if base is not None and row is not base:
            delta = f" ({row['psnr'] - base['psnr']:+.2f})"
        texture = f"{row['texture']:.3f}"
        if base is not None and row is not base and base["texture"] > 0:
            texture += f" ({row['texture'] / base['texture']:.2f}×)"
        lines.append(f"| {row['method']} | {row['psnr']:.2f}{delta} | {row['ssim']:.4f} | {row['hole_psnr']:.2f} | "
                     f"{texture} | {row['seconds_512']:.2f} |")
    return "\n".join(lines) + "\n"


def by_kind(comparison: Comparison) -> dict[str, dict[str, float]]:
    """Mean PSNR per method and mask kind: ``{method: {kind: dB}}``."""
    out: dict[str, dict[str, float]] = {}
    for label in dict.fromkeys(s.method for s in comparison.scores):
        out[label] = {kind: float(np.mean([s.psnr for s in comparison.scores if s.method == label and s.kind == kind]))
                      for kind in MASK_KINDS if any(s.method == label and s.kind == kind for s in comparison.scores)}
    return out


def kind_table(comparison: Comparison, reference: str) -> str:
    """Mean PSNR per mask kind as a markdown table, each with its change against ``reference``."""
    table = by_kind(comparison)
    kinds = [k for k in MASK_KINDS if any(k in row for row in table.values())]
    lines = ["| method | " + " | ".join(f"{k} PSNR (dB)" for k in kinds) + " |", "|---|" + "---:|" * len(kinds)]
    base = table.get(reference, {})
    for label, row in table.items():
        cells = []
        for kind in kinds:
            cell = f"{row[kind]:.2f}"
            if label != reference and kind in base:
                cell += f" ({row[kind] - base[kind]:+.2f})"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def difference_line(comparison: Comparison, method: str, reference: str) -> str:
    """One sentence: how ``method`` differs from ``reference`` on the same repairs (PSNR, hole PSNR, texture)."""
    rows = {r["method"]: r for r in comparison.summary()}
    ours, theirs = rows[method], rows[reference]
    return (f"{method} against {reference}, same photos and masks: PSNR {ours['psnr'] - theirs['psnr']:+.2f} dB, "
            f"hole PSNR {ours['hole_psnr'] - theirs['hole_psnr']:+.2f} dB, "
            f"texture distance {ours['texture'] - theirs['texture']:+.3f}.\n")


def picture_grid(comparison: Comparison, columns: list[str], *, height: int = 192) -> bytes:
    """A PNG grid: one row per kept example, one column per name in ``columns`` (with titles)."""
    import cv2

    rows = []
    for title, repairs in comparison.examples:
        cells = []
        for column in columns:
            image = repairs[column]
            width = int(round(image.shape[1] * height / image.shape[0]))
            cell = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            cell = np.ascontiguousarray(cell)
            cv2.putText(cell, column, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3, cv2.LINE_AA)
            cv2.putText(cell, column, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
            cells.append(cell)
        row = np.concatenate(cells, 1)
        rows.append(row)
    width = max(r.shape[1] for r in rows)
    grid = np.concatenate([np.pad(r, ((0, 2), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows])
    ok, data = cv2.imencode(".png", grid[..., ::-1])
    return data.tobytes()


def _shown(params: Mapping[str, Any]) -> str:
    """``{"texture": 0.0, "radius": 9}`` -> ``"texture 0, radius 9"``: settings as a method's label shows them."""
    return ", ".join(f"{key} {value:g}" if isinstance(value, float) else f"{key} {value}"
                     for key, value in params.items())


def bench_methods(registry, models: Sequence[str] = (), *, weights: str | None = None, with_starter: bool = False,
                  settings: Sequence[str] = ()) -> list[Method]:
    """The benchmark's methods in table order: the registry's baselines, then each of ``models`` (default: the
    repair model of highest priority that is no baseline: the one a person gets) as given and with each of its
    ``bench_variants``. ``settings`` (``key=value`` texts) apply to each of ``models``; ``weights`` names the weights
    to measure (default: each model's own), and ``with_starter`` also measures the starter, side by side."""
    repairs = [m for m in registry.models.values() if task_spec(m.task).fills_holes]
    methods = {m.name: Method(m.name, m.name, baseline=True) for m in repairs if m.baseline}  # by label
    if not models:
        learned = [m for m in repairs if not m.baseline]
        models = [max(learned, key=lambda m: m.default_priority).name] if learned else []
    chosen_weights = [None] if weights is None else [*([STARTER] if with_starter and weights != STARTER else []),
                                                     weights]
    for name in models:
        model = registry.get(name)
        if not task_spec(model.task).fills_holes:
            raise ModelError(f"model {name} does {model.task}; the benchmark measures models that repair a masked "
                             f"area: {', '.join(m.name for m in repairs)}")
        given = model.parse_settings(list(settings))  # typed by each model's own parameters
        for chosen in chosen_weights:
            base = given if chosen is None else {**given, "weights": chosen}
            label = name + (f" ({chosen})" if chosen else "") + (f", {_shown(given)}" if given else "")
            for variant in ({}, *model.bench_variants):
                model.check_params(model.resolve_params({**base, **variant}))  # a bad setting: one error now
                shown = label + (f", {_shown(variant)}" if variant else "")
                methods.setdefault(shown, Method(shown, name, {**base, **variant}))  # a model named twice runs once
    return list(methods.values())


def starter_differences(methods: list[Method]) -> tuple[tuple[str, str], ...]:
    """The ``(named weights, starter)`` label pairs of a :func:`bench_methods` list made with
    ``with_starter``, for :func:`run_benchmark`'s difference lines (empty without the starter's rows)."""
    starter = [m for m in methods if m.params.get("weights") == STARTER]
    named = [m for m in methods if m.params.get("weights") not in (None, STARTER)]
    return tuple((mine.label, theirs.label) for mine, theirs in zip(named, starter))


def too_small(rgb: np.ndarray) -> str | None:
    """Why a photo is too small to be measured (``"1x1 pixels, less than 16 on a side"``), or ``None``."""
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        return f"{width}x{height} pixels, less than {MIN_SIDE} on a side"
    return None


def photos_from_folder(folder: str | Path, limit: int = 8, exclude: str | Path | None = None,
                       on_skip: Callable[[Path, str], None] | None = None) -> list[tuple[str, np.ndarray]]:
    """Up to ``limit`` readable photos of a folder (recursive), as ``(stem, uint8 RGB)``.

    Files under ``exclude`` (e.g. the results folder of an earlier run) are left out. Photos too
    small to measure (:func:`too_small`) are skipped before any mask is drawn, each reported to
    ``on_skip(path, reason)``; unreadable files are skipped silently, as in training.
    """
    from restorer.errors import InputError
    from restorer.images import list_photos, load_photo

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (give a folder of undamaged photos to benchmark on)")
    out = []
    skip = Path(exclude).resolve() if exclude is not None else None
    for path in list_photos(folder, recursive=True):
        if skip is not None and path.resolve().is_relative_to(skip):
            continue
        try:
            rgb = load_photo(path).rgb
        except InputError:
            continue  # unreadable files are skipped, as in training
        reason = too_small(rgb)
        if reason is not None:
            if on_skip is not None:
                on_skip(path, reason)
            continue
        out.append((path.stem, rgb))
        if len(out) >= limit:
            break
    if not out:
        raise InputError(f"{folder}: no readable photos of at least {MIN_SIDE}x{MIN_SIDE} pixels to benchmark on")
    return out


#: What :func:`run_benchmark` writes into its folder.
RESULT_FILES = ("inpaint_quality.md", "inpaint_quality.json", "inpaint_quality.png")


def run_benchmark(photos: list[tuple[str, np.ndarray]], methods: list[Method], out: str | Path, *,
                  source: str, device: str = "cpu", job: Job | None = None,
                  on_score: Callable[[Score], None] | None = None,
                  differences: tuple[tuple[str, str], ...] = ()) -> tuple[str, Comparison]:
    """Compare ``methods`` on ``photos`` and write ``inpaint_quality.{md,json,png}`` to ``out``.

    ``differences`` lists ``(method, reference)`` pairs whose difference the report states in a line.
    Returns the markdown report and the comparison.
    """
    import json
    import platform

    import torch

    from restorer.devices import describe_device
    from restorer.files import write_together

    started = time.time()
    comparison = compare(photos, methods, device=device, job=job, on_score=on_score)
    wall = time.time() - started
    machine = f"{platform.machine()} {platform.processor() or ''}".strip()
    header = (f"Photos: {', '.join(n for n, _ in photos)} ({source}); masks: thin, medium, thick, box "
              f"({MASK_AREA[0]:.0%}-{MASK_AREA[1]:.0%} of the photo, fixed seed); {len(comparison.scores)} repairs "
              f"in {wall / 60:.1f} min on {machine}, {describe_device(device)}, torch {torch.__version__}, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n")
    report = ("# Inpainting quality\n\n" + header + markdown_table(comparison, reference=methods[0].label)
              + "\nPSNR per mask kind (change against " + methods[0].label + "):\n\n"
              + kind_table(comparison, methods[0].label))
    if differences:
        report += "\n" + "".join(difference_line(comparison, a, b) for a, b in differences)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    markdown_file, json_file, grid_file = (out / name for name in RESULT_FILES)
    record = {"summary": comparison.summary(), "by_kind": by_kind(comparison),
              "scores": [s.__dict__ for s in comparison.scores],
              "device": describe_device(device), "machine": machine, "wall_seconds": round(wall)}
    shown = [m.label for m in methods if m is methods[0] or not m.baseline]  # the reference, then the others
    columns = ["damaged", *shown, "truth"]
    # All three or none: a full disk keeps an earlier run's files whole, and leaves no table without its data.
    write_together({markdown_file: report.encode(), json_file: (json.dumps(record, indent=1) + "\n").encode(),
                    grid_file: picture_grid(comparison, columns)})
    return report, comparison
