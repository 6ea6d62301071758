"""restorer.tiling: even tile spans and the channels-last mirror pad."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from restorer.tiling import _spans, mirror_pad, tiled_apply


@pytest.mark.parametrize("length, tile, overlap, multiple", [
    (1000, 512, 64, 8), (4000, 512, 64, 8), (3000, 1024, 64, 8), (100, 32, 16, 1), (100, 32, 0, 1),
    (513, 512, 64, 8), (97, 40, 10, 4),
])
def test_spans_cover_the_length_with_the_overlap_in_as_few_equal_tiles_as_fit(length, tile, overlap, multiple):
    starts, side = _spans(length, tile, overlap, multiple)
    assert side <= tile and side % multiple == 0 or side == length
    assert starts[0] == 0 and starts[-1] + side == length
    shared = [a + side - b for a, b in zip(starts, starts[1:])]
    assert all(s >= overlap for s in shared)
    fewest = 1 if length <= tile else -(-(length - overlap) // (tile - overlap))
    assert len(starts) == fewest
    steps = [b - a for a, b in zip(starts, starts[1:])]
    assert not steps or max(steps) - min(steps) <= 1  # spread evenly


def test_a_length_that_fits_is_one_tile_of_its_own_size():
    assert _spans(300, 512, 64, 8) == ([0], 300)


def test_even_tiles_compute_less_than_full_tiles_at_a_fixed_step():
    starts, side = _spans(1000, 512, 64, 8)
    assert len(starts) * side == 1128  # fixed 512-px tiles at 0, 448 and 488 computed 1536


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("amount", [1, 2, 4])
def test_mirror_pad_of_a_channels_last_map_is_torchs_reflection_and_stays_channels_last(dtype, amount):
    x = torch.rand(2, 5, 9, 13).to(dtype).contiguous(memory_format=torch.channels_last)
    padded = mirror_pad(x, amount)
    assert torch.equal(padded.float(), F.pad(x.float(), (amount,) * 4, mode="reflect"))
    assert padded.is_contiguous(memory_format=torch.channels_last) and padded.dtype == dtype


def test_mirror_pad_passes_gradients_as_torchs_reflection_does():
    x = torch.rand(1, 3, 7, 8).contiguous(memory_format=torch.channels_last).requires_grad_()
    weights = torch.rand(1, 3, 11, 12)
    (mirror_pad(x, 2) * weights).sum().backward()
    y = x.detach().clone().requires_grad_()
    (F.pad(y, (2,) * 4, mode="reflect") * weights).sum().backward()
    assert torch.allclose(x.grad, y.grad)


def test_mirror_pad_keeps_the_default_layout_and_repeats_the_edge_of_a_small_map():
    x = torch.rand(1, 2, 6, 6)
    assert torch.equal(mirror_pad(x, 2), F.pad(x, (2,) * 4, mode="reflect"))
    assert torch.equal(mirror_pad(x, 6), F.pad(x, (6,) * 4, mode="replicate"))


def test_tiled_apply_with_uneven_sides_matches_one_piece():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 5, padding=2).eval()
    image = torch.rand(1, 3, 124, 76)  # sides a multiple of 4: no padding to a multiple
    with torch.no_grad():
        whole, tiled = conv(image), tiled_apply(conv, image, tile=48, overlap=16, multiple=4)
    assert tiled.shape == whole.shape
    assert torch.allclose(tiled, whole, atol=1e-4)
