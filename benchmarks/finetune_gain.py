"""Does fine-tuning on a person's photos help? ``restorer train`` on part of a theme, measured on the rest.

    python benchmarks/finetune_gain.py                            # the validation theme (choose defaults here)
    python benchmarks/finetune_gain.py --theme monuments          # the test theme (report only)
    python benchmarks/finetune_gain.py --lr 1e-3 --steps 600      # a candidate default

A theme is a set of corpus photos of one kind (:mod:`restorer.corpus.splits`:
``VALIDATION_THEMES``, ``TEST_THEMES``), none of them seen by the starter. The
first ``--train`` of them (8) go into a folder, reduced to a 512-pixel shorter
side (the size the benchmark measures at), and ``restorer train inpaint-gan``
fine-tunes the starter on it with its defaults (``--steps`` 600; ``--lr`` only if
given), timed. The other photos of the theme get the quality benchmark's masks and are
repaired by the starter and by the fine-tuned weights (with and without
texture), in one run; ``--general N`` also measures the first N photos of the test
split, to see what the fine-tuned weights lose on photos of other kinds. Writes
``finetune_gain-THEME.{md,json}`` to ``--out`` (default ``benchmarks/results``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inpaint_quality import RESULTS, SHORT_SIDE, split_photos  # noqa: E402

from restorer.images import load_photo  # noqa: E402
from restorer.training.holdout import reduced  # noqa: E402


def theme_photos(theme: str, corpus: Path | None) -> tuple[str, list[tuple[str, object]]]:
    """The split the theme belongs to and its photos, as (name, uint8 RGB reduced to 512 px), in list order."""
    from restorer.corpus.build import default_out
    from restorer.corpus.splits import TEST_THEMES, VALIDATION_THEMES, split_pictures

    split = "test" if theme in TEST_THEMES else "validation"
    ids = {**TEST_THEMES, **VALIDATION_THEMES}[theme]
    found = dict(split_pictures(split, corpus or default_out(), ids=ids))
    missing = [i for i in ids if i not in found]
    if missing:
        raise SystemExit(f"the corpus lacks {', '.join(missing)}: run `make corpus`")
    return split, [(i.split("/", 1)[1], reduced(load_photo(found[i]).rgb, SHORT_SIDE)) for i in ids]


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark."""
    from restorer.corpus.splits import TEST_THEMES, VALIDATION_THEMES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--theme", choices=(*VALIDATION_THEMES, *TEST_THEMES), default=next(iter(VALIDATION_THEMES)))
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--train", type=int, default=8, help="photos to fine-tune on (the rest are measured)")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--lr", type=float, help="learning rate (default: restorer train's)")
    parser.add_argument("--crop", type=int, help="training crop side (default: restorer train's)")
    parser.add_argument("--batch-size", type=int, help="photos per step (default: restorer train's)")
    parser.add_argument("--general", type=int, default=0, help="also measure the first N test-split photos")
    parser.add_argument("--base", type=Path, metavar="WEIGHTS.safetensors",
                        help="fine-tune these inpaint-gan weights instead of the starter (e.g. a training snapshot)")
    parser.add_argument("--oracle", action="store_true",
                        help="fine-tune on the measured photos themselves: the most such a run could gain on them")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    split, photos = theme_photos(args.theme, args.corpus)
    tuning, measured = photos[:args.train], photos[args.train:]
    if args.oracle:
        tuning = measured
    work = Path(tempfile.mkdtemp(prefix="finetune-gain-"))
    os.environ["RESTORER_DATA_DIR"] = str(work / "data")  # the fine-tuned weights, for this process too
    reference = "starter"
    if args.base is not None:
        import shutil

        reference = "base"
        (work / "data" / "weights" / "inpaint-gan").mkdir(parents=True)
        shutil.copy(args.base, work / "data" / "weights" / "inpaint-gan" / "base.safetensors")
    folder = work / "photos"
    folder.mkdir()
    for name, rgb in tuning:
        Image.fromarray(rgb).save(folder / f"{name}.png")
    command = [sys.executable, "-m", "restorer", "train", "inpaint-gan", "--data", str(folder), "--name", "tuned",
               "--steps", str(args.steps), "--device", "cpu", "--from", reference]
    command += ["--lr", str(args.lr)] if args.lr else []
    command += ["--crop", str(args.crop)] if args.crop else []
    command += ["--batch-size", str(args.batch_size)] if args.batch_size else []
    started = time.time()
    done = subprocess.run(command, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
                          capture_output=True, text=True)
    minutes = (time.time() - started) / 60
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    print(f"fine-tuned on {len(tuning)} photos for {args.steps} steps in {minutes:.1f} min", flush=True)

    from restorer.evaluation import Method, compare, kind_table, markdown_table

    methods = [Method("opencv-telea", "opencv-telea"),
               Method("starter", "inpaint-gan", {"weights": reference}),
               Method("fine-tuned", "inpaint-gan", {"weights": "tuned"}),
               Method("starter, texture 0", "inpaint-gan", {"weights": reference, "texture": 0.0}),
               Method("fine-tuned, texture 0", "inpaint-gan", {"weights": "tuned", "texture": 0.0})]
    results = {}
    sets = [("theme", measured)] + ([("general", split_photos("test", args.corpus, args.general))]
                                    if args.general else [])
    report = [f"# Fine-tuning gain: theme {args.theme} ({split} split)\n",
              f"`restorer train inpaint-gan` from the starter"
              f"{f' (here {args.base.name}, called starter below)' if args.base else ''} on {len(tuning)} photos "
              f"({', '.join(n for n, _ in tuning)}; 512-px shorter side"
              f"{'; the measured photos themselves: an upper bound' if args.oracle else ''}), {args.steps} steps"
              f"{f', lr {args.lr}' if args.lr else ' (its default learning rate)'}"
              f"{f', {args.crop}-px crops' if args.crop else ''}"
              f"{f', batch {args.batch_size}' if args.batch_size else ''}: {minutes:.1f} min on "
              f"{platform.machine()} with {args.threads} threads, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
              "\n"]
    for label, chosen in sets:
        comparison = compare(chosen, methods, on_score=lambda s: print(
            f"{s.method:22s} {s.photo:18s} {s.kind:6s} psnr {s.psnr:6.2f}", flush=True))
        rows = {r["method"]: r for r in comparison.summary()}
        gain = rows["fine-tuned"]["psnr"] - rows["starter"]["psnr"]
        gain_fill = rows["fine-tuned, texture 0"]["psnr"] - rows["starter, texture 0"]["psnr"]
        results[label] = {"photos": [n for n, _ in chosen], "summary": comparison.summary(),
                          "gain_db": gain, "gain_texture0_db": gain_fill}
        what = f"the other {len(chosen)} photos of the theme" if label == "theme" else \
            f"{len(chosen)} photos of the test split (other kinds)"
        report += [f"\n## On {what}\n\nFine-tuned against starter: PSNR {gain:+.2f} dB "
                   f"(without texture {gain_fill:+.2f} dB).\n\n", markdown_table(comparison, "opencv-telea"), "\n",
                   kind_table(comparison, "opencv-telea")]
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"finetune_gain-{args.theme}{'-oracle' if args.oracle else ''}"
    (args.out / f"{stem}.md").write_text("".join(report))
    (args.out / f"{stem}.json").write_text(json.dumps({
        "theme": args.theme, "split": split, "train_photos": [n for n, _ in tuning], "steps": args.steps,
        "lr": args.lr, "crop": args.crop, "batch_size": args.batch_size,
        "base": str(args.base) if args.base else "starter", "oracle": args.oracle, "minutes": round(minutes, 2),
        "threads": args.threads, "machine": platform.machine(),
        "results": results}, indent=1) + "\n")
    print("".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
