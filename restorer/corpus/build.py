"""Build the training corpus: fetch the listed Debian packages, unpack them, pull out the photos.

Steps, each skipped when its result is already there (a second run takes seconds,
an interrupted one resumes):

1. ``apt-get download PACKAGE`` into ``CACHE/debs`` (through a scratch folder, so a
   half-downloaded ``.deb`` never has its final name);
2. ``dpkg-deb -x`` into ``CACHE/unpacked/PACKAGE_VERSION`` (a stamp file marks it complete);
3. each listed picture read from its file or archive (:mod:`.containers`), checked to
   decode, and written atomically to ``OUT/images/``: JPEG, PNG and WebP byte for byte,
   anything else (SGI ``.rgb``, NumPy ``.npz``, bz2 raw ``.dat``) as PNG;
4. ``OUT/manifest.json``: per picture its id, file, package, version, path in the
   package, licence, category, size and sha256, and the package's copyright file
   copied to ``OUT/licenses/``.
"""

from __future__ import annotations

import bz2
import fnmatch
import hashlib
import io
import json
import shutil
import subprocess
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from restorer.corpus.containers import ContainerError, archive_reader
from restorer.corpus.sources import DEFAULT_CATEGORIES, KEPT_SUFFIXES, Source, read_sources
from restorer.files import atomic_write

MANIFEST = "manifest.json"


class CorpusError(Exception):
    """A problem the person running the build can act on (a missing tool, a bad folder)."""


def default_cache() -> Path:
    """Where downloaded and unpacked packages are kept: the user cache folder (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("restorer")) / "corpus"


def default_out() -> Path:
    """Where the corpus is written unless ``--out`` says otherwise."""
    return default_cache() / "photos"


# -- packages ------------------------------------------------------------------------------------


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise CorpusError(f"{command[0]} is not installed (the corpus is built from Debian packages)") from None


def cached_deb(debs: Path, package: str) -> Path | None:
    """The newest ``.deb`` of ``package`` in the cache, or ``None``."""
    found = sorted(debs.glob(f"{package}_*.deb"))
    return found[-1] if found else None


def download(package: str, debs: Path) -> Path:
    """``package``'s ``.deb`` in ``debs``, downloaded with ``apt-get download`` unless already there."""
    have = cached_deb(debs, package)
    if have is not None:
        return have
    debs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=debs, prefix=".download-") as scratch:
        done = _run(["apt-get", "download", package], cwd=Path(scratch))
        got = sorted(Path(scratch).glob(f"{package}_*.deb"))
        if done.returncode != 0 or not got:
            reason = (done.stderr.strip().splitlines() or ["apt-get download failed"])[-1]
            raise CorpusError(reason)
        target = debs / got[-1].name
        got[-1].replace(target)
    return target


def deb_version(deb: Path) -> str:
    """The package version written in a ``.deb``."""
    done = _run(["dpkg-deb", "-f", str(deb), "Version"])
    if done.returncode != 0:
        raise CorpusError(f"{deb.name}: not a Debian package ({done.stderr.strip()})")
    return done.stdout.strip()


def unpack(deb: Path, unpacked: Path) -> Path:
    """``deb`` unpacked (``dpkg-deb -x``) into a folder of its own under ``unpacked``; done once."""
    target = unpacked / deb.stem
    stamp = target / ".unpacked"
    if stamp.exists():
        return target
    if target.exists():
        shutil.rmtree(target)  # an interrupted unpack
    target.mkdir(parents=True)
    done = _run(["dpkg-deb", "-x", str(deb), str(target)])
    if done.returncode != 0:
        raise CorpusError(f"{deb.name}: could not unpack ({done.stderr.strip()})")
    stamp.write_text("")
    return target


# -- licences ------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[dict[str, str]]:
    """The paragraphs of a Debian control-style file (``Field: value``, continuation lines indented)."""
    out, current, key = [], {}, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                out.append(current)
            current, key = {}, None
        elif line[0] in " \t" and key:
            current[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            current[key] = value.strip()
    return out


def licence_for(copyright_text: str, path: str) -> str:
    """The licence a machine-readable (DEP-5) copyright file gives ``path``: the last ``Files:`` paragraph
    with a pattern matching the path's end (installed paths differ from source paths), else that of
    ``Files: *``; ``unknown`` for a free-form copyright file."""
    paragraphs = [p for p in _paragraphs(copyright_text) if "files" in p and "license" in p]
    if not paragraphs:
        return "unknown (free-form copyright file)"
    chosen = None
    member = path.split(":", 1)[-1].lstrip("/")
    for paragraph in paragraphs:
        for pattern in paragraph["files"].split():
            if pattern == "*":
                chosen = chosen or paragraph
            elif fnmatch.fnmatch(member, pattern) or fnmatch.fnmatch(member, f"*/{pattern}"):
                chosen = paragraph
    chosen = chosen or paragraphs[0]
    return chosen["license"].splitlines()[0].strip() or "unknown"


# -- pictures ------------------------------------------------------------------------------------


def _raw_bytes(source: Source, root: Path, readers: dict[str, Callable[[str], bytes]]) -> bytes:
    """The picture's bytes as stored in the unpacked package (its archive opened once per build)."""
    if source.archive is None:
        return (root / source.path).read_bytes()
    if source.archive not in readers:
        readers[source.archive] = archive_reader(root / source.archive)
    return readers[source.archive](source.member)


def encoded_picture(source: Source, raw: bytes) -> tuple[bytes, tuple[int, int]]:
    """The bytes to write for ``source`` and its ``(width, height)``, after checking that it decodes.

    JPEG, PNG and WebP are kept as they are; SGI, ``.npz`` arrays and bz2-compressed raw RGB
    (``.dat``, the size taken from ``sources.tsv``) become PNG. Pickled files are refused.
    """
    from PIL import Image

    suffix = Path(source.member).suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
                pixels = np.asarray(arrays[arrays.files[0]])
            image = Image.fromarray(pixels.astype(np.uint8))
        except (zipfile.BadZipFile, zlib.error, IndexError, TypeError) as exc:  # not one image array
            raise ContainerError(f"{source.member}: not an image array ({type(exc).__name__}: {exc})") from None
    elif suffix == ".dat":
        try:
            flat = np.frombuffer(bz2.decompress(raw), np.uint8)
        except OSError:
            raise ContainerError(f"{source.member}: not bz2-compressed pixels (pickled data is never read)") from None
        if flat.size != source.width * source.height * 3:
            raise ContainerError(f"{source.member}: {flat.size} bytes, not {source.width}x{source.height} RGB")
        image = Image.fromarray(flat.reshape(source.height, source.width, 3))
    else:
        image = Image.open(io.BytesIO(raw), formats=("JPEG", "PNG", "WEBP", "SGI", "TIFF", "BMP"))
        image.load()
    if suffix in KEPT_SUFFIXES:
        return raw, image.size
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue(), image.size


# -- the build -----------------------------------------------------------------------------------


@dataclass
class BuildReport:
    """What a build did."""

    out: Path
    written: int = 0
    kept: int = 0
    failed_packages: dict[str, str] = field(default_factory=dict)
    failed_pictures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every listed picture is in the corpus."""
        return not self.failed_packages and not self.failed_pictures


def read_manifest(out: str | Path) -> list[dict]:
    """The corpus's manifest rows (empty when there is no corpus at ``out`` yet)."""
    path = Path(out) / MANIFEST
    return json.loads(path.read_text())["pictures"] if path.exists() else []


def manifest_hash(rows: list[dict]) -> str:
    """One sha256 over every picture's id and sha256: names the exact data a model was trained on."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r["id"]):
        digest.update(f"{row['id']}\t{row['sha256']}\n".encode())
    return digest.hexdigest()


def _write_manifest(out: Path, rows: dict[str, dict]) -> None:
    pictures = sorted(rows.values(), key=lambda r: r["id"])
    document = {"pictures": pictures, "manifest_sha256": manifest_hash(pictures),
                "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    atomic_write(out / MANIFEST, (json.dumps(document, indent=1) + "\n").encode(), overwrite=True)


def build_corpus(out: str | Path | None = None, *, cache: str | Path | None = None,
                 categories: tuple[str, ...] = DEFAULT_CATEGORIES, sources: list[Source] | None = None,
                 log: Callable[[str], None] = print) -> BuildReport:
    """Build (or bring up to date) the corpus at ``out`` from the listed pictures of ``categories``."""
    started = time.time()
    out = Path(out) if out is not None else default_out()
    cache = Path(cache) if cache is not None else default_cache()
    chosen = [s for s in (sources if sources is not None else read_sources()) if s.category in categories]
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "licenses").mkdir(exist_ok=True)
    previous = {row["id"]: row for row in read_manifest(out)}
    rows: dict[str, dict] = {}
    report = BuildReport(out)
    packages = sorted({s.package for s in chosen})
    for number, package in enumerate(packages, 1):
        mine = [s for s in chosen if s.package == package]
        prefix = f"[{number}/{len(packages)}] {package}"
        pending = [s for s in mine if not _up_to_date(out, previous.get(s.id), s)]
        for source in mine:
            if source not in pending:
                rows[source.id] = previous[source.id]
                report.kept += 1
        if not pending:
            log(f"{prefix}: {len(mine)} pictures, all there")
            continue
        try:
            deb = download(package, cache / "debs")
            version = deb_version(deb)
            root = unpack(deb, cache / "unpacked")
        except CorpusError as exc:
            report.failed_packages[package] = str(exc)
            log(f"{prefix}: FAILED: {exc}")
            continue
        copyright_file = root / "usr/share/doc" / package / "copyright"
        copyright_text = copyright_file.read_text(errors="replace") if copyright_file.exists() else ""
        if copyright_text:
            atomic_write(out / "licenses" / f"{package}.copyright", copyright_text.encode(), overwrite=True)
        readers: dict[str, Callable[[str], bytes]] = {}
        for source in pending:
            try:
                data, (width, height) = encoded_picture(source, _raw_bytes(source, root, readers))
            except (OSError, ContainerError, ValueError) as exc:
                report.failed_pictures[source.id] = f"{type(exc).__name__}: {exc}"
                continue
            atomic_write(out / "images" / source.filename, data, overwrite=True)
            rows[source.id] = {
                "id": source.id, "file": f"images/{source.filename}", "package": package, "version": version,
                "path_in_package": source.path, "category": source.category,
                "licence": licence_for(copyright_text, source.path) if copyright_text else "unknown",
                "copyright_file": f"licenses/{package}.copyright" if copyright_text else None,
                "width": width, "height": height, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            report.written += 1
        failed = sum(s.id in report.failed_pictures for s in pending)
        log(f"{prefix} {version}: {len(pending) - failed} pictures written" + (f", {failed} failed" if failed else ""))
        _write_manifest(out, rows)  # after each package: an interrupted build keeps what it wrote
    _write_manifest(out, rows)
    report.seconds = time.time() - started
    return report


def _up_to_date(out: Path, row: dict | None, source: Source) -> bool:
    """A picture written by an earlier build is still in place (same size on disk, same source)."""
    if row is None or row.get("path_in_package") != source.path:
        return False
    path = out / row["file"]
    return path.is_file() and path.stat().st_size == row["bytes"]
