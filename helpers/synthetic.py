"""Synthetic and packaged image data for the offline stand-ins (no download needed).

    >>> images, labels = glyphs(20, image_size=32, seed=0)
    >>> images.shape, labels.shape, images.dtype
    ((20, 3, 32, 32), (20,), dtype('float32'))
"""

from __future__ import annotations

import string

import numpy as np

GLYPHS = string.ascii_uppercase  # the source task: 26 printed capital letters


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)  # Pillow's bundled scalable font
    except TypeError:  # Pillow < 10.1 has only a small bitmap font
        return ImageFont.load_default()


def glyphs(n: int, image_size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` images of printed capital letters (26 classes) in random size, place, angle and colour.

    Returns float32 images in [0, 1], shape (n, 3, size, size), and int64 labels. This is the
    *source* task on which the course pretrains its offline stand-in backbone.
    """
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(GLYPHS), n)
    canvas = image_size * 2  # draw large, then shrink: smoother strokes
    fonts = {s: _font(s) for s in range(int(canvas * 0.45), int(canvas * 0.85), 4)}
    images = np.empty((n, 3, image_size, image_size), np.float32)
    for i, label in enumerate(labels):
        background = tuple(int(c) for c in rng.integers(0, 256, 3))
        ink = tuple(int((c + 128) % 256) for c in background)  # always contrasts with the background
        image = Image.new("RGB", (canvas, canvas), background)
        font = fonts[rng.choice(list(fonts))]
        ImageDraw.Draw(image).text(
            (canvas / 2 + rng.uniform(-0.15, 0.15) * canvas, canvas / 2 + rng.uniform(-0.15, 0.15) * canvas),
            GLYPHS[label], fill=ink, font=font, anchor="mm", stroke_width=int(rng.integers(0, 3)), stroke_fill=ink,
        )
        image = image.rotate(rng.uniform(-25, 25), fillcolor=background).resize((image_size, image_size), Image.BILINEAR)
        array = np.asarray(image, np.float32) / 255 + rng.normal(0, 0.04, (image_size, image_size, 3))
        images[i] = np.clip(array, 0, 1).transpose(2, 0, 1)
    return images, labels.astype(np.int64)


def _style(gray: np.ndarray, rng, image_size: int) -> np.ndarray:
    """Paint a grayscale shape in random ink on a random background, moved, turned and noisy."""
    from PIL import Image

    background = rng.integers(0, 256, 3)
    ink = (background + 128) % 256
    scale = rng.uniform(0.55, 0.95)
    size = max(4, int(image_size * scale))
    shape = Image.fromarray((gray * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)
    mask = Image.new("L", (image_size, image_size), 0)
    offset = (image_size - size) // 2
    dx, dy = (int(v) for v in rng.integers(-offset, offset + 1, 2)) if offset > 0 else (0, 0)
    mask.paste(shape, (offset + dx, offset + dy))
    mask = np.asarray(mask.rotate(rng.uniform(-25, 25)), np.float32)[..., None] / 255
    image = (1 - mask) * background + mask * ink
    return np.clip(image / 255 + rng.normal(0, 0.04, image.shape), 0, 1).astype(np.float32).transpose(2, 0, 1)


def digits(image_size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """scikit-learn's 1,797 real handwritten digits (8×8 scans) in random colours, places and angles.

    The *target* task of the offline stand-in: real handwriting, shown the way the source task's
    letters are (so what the backbone learned about strokes and nuisances carries over).
    Returns float32 images in [0, 1] of shape (n, 3, size, size), int64 labels and class names.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    rng = np.random.default_rng(seed)
    images = np.stack([_style(image / 16.0, rng, image_size) for image in data.images])
    return images, data.target.astype(np.int64), [str(d) for d in range(10)]
