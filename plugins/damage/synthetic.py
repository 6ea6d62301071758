"""Synthetic damage for self-supervised training: clean photo in, damaged photo and its damage mask out.

What scanned prints suffer, drawn at random in count, width, contrast and shape:
scratches (smooth bright or dark curves, 1-4 px), dust specks, hairs (thin dark
curls) -- each either a near-white or near-black colour or a lightening or
darkening of what it crosses --, creases (a bright fold line with a shadow beside it), stains and mould
spots (soft blobs that tint and darken). Then what every scan has, damaged or
not, so the detector holds up on real ones: film grain, a little blur, noise
and JPEG artefacts. A share of the crops gets no damage at all but the same scan
treatment, so the detector learns to leave clean photos alone.

Optionally (``structure_share``), a share of the crops first get real-looking thin
structure drawn into the picture itself, not as damage (:func:`add_structure`):
outlined bands and shapes, families of parallel lines, lettering and window grids,
the lines of graphics and man-made things that a detector of scratches mistakes for them.

This is the training generator. The benchmark (``benchmarks/damage_detection.py``)
draws its damage with a different one (other shapes, parameters and seed).
"""

from __future__ import annotations

import numpy as np

#: Share of crops left without damage (but given grain, blur, noise and JPEG like the others).
CLEAN_SHARE = 0.2
#: A pixel is damage when the drawn damage covers it at least this much (0-1).
MASK_LEVEL = 0.3
#: Share of scratches, specks and hairs that lighten or darken what they cross (a scratch in the
#: emulsion) instead of covering it with a near-white or near-black colour (dirt on the print).
SHIFT_SHARE = 0.5


def _curve(rng: np.random.Generator, height: int, width: int, length: float, wiggle: float) -> np.ndarray:
    """Points ``(N, 2)`` (x, y) of a smooth random curve of about ``length`` pixels."""
    start = rng.uniform([0, 0], [width, height])
    angle = rng.uniform(0, 2 * np.pi)
    steps = max(2, int(length / 4))
    turns = np.cumsum(rng.normal(0, wiggle, steps))
    directions = np.stack([np.cos(angle + turns), np.sin(angle + turns)], 1) * (length / steps)
    return start + np.concatenate([[[0, 0]], np.cumsum(directions, 0)])


def _stroke(layer: np.ndarray, points: np.ndarray, width: int) -> None:
    """Draw an anti-aliased polyline of ``width`` pixels into the float coverage ``layer`` (in place)."""
    import cv2

    canvas = np.zeros(layer.shape, np.uint8)
    shift = 4  # sub-pixel precision
    pts = np.round(points * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(canvas, [pts], False, 255, max(1, width), cv2.LINE_AA, shift)
    np.maximum(layer, canvas.astype(np.float32) / 255.0, out=layer)


def _blob(layer: np.ndarray, rng: np.random.Generator, centre: np.ndarray, radius: float, soft: float) -> None:
    """A soft irregular blob (an ellipse with a blurred edge) of ``radius`` into ``layer`` (in place)."""
    import cv2

    canvas = np.zeros(layer.shape, np.uint8)
    axes = (max(1, int(radius * rng.uniform(0.6, 1.0))), max(1, int(radius * rng.uniform(0.4, 1.0))))
    cv2.ellipse(canvas, (int(centre[0]), int(centre[1])), axes, rng.uniform(0, 180), 0, 360, 255, -1, cv2.LINE_AA)
    blob = canvas.astype(np.float32) / 255.0
    if soft > 0:
        blob = cv2.GaussianBlur(blob, (0, 0), soft)
    np.maximum(layer, blob, out=layer)


def _paint(image: np.ndarray, coverage: np.ndarray, colour: np.ndarray, opacity: float) -> None:
    """Blend ``colour`` (RGB, 0-255) over ``image`` (float, in place) where ``coverage`` (0-1) says."""
    alpha = (coverage * opacity)[..., None]
    image *= 1 - alpha
    image += alpha * colour


def add_damage(photo: np.ndarray, rng: np.random.Generator, *, curly_share: float = 0.0,
               dark_scratch_share: float = 0.3, structure_share: float = 0.0,
               visible_level: float = 0.0, gray_share: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(damaged, mask)``: ``photo`` (``uint8`` RGB) with random damage drawn on it, and where.

    ``curly_share`` of the scratches bend and loop (a wipe, a fingernail) instead of running almost
    straight, and ``dark_scratch_share`` of them darken; ``structure_share`` of the photos first get
    thin structure drawn in as part of the picture (:func:`add_structure`; not in the mask).
    ``visible_level`` (0-255; 0: off) leaves out of the mask the damage that changed no channel of the
    photo by that many levels -- a near-white scratch across a white sky, a lightening clipped at
    white -- so the detector is not taught to find what cannot be seen. ``gray_share`` of the photos
    become black-and-white prints (:func:`black_and_white`), damage and scan included, so that no colour
    tells the damage from the picture. The defaults draw what the first starters trained on, random
    number for random number."""
    height, width = photo.shape[:2]
    tone = _print_tone(rng) if gray_share > 0 and rng.random() < gray_share else None  # no draw when off
    if structure_share > 0 and rng.random() < structure_share:  # no draw when off: the old stream
        photo = add_structure(photo, rng)
    if tone is not None:  # the print, its drawn structure included
        photo = black_and_white(photo)
    image = photo.astype(np.float32)
    mask = np.zeros((height, width), bool)
    if rng.random() >= CLEAN_SHARE:
        scale = np.sqrt(height * width) / 256  # as many finds per area on any crop size
        kinds = rng.random(5) < (0.7, 0.6, 0.3, 0.2, 0.25)  # scratches, dust, hairs, creases, stains
        if not kinds.any():
            kinds[0] = True
        if kinds[0]:
            for _ in range(rng.poisson(3 * scale) + 1):
                _scratch(image, mask, rng, height, width, curly_share, dark_scratch_share)
        if kinds[1]:
            for _ in range(rng.poisson(15 * scale) + 1):
                _speck(image, mask, rng, height, width)
        if kinds[2]:
            for _ in range(rng.poisson(1.5 * scale) + 1):
                _hair(image, mask, rng, height, width)
        if kinds[3]:
            _crease(image, mask, rng, height, width)
        if kinds[4]:
            for _ in range(rng.poisson(1 * scale) + 1):
                _stain(image, mask, rng, height, width)
        if tone is not None:
            image = black_and_white(image)
        if visible_level > 0:
            mask &= np.abs(image - photo).max(-1) >= visible_level
    if tone is None:
        return _scan(image, rng), mask
    return np.clip(black_and_white(_scan(image, rng)) * tone + 0.5, 0, 255).astype(np.uint8), mask


def black_and_white(image: np.ndarray) -> np.ndarray:
    """``image`` (RGB, ``uint8`` or float 0-255) as its luminance (ITU-R BT.601) in all three channels,
    float32."""
    luma = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.repeat(luma[..., None], 3, -1)


def _print_tone(rng: np.random.Generator) -> np.ndarray:
    """Per-channel factors of a black-and-white print's tone: neutral half the time, else warm (sepia,
    aged paper) by a random amount."""
    if rng.random() < 0.5:
        return np.ones(3, np.float32)
    warmth = rng.uniform(0, 1)
    return np.array([1.0, 1 - 0.1 * warmth, 1 - 0.25 * warmth], np.float32)


def _level(rng: np.random.Generator, photo: np.ndarray, bright: bool) -> np.ndarray:
    """A damage colour: near white or near black, a little tinted."""
    base = rng.uniform(200, 255) if bright else rng.uniform(0, 60)
    return np.clip(base + rng.normal(0, 8, 3), 0, 255).astype(np.float32)


def _mark(image: np.ndarray, coverage: np.ndarray, rng: np.random.Generator, bright: bool, opacity: float) -> None:
    """Damage where ``coverage`` says: a near-white or near-black colour over the photo, or (a share of
    :data:`SHIFT_SHARE`) a lightening or darkening by 30-130 levels of what is there, so the damage's
    contrast depends on what it crosses."""
    if rng.random() >= SHIFT_SHARE:
        _paint(image, coverage, _level(rng, image, bright), opacity)
        return
    delta = (1 if bright else -1) * rng.uniform(30, 130) + rng.normal(0, 4, 3)
    image += (coverage * opacity)[..., None] * delta.astype(np.float32)
    np.clip(image, 0, 255, out=image)


def _scratch(image, mask, rng, height, width, curly_share: float, dark_share: float) -> None:
    layer = np.zeros((height, width), np.float32)
    length = rng.uniform(0.2, 1.5) * max(height, width)
    curly = curly_share > 0 and rng.random() < curly_share  # no draw when off: the old stream
    points = _curve(rng, height, width, length, rng.uniform(0.08, 0.25) if curly else rng.uniform(0.0, 0.08))
    _stroke(layer, points, int(rng.integers(1, 5)))
    _mark(image, layer, rng, rng.random() >= dark_share, rng.uniform(0.35, 1.0))
    mask |= layer > MASK_LEVEL


def _speck(image, mask, rng, height, width) -> None:
    layer = np.zeros((height, width), np.float32)
    _blob(layer, rng, rng.uniform([0, 0], [width, height]), rng.uniform(0.7, 3.5), rng.uniform(0, 0.6))
    _mark(image, layer, rng, rng.random() < 0.6, rng.uniform(0.5, 1.0))
    mask |= layer > MASK_LEVEL


def _hair(image, mask, rng, height, width) -> None:
    layer = np.zeros((height, width), np.float32)
    points = _curve(rng, height, width, rng.uniform(20, 120), rng.uniform(0.15, 0.5))
    _stroke(layer, points, 1)
    _mark(image, layer, rng, rng.random() < 0.3, rng.uniform(0.5, 1.0))
    mask |= layer > MASK_LEVEL


def _crease(image, mask, rng, height, width) -> None:
    import cv2

    layer = np.zeros((height, width), np.float32)
    points = _curve(rng, height, width, 2.0 * max(height, width), rng.uniform(0.0, 0.02))
    thickness = int(rng.integers(2, 6))
    _stroke(layer, points, thickness)
    shadow = np.roll(cv2.GaussianBlur(layer, (0, 0), thickness), int(rng.integers(2, 4)), axis=int(rng.integers(2)))
    _paint(image, shadow * (1 - layer), np.zeros(3, np.float32), rng.uniform(0.1, 0.3))
    _paint(image, layer, _level(rng, image, True), rng.uniform(0.3, 0.8))
    mask |= layer > MASK_LEVEL


def _stain(image, mask, rng, height, width) -> None:
    layer = np.zeros((height, width), np.float32)
    radius = rng.uniform(4, 30) * np.sqrt(height * width) / 256
    centre = rng.uniform([0, 0], [width, height])
    for _ in range(int(rng.integers(1, 4))):  # a lumpy outline: a few overlapping blobs
        _blob(layer, rng, centre + rng.normal(0, radius / 2, 2), radius, radius / 4)
    colour = np.array([rng.uniform(90, 160), rng.uniform(60, 120), rng.uniform(20, 70)], np.float32)
    if rng.random() < 0.4:  # mould: darker, greener
        colour = np.array([rng.uniform(30, 80), rng.uniform(40, 90), rng.uniform(20, 60)], np.float32)
    _paint(image, layer, colour, rng.uniform(0.35, 0.8))
    mask |= layer > MASK_LEVEL + 0.2


def _scan(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grain, blur, noise and JPEG, each at random strength (also on clean crops)."""
    import cv2

    if rng.random() < 0.4:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.6:
        grain = cv2.GaussianBlur(rng.normal(0, 1, image.shape[:2]).astype(np.float32), (0, 0), rng.uniform(0.5, 1.2))
        image = image + grain[..., None] * rng.uniform(2, 10)
    if rng.random() < 0.4:
        image = image + rng.normal(0, rng.uniform(1, 5), image.shape).astype(np.float32)
    out = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        ok, data = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 96))])
        out = np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1])
    return out


def add_structure(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``photo`` (``uint8`` RGB) with one to three pieces of thin, high-contrast structure drawn into
    the picture: lines that belong to it, which a detector must leave alone however much they look like
    scratches up close. Each comes with what gives it away as structure -- a filled band or shape whose
    outline it is, parallel neighbours, letters, a grid's corners:

    - an outlined band (a ribbon of a wallpaper, a road's kerbs) or an outlined filled shape;
    - a family of 3-8 parallel lines (cables, railings, stripes, a fence);
    - a few words of lettering;
    - a window grid: a frame with bars, a little rotated.
    """
    height, width = photo.shape[:2]
    image = photo.astype(np.float32)
    pieces = (_outlined_band, _outlined_shape, _parallel_lines, _lettering, _window_grid)
    for _ in range(int(rng.integers(1, 4))):
        pieces[int(rng.integers(len(pieces)))](image, rng, height, width)
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _contrasting(rng: np.random.Generator, image: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """A near-white or near-black colour, whichever stands out more from the picture where ``coverage`` is."""
    under = image[coverage > 0.5]
    bright = under.size == 0 or under.mean() < 128
    return _level(rng, image, bool(bright) if rng.random() < 0.8 else not bright)


def _outline(fill: np.ndarray, thickness: int) -> np.ndarray:
    """The outline (0-1) of the shape ``fill`` (0-1) covers: ``thickness`` pixels either side of its edge."""
    import cv2

    inside = (fill > 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * thickness + 1, 2 * thickness + 1))
    edge = cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, kernel) > 0
    return cv2.GaussianBlur(edge.astype(np.float32), (0, 0), 0.5)  # softened as a drawn edge is


def _fill_and_outline(image: np.ndarray, rng: np.random.Generator, fill: np.ndarray) -> None:
    """Fill ``fill`` with a colour (or leave it as it is), then draw its 2-4 px outline in a contrasting one."""
    if rng.random() < 0.7:
        _paint(image, fill, rng.uniform(0, 255, 3).astype(np.float32), rng.uniform(0.5, 1.0))
    edge = _outline(fill, int(rng.integers(1, 3)))
    _paint(image, edge, _contrasting(rng, image, edge), rng.uniform(0.7, 1.0))


def _outlined_band(image, rng, height, width) -> None:
    fill = np.zeros((height, width), np.float32)
    points = _curve(rng, height, width, rng.uniform(0.6, 2.0) * max(height, width), rng.uniform(0.0, 0.1))
    _stroke(fill, points, int(rng.integers(8, 50)))
    _fill_and_outline(image, rng, fill)


def _outlined_shape(image, rng, height, width) -> None:
    fill = np.zeros((height, width), np.float32)
    radius = rng.uniform(0.1, 0.4) * min(height, width)
    _blob(fill, rng, rng.uniform([0, 0], [width, height]), radius, 0)
    _fill_and_outline(image, rng, fill)


def _parallel_lines(image, rng, height, width) -> None:
    layer = np.zeros((height, width), np.float32)
    points = _curve(rng, height, width, rng.uniform(0.5, 1.5) * max(height, width), rng.uniform(0.0, 0.03))
    step = np.gradient(points, axis=0)
    normal = np.stack([-step[:, 1], step[:, 0]], 1) / np.maximum(np.linalg.norm(step, axis=1, keepdims=True), 1e-6)
    spacing, thickness = rng.uniform(5, 30), int(rng.integers(1, 4))
    for k in range(int(rng.integers(3, 9))):
        _stroke(layer, points + k * spacing * normal, thickness)
    _paint(image, layer, _contrasting(rng, image, layer), rng.uniform(0.6, 1.0))


def _lettering(image, rng, height, width) -> None:
    import cv2

    layer = np.zeros((height, width), np.uint8)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    size = rng.uniform(0.4, 1.6) * np.sqrt(height * width) / 256
    font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
                           cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX]))
    thickness = int(rng.integers(1, 3))
    x, y = rng.uniform([0, 0], [width * 0.6, height])
    for line in range(int(rng.integers(1, 4))):
        text = " ".join("".join(rng.choice(letters, int(rng.integers(2, 9)))) for _ in range(int(rng.integers(1, 4))))
        cv2.putText(layer, text, (int(x), int(y + line * 30 * size)), font, size, 255, thickness, cv2.LINE_AA)
    coverage = layer.astype(np.float32) / 255.0
    _paint(image, coverage, _contrasting(rng, image, coverage), rng.uniform(0.7, 1.0))


def _window_grid(image, rng, height, width) -> None:
    import cv2

    layer = np.zeros((height, width), np.uint8)
    centre = rng.uniform([0, 0], [width, height])
    size = rng.uniform(0.2, 0.8, 2) * (width, height)
    angle = rng.normal(0, 5)
    columns, rows = (int(n) for n in rng.integers(1, 5, 2))
    thickness = int(rng.integers(1, 4))
    lines = []
    for i in range(columns + 1):  # unit-square coordinates, turned and placed below
        lines.append(((i / columns, 0.0), (i / columns, 1.0)))
    for j in range(rows + 1):
        lines.append(((0.0, j / rows), (1.0, j / rows)))
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    for a, b in lines:
        ends = ((np.array([a, b]) - 0.5) * size) @ rotation.T + centre
        pts = np.round(ends * 16).astype(np.int32)
        cv2.line(layer, tuple(int(v) for v in pts[0]), tuple(int(v) for v in pts[1]), 255, thickness, cv2.LINE_AA, 4)
    coverage = layer.astype(np.float32) / 255.0
    _paint(image, coverage, _contrasting(rng, image, coverage), rng.uniform(0.6, 1.0))
