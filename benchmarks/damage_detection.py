"""Damage detection benchmark: damage-detector against classical-damage, and detect + repair against the truth.

    python benchmarks/damage_detection.py                      # the test split (report only)
    python benchmarks/damage_detection.py --split validation   # where thresholds are chosen
    python benchmarks/damage_detection.py --split validation --sweep   # F1 and false alarm per threshold/grow
    python benchmarks/damage_detection.py --split validation --gray    # the photos as black-and-white prints

Photos: those of ``benchmarks/inpaint_quality.py`` (corpus photos reduced to a
512-px shorter side; none trained on). The damage here is drawn by this file's
own generator, not the training one (:mod:`restorer_plugins.damage.synthetic`):
Bezier scratches whose brightness is relative to the photo, polygon dust,
zigzag lint, hard-edged translucent spots, then JPEG at quality 85, with
another seed. Reported per detector, at its default threshold and grow:
precision, recall and F1 with a 3-pixel tolerance (a found pixel counts if
real damage is within 3 px, and the other way round), the false-alarm area on
the same photos undamaged, and seconds per megapixel, over the photos and on
one enlarged to 4000x3000 (run in tiles); then the PSNR of the
repaired photo (each detector's mask, repaired by inpaint-gan) and of the
damaged input against the clean photo. Targets (issue #15): F1 >= 0.7, false
alarm <= 1 %, <= 1 s per megapixel, detect + repair >= 3 dB closer to the
clean photo than the damaged input; and, as the ceiling of that last figure, the
PSNR of inpaint-gan's repair inside the true damage mask. Writes ``damage_detection.md``/``.json``
and ``damage_detection.png`` (damaged | found | repaired | clean) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inpaint_quality import split_photos  # noqa: E402
from train_throughput import cpu_name  # noqa: E402

from restorer.measures import psnr  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DETECTORS = ("classical-damage", "damage-detector")
TOLERANCE = 3
SEED = 2027
#: (height, width) of the large photo the detectors are also timed on: a 12-MP camera photo.
LARGE = (3000, 4000)


def _bezier(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Points of a cubic Bezier curve across part of the photo, ``(N, 1, 2)`` int32."""
    control = rng.uniform([0, 0], [width, height], (4, 2))
    t = np.linspace(0, 1, 200)[:, None]
    points = ((1 - t) ** 3 * control[0] + 3 * (1 - t) ** 2 * t * control[1] + 3 * (1 - t) * t ** 2 * control[2]
              + t ** 3 * control[3])
    return points.round().astype(np.int32).reshape(-1, 1, 2)


def benchmark_damage(photo: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(damaged, mask)``: this benchmark's own damage on ``photo`` (not the training generator)."""
    import cv2

    rng = np.random.default_rng(seed)
    height, width = photo.shape[:2]
    image = photo.astype(np.float32)
    mask = np.zeros((height, width), np.uint8)
    area = height * width / 512 ** 2

    def mark(layer: np.ndarray, shift: float, opacity: float = 1.0) -> None:
        where = layer > 0
        image[where] = np.clip(image[where] * (1 - opacity) + (image[where] + shift) * opacity, 0, 255)
        mask[where] = 1

    for _ in range(int(rng.integers(2, 7))):  # scratches, brighter or darker than what they cross
        layer = np.zeros_like(mask)
        cv2.polylines(layer, [_bezier(rng, height, width)], False, 1, int(rng.integers(1, 4)))
        mark(layer, float(rng.choice([-1, 1]) * rng.uniform(50, 120)))
    for _ in range(int(rng.integers(10, 60) * area)):  # dust: small polygons
        centre = rng.uniform([0, 0], [width, height])
        corners = (centre + rng.normal(0, rng.uniform(0.8, 2.5), (int(rng.integers(3, 7)), 2))).astype(np.int32)
        layer = np.zeros_like(mask)
        cv2.fillPoly(layer, [corners], 1)
        mark(layer, float(rng.choice([-1, 1]) * rng.uniform(60, 140)))
    for _ in range(int(rng.integers(0, 4))):  # lint: short zigzags
        start = rng.uniform([0, 0], [width, height])
        zigzag = (start + np.cumsum(rng.normal(0, 6, (8, 2)), 0)).astype(np.int32).reshape(-1, 1, 2)
        layer = np.zeros_like(mask)
        cv2.polylines(layer, [zigzag], False, 1, 1)
        mark(layer, -float(rng.uniform(60, 120)))
    for _ in range(int(rng.integers(0, 3))):  # translucent spots
        layer = np.zeros_like(mask)
        centre = tuple(int(v) for v in rng.uniform([0, 0], [width, height]))
        cv2.circle(layer, centre, int(rng.integers(3, 10)), 1, -1)
        mark(layer, -float(rng.uniform(60, 100)), opacity=float(rng.uniform(0.5, 0.9)))
    out = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1]), mask > 0


def black_and_white(photo: np.ndarray) -> np.ndarray:
    """``photo`` (``uint8`` RGB) as a black-and-white print: its luminance in all three channels."""
    import cv2

    return np.repeat(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)


def _near(a: np.ndarray, b: np.ndarray) -> int:
    """How many of ``a``'s pixels have one of ``b``'s within :data:`TOLERANCE` pixels."""
    import cv2

    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * TOLERANCE + 1, 2 * TOLERANCE + 1))
    return int((a & (cv2.dilate(b.astype(np.uint8), disc) > 0)).sum())


def evaluate(photos: list[tuple[str, np.ndarray]], registry, *, repair_with: str = "inpaint-gan",
             on_photo=None, settings: dict | None = None) -> dict:
    """Every figure of the benchmark, per detector, over ``photos``."""
    from restorer.detection import detect

    repairer = registry.get(repair_with)
    results: dict = {}
    for name in DETECTORS:
        model = registry.get(name)
        params = (settings or {}).get(name)
        totals = dict(found=0, found_near=0, truth=0, truth_near=0, false_area=0.0, seconds=0.0, pixels=0,
                      psnr_damaged=0.0, psnr_repaired=0.0, worse=[])
        for index, (photo_name, clean) in enumerate(photos):
            damaged, truth = benchmark_damage(clean, SEED + index)
            start = time.perf_counter()
            found = detect(model, damaged, params)
            totals["seconds"] += time.perf_counter() - start
            totals["pixels"] += clean.shape[0] * clean.shape[1]
            totals["found"] += int(found.sum())
            totals["found_near"] += _near(found, truth)
            totals["truth"] += int(truth.sum())
            totals["truth_near"] += _near(truth, found)
            totals["false_area"] += float(detect(model, clean, params).mean())
            repaired = _repair(repairer, damaged, found)
            before, after = psnr(damaged, clean), psnr(repaired, clean)
            totals["psnr_damaged"] += before
            totals["psnr_repaired"] += after
            if after < before:
                totals["worse"].append((photo_name, round(after - before, 2)))
            if on_photo is not None:
                on_photo(name, photo_name, damaged, found, repaired, clean)
        count = len(photos)
        large = large_photo_seconds(model, params, photos[0][1])
        precision = totals["found_near"] / max(1, totals["found"])
        recall = totals["truth_near"] / max(1, totals["truth"])
        results[name] = {
            "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / max(precision + recall, 1e-9),
            "false_alarm": totals["false_area"] / count,
            "seconds_per_megapixel": totals["seconds"] / (totals["pixels"] / 1e6),
            "seconds_per_megapixel_large": large / (LARGE[0] * LARGE[1] / 1e6),
            "psnr_damaged": totals["psnr_damaged"] / count, "psnr_repaired": totals["psnr_repaired"] / count,
            "worse_after_repair": totals["worse"],
        }
    return results


def large_photo_seconds(model, params: dict | None, photo: np.ndarray) -> float:
    """Seconds ``model`` takes to find damage on ``photo`` enlarged to :data:`LARGE` (a 12-MP camera
    photo, run in tiles), after the benchmark's photos have warmed it up."""
    import cv2

    from restorer.detection import detect

    large = cv2.resize(photo, (LARGE[1], LARGE[0]), interpolation=cv2.INTER_CUBIC)
    start = time.perf_counter()
    detect(model, large, params)
    return time.perf_counter() - start


def _repair(repairer, damaged: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``damaged`` repaired inside ``mask`` (as it is when the mask is empty or everything)."""
    from restorer.pipeline import run_model

    return run_model(repairer, damaged, mask) if mask.any() and not mask.all() else damaged


def sweep(photos: list[tuple[str, np.ndarray]], model, params: dict, thresholds, grows, repairer=None) -> list[dict]:
    """F1, precision, recall and false alarm of ``model`` for every threshold and grow, from one
    probability map per photo (damaged and clean): how the detector's defaults are chosen. With
    ``repairer``, also the PSNR of detect + repair at each setting (a repair per photo and setting)."""
    from restorer.detection import probability, proposal

    maps = []
    for index, (_, clean) in enumerate(photos):
        damaged, truth = benchmark_damage(clean, SEED + index)
        maps.append((probability(model, damaged, params), probability(model, clean, params), truth, damaged, clean))
    rows = []
    for grow in grows:
        for threshold in thresholds:
            found = found_near = truth_count = truth_near = 0
            false_area = repaired_psnr = 0.0
            for damaged_prob, clean_prob, truth, damaged, clean in maps:
                mask = proposal(damaged_prob, threshold, grow)
                found += int(mask.sum())
                found_near += _near(mask, truth)
                truth_count += int(truth.sum())
                truth_near += _near(truth, mask)
                false_area += float(proposal(clean_prob, threshold, grow).mean())
                if repairer is not None:
                    repaired_psnr += psnr(_repair(repairer, damaged, mask), clean)
            precision, recall = found_near / max(1, found), truth_near / max(1, truth_count)
            rows.append({"threshold": threshold, "grow": grow, "precision": precision, "recall": recall,
                         "f1": 2 * precision * recall / max(precision + recall, 1e-9),
                         "false_alarm": false_area / len(maps),
                         "psnr_repaired": repaired_psnr / len(maps) if repairer is not None else None})
    return rows


def oracle(photos: list[tuple[str, np.ndarray]], repairer, grow: int = 1) -> dict:
    """PSNR of the damaged photos and of their repair inside the true damage mask (grown by ``grow``
    pixels, as the detectors' masks are): what detect + repair reaches with a perfect detector. The
    JPEG compression of the whole damaged photo stays outside any mask."""
    import cv2

    damaged_psnr = repaired_psnr = 0.0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    for index, (_, clean) in enumerate(photos):
        damaged, truth = benchmark_damage(clean, SEED + index)
        mask = cv2.dilate(truth.astype(np.uint8), disc) > 0 if grow else truth
        damaged_psnr += psnr(damaged, clean)
        repaired_psnr += psnr(_repair(repairer, damaged, mask), clean)
    return {"grow": grow, "psnr_damaged": damaged_psnr / len(photos), "psnr_repaired": repaired_psnr / len(photos)}


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--kind", choices=("photo", "texture"), default="photo",
                        help="the split's photos, or its photo textures (walls, metal, rock: structure the "
                             "photos have little of); results of textures go to a textures/ folder")
    parser.add_argument("--gray", action="store_true",
                        help="the pictures made black and white first (as scanned prints often are: no colour "
                             "to tell damage from the picture); results go to a gray/ folder")
    parser.add_argument("--corpus", type=Path, help="the corpus folder (default: where `make corpus` writes it)")
    parser.add_argument("--limit", type=int, help="only the first N photos (a quick look)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (the targets are for 2 cores)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="a damage-detector parameter other than its default (choosing defaults: validation)")
    parser.add_argument("--sweep", action="store_true",
                        help="only print damage-detector's F1 and false alarm for thresholds 0.2-0.95 and grow 0-2")
    parser.add_argument("--sweep-repair", action="store_true",
                        help="with --sweep: also the PSNR of detect + repair at each setting (slow: a repair each)")
    args = parser.parse_args(argv)
    import torch

    from restorer.registry import get_registry

    torch.set_num_threads(args.threads)
    out = args.out or ((RESULTS if args.split == "test" else RESULTS / args.split)
                       / ("textures" if args.kind == "texture" else "") / ("gray" if args.gray else ""))
    photos = split_photos(args.split, args.corpus, args.limit, kind=args.kind)
    if args.gray:
        photos = [(name, black_and_white(photo)) for name, photo in photos]
    grid: list[np.ndarray] = []

    def keep(detector, photo_name, damaged, found, repaired, clean) -> None:
        if detector == "damage-detector" and len(grid) < 3:
            found_rgb = np.repeat((found * 255).astype(np.uint8)[..., None], 3, 2)
            grid.append(np.concatenate([damaged, found_rgb, repaired, clean], 1)[:384])

    started = time.time()
    registry = get_registry()
    chosen = registry.get("damage-detector").parse_settings(args.settings)
    if args.sweep:
        model = registry.get("damage-detector")
        repairer = registry.get("inpaint-gan") if args.sweep_repair else None
        grows = (0, 1, 2, 3) if args.sweep_repair else (0, 1, 2)
        rows = sweep(photos, model, model.resolve_params(chosen), [round(0.2 + 0.05 * i, 2) for i in range(16)],
                     grows, repairer)
        print(f"{args.split} split, {len(photos)} {args.kind}s, {chosen or 'defaults'}")
        print("threshold grow precision recall    F1  false alarm  PSNR repaired")
        for row in rows:
            repaired = "" if row["psnr_repaired"] is None else f"{row['psnr_repaired']:14.2f}"
            print(f"{row['threshold']:9.2f} {row['grow']:4d} {row['precision']:9.3f} {row['recall']:6.3f} "
                  f"{row['f1']:5.3f} {100 * row['false_alarm']:10.2f}% {repaired}")
        if repairer is not None:
            best = oracle(photos, repairer)
            print(f"true mask (grown 1 px) + inpaint-gan: {best['psnr_repaired']:.2f} dB "
                  f"(damaged {best['psnr_damaged']:.2f})")
        return 0
    results = evaluate(photos, registry, on_photo=keep, settings={"damage-detector": chosen})
    ceiling = oracle(photos, registry.get("inpaint-gan"))
    report = {"split": args.split, "kind": args.kind, "gray": args.gray, "photos": [name for name, _ in photos], "seed": SEED,
              "tolerance": TOLERANCE,
              "machine": f"{cpu_name()}, {os.cpu_count()} logical CPUs, {args.threads} threads, "
                         f"load average {os.getloadavg()[0]:.2f} at the end",
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "minutes": round((time.time() - started) / 60, 1), "settings": chosen, "results": results,
              "true_mask": ceiling}
    out.mkdir(parents=True, exist_ok=True)
    (out / "damage_detection.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "damage_detection.md").write_text(markdown(report))
    if grid:
        from PIL import Image

        width = min(g.shape[1] for g in grid)  # every row scaled to the narrowest, so the panels line up
        rows = [np.asarray(Image.fromarray(g).resize((width, round(g.shape[0] * width / g.shape[1])))) for g in grid]
        Image.fromarray(np.concatenate(rows, 0)).save(out / "damage_detection.png")
    print(markdown(report))
    return 0


def markdown(report: dict) -> str:
    """The report as a Markdown table."""
    lines = [f"# Damage detection ({report['split']} split, {len(report['photos'])} "
             f"{report.get('kind', 'photo')}s{', black and white' if report.get('gray') else ''})", "",
             f"{report['machine']}, {report['date']}. Damage drawn by the benchmark's own generator (seed "
             f"{report['seed']}); {report['tolerance']}-px tolerance; each detector at its default threshold "
             "and grow; repairs by inpaint-gan.", "",
             "| detector | precision | recall | F1 | false alarm (clean photos) | s / megapixel | "
             f"s / megapixel, {LARGE[1]}x{LARGE[0]} | PSNR damaged (dB) | PSNR detect + repair (dB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in report["results"].items():
        lines.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
                     f"{r['false_alarm']:.2%} | {r['seconds_per_megapixel']:.2f} | "
                     f"{r.get('seconds_per_megapixel_large', float('nan')):.2f} | {r['psnr_damaged']:.2f} | "
                     f"{r['psnr_repaired']:.2f} ({r['psnr_repaired'] - r['psnr_damaged']:+.2f}) |")
    for name, r in report["results"].items():
        worse = r.get("worse_after_repair")
        if worse is not None:
            shown = ", ".join(f"{photo} ({change:+.2f} dB)" for photo, change in worse) or "none"
            lines += ["", f"{name}: photos further from the clean photo after detect + repair than before: {shown}."]
    best = report.get("true_mask")
    if best:
        lines += ["", f"With the true damage mask (grown {best['grow']} px) instead of a detector's, inpaint-gan's "
                      f"repair reaches {best['psnr_repaired']:.2f} dB ({best['psnr_repaired'] - best['psnr_damaged']:+.2f}"
                      " over the damaged input): the most detect + repair can gain here, since the JPEG compression "
                      "of the whole damaged photo stays outside any mask."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
