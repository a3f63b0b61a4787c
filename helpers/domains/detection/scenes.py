"""Synthetic object-detection datasets in YOLO format, with exact boxes (no download needed).

Two tasks, drawn the same way on varied backgrounds (gradients, grain, grid lines, unlabelled clutter):

- ``parts`` (the *target* of the offline stand-in): industrial parts — bolt, nut, washer — in
  metallic greys and brass, turned, scaled, one to four per image;
- ``shapes``: brightly coloured flat shapes — disc, hexagon, bar, triangle, cross — a second,
  unrelated task with other classes, for checks that must run on data a student has not seen.

    >>> import tempfile
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"train": 4, "val": 2}, image_size=64)
    >>> data.name
    'data.yaml'
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

TASKS = {
    "parts": ["bolt", "nut", "washer"],
    "shapes": ["disc", "hexagon", "bar", "triangle", "cross"],
}


def _polygon(cx: float, cy: float, radius: float, sides: int, turn: float = 0.0) -> list[tuple[float, float]]:
    return [(cx + radius * math.cos(turn + 2 * math.pi * k / sides), cy + radius * math.sin(turn + 2 * math.pi * k / sides))
            for k in range(sides)]


def _metal(rng) -> tuple[int, int, int]:
    if rng.random() < 0.25:  # brass
        return tuple(int(v) for v in rng.integers([150, 120, 40], [220, 180, 90]))
    grey = int(rng.integers(110, 225))
    return (grey, grey, min(255, grey + int(rng.integers(0, 15))))


def _vivid(rng) -> tuple[int, int, int]:
    channels = rng.permutation([int(rng.integers(200, 256)), int(rng.integers(0, 90)), int(rng.integers(0, 256))])
    return tuple(int(c) for c in channels)


def _draw_object(kind: str, size: int, rng):
    """Draw one object, centred on a transparent square of side `size`; return the RGBA image."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c, r = size / 2, size * 0.45
    if kind in TASKS["parts"]:
        ink = _metal(rng)
        shade = tuple(max(0, v - 60) for v in ink)
        hole = (0, 0, 0, 0)
        if kind == "washer":
            draw.ellipse([c - r, c - r, c + r, c + r], fill=ink, outline=shade, width=max(1, size // 24))
            draw.ellipse([c - r * 0.45, c - r * 0.45, c + r * 0.45, c + r * 0.45], fill=hole)
        elif kind == "nut":
            draw.polygon(_polygon(c, c, r, 6, rng.uniform(0, math.pi)), fill=ink, outline=shade)
            draw.ellipse([c - r * 0.42, c - r * 0.42, c + r * 0.42, c + r * 0.42], fill=hole, outline=shade)
        else:  # bolt: a hexagonal head and a threaded shaft, drawn upright, turned later
            width = r * 0.34
            draw.rectangle([c - width / 2, c - r * 0.55, c + width / 2, c + r], fill=ink)
            for y in np.arange(c - r * 0.4, c + r, max(2.0, size / 16)):
                draw.line([c - width / 2, y, c + width / 2, y + size / 40], fill=shade, width=max(1, size // 48))
            draw.polygon(_polygon(c, c - r * 0.7, r * 0.36, 6, math.pi / 6), fill=ink, outline=shade)
    else:
        ink = _vivid(rng)
        if kind == "disc":
            draw.ellipse([c - r, c - r, c + r, c + r], fill=ink)
        elif kind == "hexagon":
            draw.polygon(_polygon(c, c, r, 6, rng.uniform(0, math.pi)), fill=ink)
        elif kind == "triangle":
            draw.polygon(_polygon(c, c, r, 3, rng.uniform(0, math.pi)), fill=ink)
        elif kind == "bar":
            draw.rectangle([c - r * 0.22, c - r, c + r * 0.22, c + r], fill=ink)
        else:  # cross
            arm = r * 0.3
            draw.rectangle([c - arm, c - r, c + arm, c + r], fill=ink)
            draw.rectangle([c - r, c - arm, c + r, c + arm], fill=ink)
    return image.rotate(rng.uniform(0, 360), resample=Image.BICUBIC)


def _background(size: int, rng):
    """A gradient with grain, grid lines and unlabelled clutter: a workbench, a belt, a sheet."""
    from PIL import Image, ImageDraw

    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    ramp = np.linspace(0, 1, size)[:, None, None]
    angle = rng.random()
    mix = angle * ramp + (1 - angle) * ramp.transpose(1, 0, 2)
    array = a * (1 - mix) + b * mix + rng.normal(0, rng.uniform(3, 18), (size, size, 3))
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.5:
        step = int(rng.integers(size // 8, size // 3))
        line = tuple(int(v) for v in rng.integers(0, 256, 3))
        for x in range(int(rng.integers(0, step)), size, step):
            draw.line([x, 0, x, size], fill=line, width=1)
            draw.line([0, x, size, x], fill=line, width=1)
    for _ in range(int(rng.integers(0, 5))):  # scratches and specks the detector must learn to ignore
        x, y = (int(v) for v in rng.integers(0, size, 2))
        length, turn = rng.uniform(0.1, 0.4) * size, rng.uniform(0, math.pi)
        shade = tuple(int(v) for v in np.clip(a * 0.6 + rng.integers(-40, 40, 3), 0, 255))
        draw.line([x, y, x + length * math.cos(turn), y + length * math.sin(turn)], fill=shade, width=1)
    return image


def _overlaps(box, boxes, limit: float = 0.15) -> bool:
    for other in boxes:
        iw = max(0, min(box[2], other[2]) - max(box[0], other[0]))
        ih = max(0, min(box[3], other[3]) - max(box[1], other[1]))
        union = (box[2] - box[0]) * (box[3] - box[1]) + (other[2] - other[0]) * (other[3] - other[1]) - iw * ih
        if iw * ih / union > limit:
            return True
    return False


def draw_scene(task: str, image_size: int, rng) -> tuple[object, list[tuple[int, float, float, float, float]]]:
    """One image of `task` ('parts' or 'shapes') and its YOLO labels (class, cx, cy, w, h normalised).

    >>> image, labels = draw_scene("shapes", 64, np.random.default_rng(0))
    >>> image.size, len(labels) >= 1, all(0 <= v <= 1 for label in labels for v in label[1:])
    ((64, 64), True, True)
    """
    names = TASKS[task]
    image = _background(image_size, rng)
    boxes, labels = [], []
    for _ in range(int(rng.integers(1, 5))):
        cls = int(rng.integers(len(names)))
        side = int(image_size * rng.uniform(0.22, 0.5))
        patch = _draw_object(names[cls], side * 2, rng).resize((side, side))
        tight = patch.getchannel("A").point(lambda v: 255 if v > 127 else 0).getbbox()
        if tight is None:
            continue
        for _attempt in range(10):
            x, y = (int(v) for v in rng.integers(-tight[0], image_size - tight[2] + 1, 1).tolist()
                    + rng.integers(-tight[1], image_size - tight[3] + 1, 1).tolist())
            box = (x + tight[0], y + tight[1], x + tight[2], y + tight[3])
            if not _overlaps(box, boxes):
                break
        else:
            continue
        image.paste(patch, (x, y), patch)
        boxes.append(box)
        x1, y1, x2, y2 = box
        labels.append((cls, (x1 + x2) / 2 / image_size, (y1 + y2) / 2 / image_size,
                       (x2 - x1) / image_size, (y2 - y1) / image_size))
    return image, labels


def write_dataset(folder, task: str = "parts", sizes: dict[str, int] | None = None,
                  image_size: int = 128, seed: int = 0) -> Path:
    """Write a YOLO-format dataset (images/, labels/, data.yaml) of `task` into `folder`; return the YAML path.

    `sizes` gives the number of images per split, e.g. ``{"train": 200, "val": 60}``.

    >>> import tempfile
    >>> data = write_dataset(tempfile.mkdtemp(), "shapes", sizes={"train": 2}, image_size=32)
    >>> print(data.read_text(), end="")
    train: images/train
    names:
      0: disc
      1: hexagon
      2: bar
      3: triangle
      4: cross
    >>> sorted(p.name for p in (data.parent / "labels" / "train").iterdir())
    ['shapes_train_0000.txt', 'shapes_train_0001.txt']
    """
    import yaml

    if task not in TASKS:
        raise ValueError(f"Unknown synthetic task {task!r}: choose one of {', '.join(TASKS)}.")
    folder = Path(folder)
    sizes = sizes or {"train": 200, "val": 60}
    rng = np.random.default_rng(seed)
    for split, count in sizes.items():
        (folder / "images" / split).mkdir(parents=True, exist_ok=True)
        (folder / "labels" / split).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            image, labels = draw_scene(task, image_size, rng)
            stem = f"{task}_{split}_{index:04d}"
            image.save(folder / "images" / split / f"{stem}.png")
            lines = [f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}" for c, x, y, w, h in labels]
            (folder / "labels" / split / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    # No `path:` key: Ultralytics then takes the YAML's own folder as the dataset root.
    spec = {**{split: f"images/{split}" for split in sizes}, "names": dict(enumerate(TASKS[task]))}
    target = folder / "data.yaml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False))
    return target
