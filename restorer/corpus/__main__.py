"""``python -m restorer.corpus`` (``make corpus``): build the training corpus from Debian packages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from restorer.corpus.build import CorpusError, build_corpus, default_cache, default_out
from restorer.corpus.sources import DEFAULT_CATEGORIES, read_sources


def main(argv: list[str] | None = None) -> int:
    """Command line of the corpus builder; exit 0 when every picture is in place, 1 when some failed."""
    parser = argparse.ArgumentParser(prog="python -m restorer.corpus", description=__doc__)
    parser.add_argument("--out", type=Path, help=f"corpus folder (default {default_out()})")
    parser.add_argument("--cache", type=Path, help=f"downloaded and unpacked packages (default {default_cache()})")
    every = sorted({s.category for s in read_sources()})
    parser.add_argument("--category", action="append", choices=every, metavar="NAME",
                        help="take only these categories (repeatable; default: ordinary photos and textures)")
    args = parser.parse_args(argv)
    try:
        report = build_corpus(args.out, cache=args.cache, categories=tuple(args.category or DEFAULT_CATEGORIES))
    except CorpusError as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("corpus: interrupted; run again to resume", file=sys.stderr)
        return 130
    total = report.written + report.kept
    print(f"corpus: {total} pictures in {report.out} ({report.written} written now, {report.kept} already there), "
          f"{report.seconds:.0f} s")
    if report.failed_packages:
        print("corpus: could not fetch: " + "; ".join(f"{p} ({why})" for p, why in report.failed_packages.items()),
              file=sys.stderr)
    if report.failed_pictures:
        print(f"corpus: {len(report.failed_pictures)} pictures failed: "
              + "; ".join(f"{i} ({why})" for i, why in list(report.failed_pictures.items())[:5]), file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
