"""The photo corpus builder: archive readers, picture encoding, licences, a build from a fake .deb, splits."""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import pickle
import random
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import restorer.corpus.__main__ as corpus_cli
from restorer.corpus import build
from restorer.corpus.build import BuildReport, CorpusError, build_corpus, encoded_picture, licence_for
from restorer.corpus.containers import (EET_MAGIC, ContainerError, archive_reader, eet_members, rcc_members,
                                        read_eet, read_member, read_rcc, read_zip)
from restorer.corpus.sources import Source, read_sources
from restorer.corpus.splits import TEST_PHOTOS, TEST_THEMES, VALIDATION_THEMES, assign_splits
from tests.conftest import textured_photo

RCC = Path(sys.executable).parent / "pyside6-rcc"
TEXT = b"a photo corpus built from Debian packages\n" * 200  # compresses well
NOISE = np.random.default_rng(1).integers(0, 256, 400, dtype=np.uint8).tobytes()  # does not compress


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


# -- Qt resource files --------------------------------------------------------------------------------------------


def make_rcc(tmp_path: Path, *options: str) -> Path:
    if not RCC.exists():
        pytest.skip("pyside6-rcc is not installed")
    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / "c").mkdir()
    (tmp_path / "a/b/text.txt").write_bytes(TEXT)
    (tmp_path / "c/noise.bin").write_bytes(NOISE)
    (tmp_path / "res.qrc").write_text('<RCC><qresource prefix="/pre/fix">'
                                      "<file>a/b/text.txt</file><file>c/noise.bin</file></qresource></RCC>")
    out = tmp_path / "res.rcc"
    done = subprocess.run([str(RCC), "--binary", *options, "-o", str(out), "res.qrc"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("version", ["1", "2", "3"])
def test_rcc_zlib_members_come_back_byte_for_byte(tmp_path, version):
    path = make_rcc(tmp_path, "--compress-algo", "zlib", "--format-version", version)
    data = path.read_bytes()
    assert data[4:8] == struct.pack(">I", int(version))
    assert len(data) < len(TEXT) and TEXT[:200] not in data  # the text member is stored zlib-compressed
    assert NOISE in data  # the noise member is stored as it is
    members = rcc_members(path)
    assert members == {"/pre/fix/a/b/text.txt": TEXT, "/pre/fix/c/noise.bin": NOISE}


def test_rcc_uncompressed_members_come_back(tmp_path):
    path = make_rcc(tmp_path, "--no-compress")
    assert TEXT in path.read_bytes()
    assert rcc_members(path) == {"/pre/fix/a/b/text.txt": TEXT, "/pre/fix/c/noise.bin": NOISE}


def test_read_rcc_reads_one_member_and_refuses_a_missing_one(tmp_path):
    path = make_rcc(tmp_path, "--compress-algo", "zlib")
    assert read_rcc(path, "/pre/fix/a/b/text.txt") == TEXT
    assert read_rcc(path, "pre/fix/c/noise.bin") == NOISE
    assert archive_reader(path)("/pre/fix/c/noise.bin") == NOISE
    with pytest.raises(ContainerError, match="holds no"):
        read_rcc(path, "/pre/fix/a/b/missing.txt")


def test_rcc_zstd_member_is_a_clear_error(tmp_path):
    path = make_rcc(tmp_path, "--compress-algo", "zstd")
    if TEXT[:200] in path.read_bytes():
        pytest.skip("this rcc was built without zstd")
    with pytest.raises(ContainerError, match="zstd"):
        rcc_members(path)


def test_rcc_damaged_or_truncated_is_a_container_error(tmp_path):
    path = make_rcc(tmp_path, "--compress-algo", "zlib")
    data = bytearray(path.read_bytes())
    start = data.index(struct.pack(">I", len(TEXT)) + b"\x78") + 6  # qCompress: the size, then zlib
    data[start:start + 20] = bytes(20)
    (tmp_path / "broken.rcc").write_bytes(data)
    with pytest.raises(ContainerError, match="text.txt is damaged"):
        rcc_members(tmp_path / "broken.rcc")
    (tmp_path / "short.rcc").write_bytes(path.read_bytes()[:300])
    with pytest.raises(ContainerError):
        rcc_members(tmp_path / "short.rcc")


def test_rcc_member_longer_than_the_file_is_a_container_error(tmp_path):
    path = make_rcc(tmp_path, "--no-compress")
    size = struct.pack(">I", len(TEXT))
    path.write_bytes(path.read_bytes().replace(size + TEXT[:40], struct.pack(">I", 1 << 30) + TEXT[:40]))
    with pytest.raises(ContainerError, match="truncated"):
        rcc_members(path)


def test_rcc_refuses_a_file_that_is_not_one(tmp_path):
    path = tmp_path / "x.rcc"
    path.write_bytes(b"PK\x03\x04 not a resource file at all")
    with pytest.raises(ContainerError, match="not a Qt resource file"):
        read_rcc(path, "/x")


# -- zip ------------------------------------------------------------------------------------------------------------


def damage_deflate(data: bytes, member: str = "text.txt") -> bytes:
    """A zip file whose member's deflate stream is damaged (its header left alone)."""
    start = data.index(member.encode()) + len(member) + 10
    return data[:start] + bytes(20) + data[start + 20:]


@pytest.mark.parametrize("suffix", [".zip", ".pk3"])
def test_zip_members_are_read_by_suffix(tmp_path, suffix):
    path = tmp_path / f"pack{suffix}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("textures/text.txt", TEXT, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("noise.bin", NOISE, compress_type=zipfile.ZIP_STORED)
    assert TEXT[:200] not in path.read_bytes()
    assert read_zip(path, "textures/text.txt") == TEXT
    assert read_member(path, "textures/text.txt") == TEXT
    assert read_member(path, "noise.bin") == NOISE
    with pytest.raises(ContainerError, match="holds no"):
        read_member(path, "textures/missing.txt")


def test_zip_damaged_or_unknown_suffix_is_a_container_error(tmp_path):
    bad = tmp_path / "bad.pk3"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ContainerError):
        read_member(bad, "x")
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("text.txt", TEXT)
    broken.write_bytes(damage_deflate(broken.read_bytes()))
    with pytest.raises(ContainerError, match="text.txt is damaged"):
        read_member(broken, "text.txt")
    with pytest.raises(ContainerError, match="no reader"):
        read_member(tmp_path / "pack.tar", "x")


# -- Eet ------------------------------------------------------------------------------------------------------------


def write_eet(path: Path, members: list[tuple[str, bytes, int]], magic: int = EET_MAGIC) -> Path:
    """An Eet file as containers.py documents it; a member with flag bit 0 is stored zlib-compressed."""
    names = b"".join(name.encode() + b"\0" for name, _, _ in members)
    names_at = 12 + 24 * len(members)
    data_at = names_at + len(names)
    entries, blobs, name_offset, offset = b"", b"", names_at, data_at
    for name, payload, flags in members:
        blob = zlib.compress(payload) if flags & 1 else payload
        entries += struct.pack(">6I", offset, len(blob), len(payload), name_offset, len(name) + 1, flags)
        blobs += blob
        name_offset += len(name) + 1
        offset += len(blob)
    path.write_bytes(struct.pack(">III", magic, len(members), 0) + entries + names + blobs)
    return path


def test_eet_plain_and_zlib_members_come_back(tmp_path):
    path = write_eet(tmp_path / "theme.edj", [("edje/images/0", NOISE, 0), ("edje/images/1", TEXT, 1)])
    assert TEXT[:200] not in path.read_bytes()
    assert set(eet_members(path)) == {"edje/images/0", "edje/images/1"}
    assert read_eet(path, "edje/images/0") == NOISE
    assert read_eet(path, "edje/images/1") == TEXT
    assert read_member(path, "edje/images/1") == TEXT
    with pytest.raises(ContainerError, match="holds no"):
        read_eet(path, "edje/images/2")


def test_eet_bad_magic_lz4_encrypted_and_truncated_are_container_errors(tmp_path):
    with pytest.raises(ContainerError, match="not an Eet archive"):
        read_eet(write_eet(tmp_path / "a.edj", [("x", NOISE, 0)], magic=0x1EE7FF00), "x")
    (tmp_path / "short.edj").write_bytes(b"\x1e\xe7")
    with pytest.raises(ContainerError, match="not an Eet archive"):
        read_eet(tmp_path / "short.edj", "x")
    with pytest.raises(ContainerError, match="LZ4"):
        read_eet(write_eet(tmp_path / "b.edj", [("x", TEXT, 1 | 1 << 3)]), "x")
    with pytest.raises(ContainerError, match="encrypted"):
        read_eet(write_eet(tmp_path / "c.edj", [("x", TEXT, 2)]), "x")
    short = write_eet(tmp_path / "d.edj", [("x", NOISE, 0)])
    short.write_bytes(short.read_bytes()[:-10])
    with pytest.raises(ContainerError, match="truncated"):
        read_eet(short, "x")
    damaged = write_eet(tmp_path / "f.edj", [("x", TEXT, 1)])
    damaged.write_bytes(damaged.read_bytes()[:-40] + bytes(20) + damaged.read_bytes()[-20:])
    with pytest.raises(ContainerError, match="x is damaged"):
        read_eet(damaged, "x")
    (tmp_path / "e.edj").write_bytes(struct.pack(">III", EET_MAGIC, 1000, 0))
    with pytest.raises(ContainerError, match="damaged"):
        read_eet(tmp_path / "e.edj", "x")


# -- encoded_picture ------------------------------------------------------------------------------------------------


def source(member: str, width: int = 48, height: int = 32) -> Source:
    return Source("pkg", f"usr/share/pkg/{member}", width, height, "texture", f"pkg/{Path(member).stem}")


@pytest.mark.parametrize("fmt,suffix", [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")])
def test_jpeg_png_webp_are_kept_byte_for_byte(fmt, suffix):
    raw = encoded(Image.fromarray(textured_photo(32, 48)), fmt)
    data, size = encoded_picture(source(f"photo{suffix}"), raw)
    assert data == raw and size == (48, 32)


def png_pixels(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def test_sgi_becomes_png():
    pixels = textured_photo(32, 48)
    data, size = encoded_picture(source("rock.rgb"), encoded(Image.fromarray(pixels), "SGI"))
    assert size == (48, 32)
    assert np.array_equal(png_pixels(data), pixels)


def test_npz_becomes_png():
    pixels = textured_photo(32, 48)
    buffer = io.BytesIO()
    np.savez(buffer, aero=pixels)
    data, size = encoded_picture(source("aero.npz"), buffer.getvalue())
    assert size == (48, 32)
    assert np.array_equal(png_pixels(data), pixels)


UNPICKLED = []


def _unpickled(value):
    UNPICKLED.append(value)
    return value


class Trap:
    def __reduce__(self):
        return _unpickled, ("loaded",)


def test_pickled_npz_is_refused_not_loaded():
    buffer = io.BytesIO()
    np.savez(buffer, aero=np.array([Trap()], dtype=object))
    assert pickle.loads(pickle.dumps(Trap())) == "loaded" and UNPICKLED.pop() == "loaded"  # the trap works
    with pytest.raises((ValueError, ContainerError)):
        encoded_picture(source("aero.npz"), buffer.getvalue())
    with pytest.raises((ValueError, ContainerError)):
        encoded_picture(source("aero.npz"), pickle.dumps(Trap()))
    assert UNPICKLED == []


def test_damaged_npz_is_a_container_error():
    empty, odd = io.BytesIO(), io.BytesIO()
    np.savez(empty)
    np.savez(odd, aero=np.zeros((4, 4, 7), np.uint8))
    for raw in (b"PK\x03\x04 not a zip", empty.getvalue(), odd.getvalue()):
        with pytest.raises(ContainerError):
            encoded_picture(source("aero.npz"), raw)


def test_bz2_dat_of_the_listed_size_becomes_png():
    pixels = textured_photo(32, 48)
    data, size = encoded_picture(source("face.dat"), bz2.compress(pixels.tobytes()))
    assert size == (48, 32)
    assert np.array_equal(png_pixels(data), pixels)
    with pytest.raises(ContainerError, match="not 48x32"):
        encoded_picture(source("face.dat"), bz2.compress(pixels.tobytes()[:-3]))


def test_pickled_dat_is_refused():
    with pytest.raises(ContainerError, match="pickled"):
        encoded_picture(source("face.dat"), pickle.dumps(Trap()))
    assert UNPICKLED == []


def test_undecodable_picture_raises():
    with pytest.raises(OSError):
        encoded_picture(source("photo.jpg"), b"\xff\xd8 not really a jpeg")


# -- licences -------------------------------------------------------------------------------------------------------

DEP5 = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fakephotos

Files: *
Copyright: 2020 Someone
License: CC0-1.0

Files: textures/*
 extra/*.png
Copyright: 2021 Someone Else
License: GPL-2+
 The full text is in /usr/share/common-licenses/GPL-2.

Files: debian/*
Copyright: 2022 The Packager
License: MIT

License: GPL-2+
 On Debian systems, see /usr/share/common-licenses/GPL-2.
"""


def test_licence_is_that_of_files_star_by_default():
    assert licence_for(DEP5, "usr/share/fakephotos/photos/beach.jpg") == "CC0-1.0"


def test_licence_of_a_more_specific_pattern_matching_the_path_end_wins():
    assert licence_for(DEP5, "usr/share/fakephotos/textures/wall.png") == "GPL-2+"
    assert licence_for(DEP5, "usr/share/games/x/extra/grass.png") == "GPL-2+"  # a continuation line
    assert licence_for(DEP5, "usr/share/games/x/extra/grass.jpg") == "CC0-1.0"
    assert licence_for(DEP5, "usr/share/x/packs/p.pk3:textures/wall.png") == "GPL-2+"  # a member of an archive


def test_licence_of_a_specific_pattern_wins_over_a_later_files_star():
    specific = DEP5.split("\n\n")[2]
    text = f"{specific}\n\nFiles: *\nCopyright: 2023 Nobody\nLicense: Zlib\n"
    assert licence_for(text, "usr/share/fakephotos/textures/wall.png") == "GPL-2+"
    assert licence_for(text, "usr/share/fakephotos/photos/beach.jpg") == "Zlib"


def test_licence_of_a_free_form_copyright_file_is_unknown():
    text = "This package was debianized by someone.\n\nCopyright: 2001 Someone\nLicense: see below\n"
    assert licence_for(text, "usr/share/x/photo.jpg").startswith("unknown")


# -- a build from a fake Debian package -----------------------------------------------------------------------------

PACKAGE, VERSION = "fakephotos", "1.2-3"
BEACH = "usr/share/fakephotos/photos/beach.jpg"
WALL = "usr/share/fakephotos/packs/textures.pk3:textures/wall.png"
DAMAGED = "usr/share/fakephotos/packs/broken.zip:textures/flat.bmp"


@pytest.fixture(scope="module")
def fake_deb(tmp_path_factory) -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed")
    top = tmp_path_factory.mktemp("deb")
    root = top / "root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/control").write_text(f"Package: {PACKAGE}\nVersion: {VERSION}\nArchitecture: all\n"
                                         "Maintainer: Test <test@example.org>\nDescription: photos for a test\n")
    (root / "usr/share/doc" / PACKAGE).mkdir(parents=True)
    (root / "usr/share/doc" / PACKAGE / "copyright").write_text(DEP5)
    (root / BEACH).parent.mkdir(parents=True)
    (root / BEACH).write_bytes(encoded(Image.fromarray(textured_photo(64, 96, 1)), "JPEG"))
    pack = root / WALL.split(":")[0]
    pack.parent.mkdir(parents=True)
    with zipfile.ZipFile(pack, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("textures/wall.png", encoded(Image.fromarray(textured_photo(32, 48, 2)), "PNG"))
    broken = root / DAMAGED.split(":")[0]
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("textures/flat.bmp", encoded(Image.new("RGB", (48, 32), (90, 120, 30)), "BMP"))
    broken.write_bytes(damage_deflate(broken.read_bytes(), "textures/flat.bmp"))
    deb = top / f"{PACKAGE}_{VERSION}_all.deb"
    done = subprocess.run(["dpkg-deb", "-Zgzip", "--root-owner-group", "--build", str(root), str(deb)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return deb


FAKE_SOURCES = [Source(PACKAGE, BEACH, 96, 64, "scene-nature", f"{PACKAGE}/beach"),
                Source(PACKAGE, WALL, 48, 32, "texture", f"{PACKAGE}/wall")]


@pytest.fixture
def cache(tmp_path, fake_deb) -> Path:
    (tmp_path / "cache/debs").mkdir(parents=True)
    shutil.copy(fake_deb, tmp_path / "cache/debs")
    return tmp_path / "cache"


def run_build(tmp_path: Path, cache: Path, sources=FAKE_SOURCES) -> BuildReport:
    return build_corpus(tmp_path / "out", cache=cache, sources=list(sources), log=lambda message: None)


def recording_run(monkeypatch) -> list[list[str]]:
    """``build._run`` still runs commands, and records them."""
    calls, real = [], build._run
    monkeypatch.setattr(build, "_run", lambda command, cwd=None: calls.append(command) or real(command, cwd))
    return calls


def test_build_writes_images_and_manifest(tmp_path, cache):
    report = run_build(tmp_path, cache)
    assert report.ok and report.written == 2 and report.kept == 0
    out = tmp_path / "out"
    document = json.loads((out / "manifest.json").read_text())
    rows = {row["id"]: row for row in document["pictures"]}
    assert set(rows) == {f"{PACKAGE}/beach", f"{PACKAGE}/wall"}
    assert document["manifest_sha256"] == build.manifest_hash(document["pictures"])
    expected = {f"{PACKAGE}/beach": (BEACH, "CC0-1.0", "scene-nature", 96, 64, ".jpg"),
                f"{PACKAGE}/wall": (WALL, "GPL-2+", "texture", 48, 32, ".png")}
    for picture, (path, licence, category, width, height, suffix) in expected.items():
        row = rows[picture]
        data = (out / row["file"]).read_bytes()
        assert row["file"] == f"images/{picture.replace('/', '__')}{suffix}"
        assert (row["package"], row["version"], row["path_in_package"]) == (PACKAGE, VERSION, path)
        assert (row["licence"], row["category"], row["width"], row["height"]) == (licence, category, width, height)
        assert row["bytes"] == len(data) and row["sha256"] == hashlib.sha256(data).hexdigest()
        assert Image.open(out / row["file"]).size == (width, height)
    root = cache / "unpacked" / f"{PACKAGE}_{VERSION}_all"
    assert (out / rows[f"{PACKAGE}/beach"]["file"]).read_bytes() == (root / BEACH).read_bytes()
    assert (out / rows[f"{PACKAGE}/beach"]["copyright_file"]).read_text() == DEP5
    assert build.read_manifest(out) == document["pictures"]


def test_second_build_writes_nothing_and_runs_no_command(tmp_path, cache, monkeypatch):
    run_build(tmp_path, cache)
    images = {p: p.stat().st_mtime_ns for p in (tmp_path / "out/images").iterdir()}
    calls = recording_run(monkeypatch)
    report = run_build(tmp_path, cache)
    assert report.ok and report.written == 0 and report.kept == 2
    assert calls == [] and report.seconds < 2
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out/images").iterdir()} == images
    assert len(build.read_manifest(tmp_path / "out")) == 2


def test_build_resumes_by_rewriting_only_a_missing_image(tmp_path, cache, monkeypatch):
    run_build(tmp_path, cache)
    first = {row["id"]: row for row in build.read_manifest(tmp_path / "out")}
    beach = tmp_path / "out" / first[f"{PACKAGE}/beach"]["file"]
    wall = tmp_path / "out" / first[f"{PACKAGE}/wall"]["file"]
    wall_written = wall.stat().st_mtime_ns
    beach.unlink()
    calls = recording_run(monkeypatch)
    report = run_build(tmp_path, cache)
    assert report.ok and report.written == 1 and report.kept == 1
    assert beach.exists() and wall.stat().st_mtime_ns == wall_written
    assert not any(command[0] == "apt-get" or "-x" in command for command in calls)  # cached and unpacked
    assert {row["id"]: row for row in build.read_manifest(tmp_path / "out")} == first


def test_build_rewrites_an_image_whose_size_changed(tmp_path, cache):
    run_build(tmp_path, cache)
    row = {row["id"]: row for row in build.read_manifest(tmp_path / "out")}[f"{PACKAGE}/wall"]
    image = tmp_path / "out" / row["file"]
    image.write_bytes(b"damaged")
    report = run_build(tmp_path, cache)
    assert report.written == 1 and report.kept == 1
    assert hashlib.sha256(image.read_bytes()).hexdigest() == row["sha256"]


def test_build_redoes_an_interrupted_unpack(tmp_path, cache):
    root = cache / "unpacked" / f"{PACKAGE}_{VERSION}_all"
    (root / "usr").mkdir(parents=True)
    (root / "usr/half-written").write_text("")
    report = run_build(tmp_path, cache)
    assert report.ok and report.written == 2
    assert (root / ".unpacked").exists() and not (root / "usr/half-written").exists()


def test_missing_member_is_a_failed_picture_and_the_rest_is_written(tmp_path, cache):
    missing = Source(PACKAGE, WALL.replace("wall.png", "missing.png"), 48, 32, "texture", f"{PACKAGE}/missing")
    report = run_build(tmp_path, cache, [missing, *FAKE_SOURCES])  # the failing picture comes first
    assert not report.ok and report.written == 2 and not report.failed_packages
    assert list(report.failed_pictures) == [f"{PACKAGE}/missing"]
    assert "ContainerError" in report.failed_pictures[f"{PACKAGE}/missing"]
    assert {row["id"] for row in build.read_manifest(tmp_path / "out")} == {f"{PACKAGE}/beach", f"{PACKAGE}/wall"}


def test_damaged_archive_is_a_failed_picture_and_the_rest_is_written(tmp_path, cache):
    damaged = Source(PACKAGE, DAMAGED, 48, 32, "texture", f"{PACKAGE}/damaged")
    report = run_build(tmp_path, cache, [damaged, *FAKE_SOURCES])
    assert report.written == 2 and list(report.failed_pictures) == [f"{PACKAGE}/damaged"]
    assert "flat.bmp is damaged" in report.failed_pictures[f"{PACKAGE}/damaged"]


def test_failed_download_is_a_failed_package_and_other_packages_still_build(tmp_path, cache, monkeypatch):
    real = build._run

    def apt_get_fails(command, cwd=None):
        if command[0] == "apt-get":
            assert command == ["apt-get", "download", "absentpkg"]
            (cwd / "absentpkg_1_all.deb.part").write_bytes(b"half")
            return subprocess.CompletedProcess(command, 100, "", "Reading package lists...\n"
                                               "E: Unable to locate package absentpkg\n")
        return real(command, cwd)

    monkeypatch.setattr(build, "_run", apt_get_fails)
    absent = Source("absentpkg", "usr/share/absent/x.jpg", 10, 10, "scene-nature", "absentpkg/x")
    report = run_build(tmp_path, cache, [absent, *FAKE_SOURCES])  # the failing package comes first
    assert report.failed_packages == {"absentpkg": "E: Unable to locate package absentpkg"}
    assert report.written == 2 and not report.failed_pictures and not report.ok
    assert sorted(p.name for p in (cache / "debs").iterdir()) == [f"{PACKAGE}_{VERSION}_all.deb"]


def test_download_moves_the_apt_get_result_into_the_cache(tmp_path, fake_deb, monkeypatch):
    calls = []

    def apt_get(command, cwd=None):
        calls.append(command)
        if command[0] == "apt-get":
            shutil.copy(fake_deb, cwd)
            return subprocess.CompletedProcess(command, 0, "", "")
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True)

    monkeypatch.setattr(build, "_run", apt_get)
    report = run_build(tmp_path, tmp_path / "cache")
    assert report.ok and report.written == 2
    assert calls[0] == ["apt-get", "download", PACKAGE]
    assert sorted(p.name for p in (tmp_path / "cache/debs").iterdir()) == [fake_deb.name]


def test_missing_tool_is_a_corpus_error():
    with pytest.raises(CorpusError, match="not installed"):
        build._run(["restorer-no-such-tool-anywhere"])


# -- the command line -----------------------------------------------------------------------------------------------


def test_cli_help_exits_zero():
    done = subprocess.run([sys.executable, "-m", "restorer.corpus", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--out" in done.stdout and "--category" in done.stdout


def test_cli_failed_package_exits_one_with_one_line(tmp_path, monkeypatch, capsys):
    asked = {}

    def fake_build(out, **options):
        asked.update(out=out, **options)
        return BuildReport(out, kept=3, failed_packages={"absentpkg": "E: Unable to locate package absentpkg"})

    monkeypatch.setattr(corpus_cli, "build_corpus", fake_build)
    assert corpus_cli.main(["--out", str(tmp_path), "--category", "texture"]) == 1
    assert asked["out"] == tmp_path and asked["categories"] == ("texture",)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "absentpkg" in lines[0] and "Unable to locate" in lines[0]


def test_cli_all_there_exits_zero_and_corpus_error_exits_two(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(corpus_cli, "build_corpus", lambda out, **options: BuildReport(out, kept=3))
    assert corpus_cli.main(["--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "3 pictures" in captured.out

    def broken(out, **options):
        raise CorpusError("apt-get is not installed")

    monkeypatch.setattr(corpus_cli, "build_corpus", broken)
    assert corpus_cli.main(["--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == ["corpus: error: apt-get is not installed"]


# -- sources and splits ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return read_sources()


def test_source_ids_and_filenames_are_unique(sources):
    assert len(sources) > 100
    assert len({s.id for s in sources}) == len(sources)
    assert len({s.filename for s in sources}) == len(sources)


def test_every_source_gets_one_split(sources):
    splits = assign_splits(sources)
    assert set(splits) == {s.id for s in sources}
    assert set(splits.values()) == {"train", "validation", "test"}


def test_no_group_spans_two_splits(sources):
    splits, by_group = assign_splits(sources), {}
    for s in sources:
        by_group.setdefault(s.group, set()).add(splits[s.id])
    assert all(len(names) == 1 for names in by_group.values())
    assert any(len([s for s in sources if s.group == group]) > 1 for group in by_group)  # groups do join rows


def test_group_joins_numbered_rows_of_one_picture(sources):
    ids = {s.id: s for s in sources}
    assert {ids[f"gcompris-qt-data/sea{n}"].group for n in range(1, 7)} == {"gcompris-qt-data/sea"}
    assert ids["enlightenment-data/Bamboo-0"].group == "enlightenment-data/bamboo"
    assert ids["gcompris-qt-data/penguin"].group != ids["gcompris-qt-data/sea1"].group


def test_a_test_photo_takes_its_whole_group_with_it():
    rows = [Source("gcompris-qt-data", f"usr/share/x/penguin{n}.webp", 10, 10, "animal", f"gcompris-qt-data/penguin{n}")
            for n in ("", "2", "3")]
    rows += [Source("python3-skimage", f"usr/share/x/{n}.png", 10, 10, "animal", f"python3-skimage/{n}")
             for n in ("camera", "camera_2")]
    assert set(assign_splits(rows).values()) == {"test"}


def test_named_photos_exist_and_land_in_their_split(sources):
    splits = assign_splits(sources)
    named = [(i, "test") for i in TEST_PHOTOS] + [(i, "test") for ids in TEST_THEMES.values() for i in ids]
    named += [(i, "validation") for ids in VALIDATION_THEMES.values() for i in ids]
    for picture, split in named:
        assert picture in splits, picture
        assert splits[picture] == split, picture
    assert splits["python3-skimage/astronaut"] == splits["python3-skimage/camera"] == "test"


def test_validation_share_of_ordinary_groups(sources):
    splits = assign_splits(sources)
    themes = {s.group for s in sources if any(s.id in ids for ids in VALIDATION_THEMES.values())}
    chosen = {s.group: splits[s.id] for s in sources if s.group not in themes and splits[s.id] != "test"}
    share = sum(split == "validation" for split in chosen.values()) / len(chosen)
    assert 0.05 <= share <= 0.20, share


def test_splits_do_not_depend_on_order(sources):
    shuffled = list(sources)
    random.Random(3).shuffle(shuffled)
    assert assign_splits(shuffled) == assign_splits(sources)


def test_split_pictures_lists_one_split_of_one_kind_from_the_manifest(tmp_path):
    from restorer.corpus.splits import TEST_PHOTOS, VALIDATION_THEMES, assign_splits, split_pictures
    from restorer.errors import InputError

    sources = read_sources()
    splits = assign_splits(sources)
    texture = next(s for s in sources if s.kind == "texture" and splits[s.id] == "validation")
    chosen = [TEST_PHOTOS[0], TEST_PHOTOS[1], VALIDATION_THEMES["nature-wallpapers"][0], texture.id]
    rows = [{"id": i, "file": f"images/{i.replace('/', '__')}.png", "sha256": "0"} for i in chosen]
    (tmp_path / "manifest.json").write_text(json.dumps({"pictures": rows}))
    assert [i for i, _ in split_pictures("test", tmp_path)] == sorted(TEST_PHOTOS[:2])
    assert [i for i, _ in split_pictures("test", tmp_path, ids=(TEST_PHOTOS[1],))] == [TEST_PHOTOS[1]]
    assert [i for i, _ in split_pictures("validation", tmp_path)] == [chosen[2]]
    assert [i for i, _ in split_pictures("validation", tmp_path, kind="texture")] == [texture.id]
    assert split_pictures("train", tmp_path) == []
    with pytest.raises(InputError, match="make corpus"):
        split_pictures("test", tmp_path / "nothing")


def test_reduced_split_folder_holds_one_split_of_the_chosen_kinds_with_photos_weighted(tmp_path):
    from PIL import Image

    from restorer.corpus.splits import assign_splits, is_twin, reduced_split_folder, twin_path

    sources = read_sources()
    splits = assign_splits(sources)
    photo = next(s for s in sources if s.kind == "photo" and splits[s.id] == "train")
    texture = next(s for s in sources if s.kind == "texture" and splits[s.id] == "train")
    other = next(s for s in sources if s.kind == "photo" and splits[s.id] == "validation")
    corpus = tmp_path / "corpus"
    (corpus / "images").mkdir(parents=True)
    rows = []
    for source in (photo, texture, other):
        Image.new("RGB", (60, 40), (9, 99, 199)).save(corpus / "images" / f"{source.filename}.png")
        rows.append({"id": source.id, "file": f"images/{source.filename}.png", "sha256": "0"})
    (corpus / "manifest.json").write_text(json.dumps({"pictures": rows}))

    def names(folder):
        return sorted(p.name for p in folder.iterdir())

    stem, texture_stem = photo.id.replace("/", "__"), texture.id.replace("/", "__")
    both = reduced_split_folder("train", corpus, tmp_path / "both", short_side=20, photo_weight=2)
    assert names(both) == sorted([f"{stem}.png", f"{stem}.copy1.png", f"{texture_stem}.png"])
    assert [p.name for p in sorted(both.iterdir()) if not is_twin(p)] == sorted([f"{stem}.png", f"{texture_stem}.png"])
    assert twin_path(both / f"{stem}.png", 1).exists() and is_twin(twin_path(Path("a.copy.png"), 12))
    assert not is_twin("rock.copy.png") and not is_twin("copy3.png")
    assert Image.open(both / f"{stem}.png").size == (30, 20)
    photos = reduced_split_folder("train", corpus, tmp_path / "photos", short_side=20, kinds=("photo",))
    assert names(photos) == [f"{stem}.png"]
