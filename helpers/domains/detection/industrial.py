"""Project P2's data: a fixed camera over a conveyor, one metal plate per frame, small and rare defects.

Each frame shows one plate with four drilled holes on a belt. A plate may carry defects, each a
small box with an exact YOLO label: ``scratch`` (common), ``chip`` (a notch in an edge) and
``missing_hole`` (a hole never drilled, only its centre-punch mark) — the rare one. Most plates
are good: their frames have an empty label file. Training images are the frames cut into tiles at
the camera's own resolution (small defects keep their pixels); validation and test are whole frames.

    >>> import tempfile
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"train": 2, "val": 2}, frame=96, tile=48, seed=1)
    >>> sorted(p.name for p in (data.parent / "images" / "train").iterdir())[:2]
    ['line_train_0000_t0.png', 'line_train_0000_t1.png']
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

CLASSES = ["scratch", "chip", "missing_hole"]
RATES = {"scratch": 0.3, "chip": 0.2, "missing_hole": 0.08}  # share of the line's plates with each defect
# The training frames were collected with defects on purpose (a plate is good far more often on the line),
# but a hole that is never drilled stays rare even there.
TRAIN_RATES = {"scratch": 0.6, "chip": 0.5, "missing_hole": 0.12}


def _belt(size: int, rng):
    """The conveyor belt: dark rubber with ribs across the frame, grain and a little dust."""
    from PIL import Image, ImageDraw

    level = 62 + rng.normal(0, 3)  # a fixed camera and lighting: little change from frame to frame
    array = np.full((size, size, 3), level) + rng.normal(0, 4, (size, size, 3))
    phase = int(rng.integers(0, 6))
    array[:, phase::6] -= 9  # ribs across the belt, moving with it
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(0, 4))):  # dust and specks: not defects
        x, y = (int(v) for v in rng.integers(0, size, 2))
        shade = int(rng.integers(90, 140))
        draw.ellipse([x, y, x + 2, y + 2], fill=(shade, shade, shade))
    return image


def _box(x1: float, y1: float, x2: float, y2: float, least: float) -> tuple[float, float, float, float]:
    """Grow a box about its centre to at least `least` pixels per side."""
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w, h = max(x2 - x1, least), max(y2 - y1, least)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def draw_frame(size: int, rng, rates: dict[str, float] | None = None):
    """Draw one camera frame; return the PIL image and its boxes as ``(class, x1, y1, x2, y2)`` in pixels.

    >>> image, boxes = draw_frame(192, np.random.default_rng(4), {"scratch": 1.0, "chip": 0.0, "missing_hole": 1.0})
    >>> image.size, sorted({CLASSES[b[0]] for b in boxes})
    ((192, 192), ['missing_hole', 'scratch'])
    """
    from PIL import ImageDraw

    rates = RATES if rates is None else rates
    scale = size / 192
    image = _belt(size, rng)
    draw = ImageDraw.Draw(image)
    w, h = rng.uniform(100, 140) * scale, rng.uniform(84, 124) * scale
    cx, cy = size / 2 + rng.uniform(-14, 14) * scale, size / 2 + rng.uniform(-14, 14) * scale
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    grey = int(rng.integers(150, 190))
    metal = (grey, grey, min(255, grey + 8))
    draw.rounded_rectangle([x1, y1, x2, y2], radius=6 * scale, fill=metal, outline=(grey - 50,) * 3)
    inset, radius = 15 * scale, 5.5 * scale
    corners = [(x1 + inset, y1 + inset), (x2 - inset, y1 + inset), (x1 + inset, y2 - inset), (x2 - inset, y2 - inset)]
    missing = int(rng.integers(4)) if rng.random() < rates["missing_hole"] else None
    boxes = []
    for index, (hx, hy) in enumerate(corners):
        if index == missing:  # never drilled: only a faint centre-punch ring where the hole should be
            draw.ellipse([hx - 2 * scale, hy - 2 * scale, hx + 2 * scale, hy + 2 * scale], outline=(grey - 35,) * 3)
            boxes.append((2, *_box(hx - radius, hy - radius, hx + radius, hy + radius, 8 * scale)))
        else:
            draw.ellipse([hx - radius, hy - radius, hx + radius, hy + radius], fill=(40, 40, 42))
    if rng.random() < rates["chip"]:  # a triangular notch out of one long edge, showing the belt
        edge_x, depth, half = rng.uniform(x1 + 30 * scale, x2 - 30 * scale), rng.uniform(8, 11) * scale, rng.uniform(5, 7) * scale
        top = rng.random() < 0.5
        edge_y = y1 if top else y2
        inward = depth if top else -depth
        draw.polygon([(edge_x - half, edge_y), (edge_x + half, edge_y), (edge_x, edge_y + inward)], fill=(58, 58, 58))
        boxes.append((1, *_box(edge_x - half, min(edge_y, edge_y + inward), edge_x + half, max(edge_y, edge_y + inward), 8 * scale)))
    if rng.random() < rates["scratch"]:  # a thin bright line on the metal, away from the holes
        length, turn = rng.uniform(14, 22) * scale, rng.uniform(0, math.pi)
        sx, sy = rng.uniform(x1 + 28 * scale, x2 - 28 * scale), rng.uniform(y1 + 24 * scale, y2 - 24 * scale)
        ex, ey = sx + length * math.cos(turn), sy + length * math.sin(turn)
        draw.line([sx, sy, ex, ey], fill=(min(255, grey + 60),) * 3, width=max(1, round(2 * scale)))
        boxes.append((0, *_box(min(sx, ex) - 1, min(sy, ey) - 1, max(sx, ex) + 1, max(sy, ey) + 1, 6 * scale)))
    return image, boxes


def yolo_line(cls: int, box, width: int, height: int) -> str:
    """One YOLO label line for a pixel box ``(x1, y1, x2, y2)`` in an image of `width` × `height`.

    >>> yolo_line(2, (10, 20, 30, 60), 100, 200)
    '2 0.200000 0.200000 0.200000 0.200000'
    """
    x1, y1, x2, y2 = box
    return f"{cls} {(x1 + x2) / 2 / width:.6f} {(y1 + y2) / 2 / height:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}"


def tile_windows(width: int, height: int, tile: int, overlap: float = 0.0) -> list[tuple[int, int, int, int]]:
    """The windows ``(x1, y1, x2, y2)`` that cover an image with square tiles, the last ones flush with the edge.

    >>> tile_windows(192, 192, 96)
    [(0, 0, 96, 96), (96, 0, 192, 96), (0, 96, 96, 192), (96, 96, 192, 192)]
    >>> len(tile_windows(192, 192, 96, overlap=0.2))
    9
    """
    step = max(1, int(tile * (1 - overlap)))

    def starts(extent: int) -> list[int]:
        found = list(range(0, max(extent - tile, 0) + 1, step))
        if found[-1] + tile < extent:
            found.append(extent - tile)
        return found

    return [(x, y, x + tile, y + tile) for y in starts(height) for x in starts(width)]


def tile_boxes(boxes, window, keep: float = 0.6) -> list[tuple]:
    """The boxes of a frame as seen in one tile: clipped, in tile pixels; a box less than `keep` inside is dropped.

    >>> tile_boxes([(0, 90, 90, 100, 100), (1, 10, 10, 20, 20)], (0, 0, 96, 96))
    [(1, 10, 10, 20, 20)]
    """
    wx1, wy1, wx2, wy2 = window
    kept = []
    for cls, x1, y1, x2, y2 in boxes:
        cx1, cy1, cx2, cy2 = max(x1, wx1), max(y1, wy1), min(x2, wx2), min(y2, wy2)
        if cx2 > cx1 and cy2 > cy1 and (cx2 - cx1) * (cy2 - cy1) >= keep * (x2 - x1) * (y2 - y1):
            kept.append((cls, cx1 - wx1, cy1 - wy1, cx2 - wx1, cy2 - wy1))
    return kept


def write_line_dataset(folder, sizes: dict[str, int] | None = None, frame: int = 192, tile: int = 96,
                       seed: int = 0, rates: dict[str, float] | None = None,
                       train_rates: dict[str, float] | None = None) -> Path:
    """Write the line's dataset in YOLO format: train as tiles of frames, val and test as whole frames; return data.yaml.

    Training frames have defects at `train_rates`, val and test at the line's `rates` (defaults: the module's).

    >>> import tempfile
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"train": 1, "test": 2}, frame=96, tile=48)
    >>> len(list((data.parent / "images" / "train").iterdir())), len(list((data.parent / "images" / "test").iterdir()))
    (4, 2)
    """
    import yaml

    folder = Path(folder)
    sizes = sizes or {"train": 32, "val": 64, "test": 64}
    rng = np.random.default_rng(seed)
    for split, count in sizes.items():
        for kind in ("images", "labels"):
            (folder / kind / split).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            image, boxes = draw_frame(frame, rng, (train_rates or TRAIN_RATES) if split == "train" else rates)
            stem = f"line_{split}_{index:04d}"
            pieces = [(f"{stem}_t{k}", window) for k, window in enumerate(tile_windows(frame, frame, tile))] \
                if split == "train" else [(stem, (0, 0, frame, frame))]
            for name, window in pieces:
                size = window[2] - window[0]
                image.crop(window).save(folder / "images" / split / f"{name}.png")
                lines = [yolo_line(c, b, size, size) for c, *b in tile_boxes(boxes, window)]
                (folder / "labels" / split / f"{name}.txt").write_text("".join(f"{line}\n" for line in lines))
    spec = {**{split: f"images/{split}" for split in sizes}, "names": dict(enumerate(CLASSES))}
    target = folder / "data.yaml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False))
    return target


def class_counts(data, split: str) -> dict[str, int]:
    """Boxes per class in one split of a YOLO dataset, from its label files (every class listed, zeros too).

    >>> import tempfile
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"val": 8}, frame=96, seed=2)
    >>> sorted(class_counts(data, "val"))
    ['chip', 'missing_hole', 'scratch']
    """
    from helpers.domains.detection.labels import images_of, label_path, read_spec

    root, spec = read_spec(data)
    names = spec["names"] if isinstance(spec["names"], dict) else dict(enumerate(spec["names"]))
    counts = dict.fromkeys(names.values(), 0)
    for image in images_of(root, spec[split]):
        label = label_path(image)
        for line in (label.read_text().splitlines() if label.exists() else []):
            if line.strip():
                counts[names[int(float(line.split()[0]))]] += 1
    return counts


def oversample(data, classes: list[str], factor: int, target) -> Path:
    """A copy of `data`'s YAML whose train split lists every image with a box of `classes` `factor` times; return it.

    Ultralytics reads a split given as a .txt file of image paths, repeats included: the images
    themselves are not copied.

    >>> import tempfile, yaml
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"train": 6}, frame=96, tile=48, seed=0)
    >>> more = oversample(data, ["missing_hole"], 3, Path(tempfile.mkdtemp()) / "more.yaml")
    >>> yaml.safe_load(more.read_text())["train"].endswith("train_oversampled.txt")
    True
    """
    import yaml

    from helpers.domains.detection.labels import images_of, label_path, read_spec

    root, spec = read_spec(data)
    names = spec["names"] if isinstance(spec["names"], dict) else dict(enumerate(spec["names"]))
    unknown = sorted(set(classes) - set(names.values()))
    if unknown:
        raise ValueError(f"{unknown} are not classes of {data}: choose from {list(names.values())}.")
    wanted = {i for i, n in names.items() if n in classes}
    listed = []
    for image in images_of(root, spec["train"]):
        label = label_path(image)
        ids = {int(float(line.split()[0])) for line in label.read_text().splitlines() if line.strip()} if label.exists() else set()
        listed += [str(image.resolve())] * (factor if ids & wanted else 1)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    listing = target.parent / "train_oversampled.txt"
    listing.write_text("\n".join(listed) + "\n")
    new = {**spec, "path": str(Path(root).resolve()), "train": str(listing.resolve())}
    target.write_text(yaml.safe_dump(new, sort_keys=False))
    return target


# --- The assets: Ultralytics' medical-pills (full, cpu) and the synthetic line (smoke, offline) ------------

PILLS_URL = "https://github.com/ultralytics/assets/releases/download/v0.0.0/medical-pills.zip"
LINE_VERSION = "v1"


def _fetch_pills(folder: Path) -> None:
    """Ultralytics' medical-pills (92 train, 23 val images, one class): the last 18 training images become val, its val our test."""
    import yaml

    from helpers import assets
    from helpers.domains.detection import unpack_yolo_zip

    assets.download(PILLS_URL, folder / "medical-pills.zip")
    root = unpack_yolo_zip(folder / "medical-pills.zip", folder)
    train = sorted(p.relative_to(root).as_posix() for p in (root / "images" / "train").iterdir())
    (root / "train.txt").write_text("\n".join(train[:-18]) + "\n")
    (root / "val.txt").write_text("\n".join(train[-18:]) + "\n")
    spec = {"train": "train.txt", "val": "val.txt", "test": "images/val", "names": {0: "pill"}}
    (root / "data.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    assets.write_meta(folder, {"data": (root / "data.yaml").relative_to(folder).as_posix(),
                               "source": "Ultralytics medical-pills (docs.ultralytics.com/datasets/detect/medical-pills), AGPL-3.0"})


def _line_standin(folder: Path) -> None:
    from helpers import assets

    data = write_line_dataset(folder, {"train": 32, "val": 64, "test": 64}, frame=192, tile=96, seed=300)
    assets.write_meta(folder, {"data": data.name, "frame": 192, "tile": 96,
                               "source": "a synthetic inspection line drawn by helpers.domains.detection.industrial"})


def _register() -> None:
    from helpers import assets

    assets.register(assets.Asset(
        name="medical-pills", kind="dataset",
        description="Ultralytics medical-pills (pharmaceutical QC: 92 train + 23 val images, one class, YOLO format, 8 MB)",
        fetch=_fetch_pills, probe_url="https://github.com",
        standin=lambda: assets.cached_standin(f"industrial-line-{LINE_VERSION}", _line_standin),
        standin_description="a synthetic inspection line: 192-px frames of metal plates with scratches, chips and "
                            "rare missing holes (train: 32 frames cut into 128 tiles of 96 px; val and test: 64 frames each)",
    ))


_register()
