"""Domain image datasets for Lab 05 (satellite or medical), as image files in folders, online or offline.

Importing this module registers two datasets (the lab's backbone is in `fastai_backbone`). Both are
laid out the way fastai's `DataBlock` reads folders — ``<root>/{train,valid,test}/<class>/<image>.png``
plus a ``meta.json``:

- ``eurosat`` (domain "satellite") — EuroSAT RGB: 27,000 Sentinel-2 tiles of 64×64 px in 10
  land-cover classes, downloaded by torchvision and split 80/10/10 (seeded; identical tiles are
  kept in one split). Offline stand-in:
  satellite-like tiles in five of EuroSAT's classes — scikit-image's real grass and gravel
  photographs as the ground, with roads, a river, houses or furrows drawn on it in random colours.
- ``pneumoniamnist`` (domain "medical") — PneumoniaMNIST from MedMNIST v2 (5,856 paediatric
  chest X-rays, normal vs pneumonia, its own train/val/test split) at 128 px, downloaded by the
  `medmnist` package. Offline stand-in: synthetic chest-X-ray-like images (lungs, ribs, a heart
  on the patient's left) where "pneumonia" adds hazy opacities of random strength, with the real
  dataset's balance (73 % pneumonia: 4,273 of its 5,856 images).

    >>> from helpers.domains import images
    >>> images.dataset_for("satellite")
    'eurosat'
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import assets
from helpers.config import flag
from helpers.files import link_or_copy, scratch_folder

DOMAINS = {"satellite": "eurosat", "medical": "pneumoniamnist"}
SPLITS = ("train", "valid", "test")
STANDIN_VERSION = "v2"
TILE = 64                                         # stand-in images are saved at 64×64 px
LAND_USE = ("AnnualCrop", "Forest", "Highway", "Residential", "River")  # five of EuroSAT's ten classes
STANDIN_SIZES = {"train": 480, "valid": 180, "test": 240}  # images per split in each stand-in
PNEUMONIA_SHARE = 4273 / 5856  # PneumoniaMNIST: 1,583 normal and 4,273 pneumonia images in all


def dataset_for(domain: str) -> str:
    """Return the asset name of `domain` ("satellite" or "medical"), or raise a clear error.

    >>> dataset_for("medical")
    'pneumoniamnist'
    >>> dataset_for("audio")
    Traceback (most recent call last):
    ...
    ValueError: Unknown domain 'audio': choose one of 'satellite', 'medical'.
    """
    if domain not in DOMAINS:
        raise ValueError(f"Unknown domain {domain!r}: choose one of {', '.join(map(repr, DOMAINS))}.")
    return DOMAINS[domain]


def _save(image, folder: Path, name: str) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(folder / f"{name}.png")


# --- Stand-in 1: satellite-like tiles, real textures as ground, drawn structures as land use --------

def _ground(rng, textures):
    """A 128-px patch of a real texture photo (grass or gravel) in a random colour: the land under it."""
    import numpy as np
    from PIL import Image

    photo = textures[int(rng.integers(0, len(textures)))]
    size = int(rng.integers(96, 256))
    top, left = (int(v) for v in rng.integers(0, photo.shape[0] - size, 2))
    gray = np.asarray(Image.fromarray(photo[top:top + size, left:left + size]).resize((128, 128)), np.float32) / 255
    gray = (gray - gray.mean()) * rng.uniform(0.3, 0.8) + rng.uniform(0.35, 0.65)
    return np.clip(gray[..., None] * rng.uniform(0.6, 1.4, 3), 0, 1)


def _land_use_tile(label: str, rng, textures):
    """One 64×64 tile of class `label`: what is built or grown on the ground decides the class."""
    import numpy as np
    from PIL import Image, ImageDraw

    ground = Image.fromarray((_ground(rng, textures) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(ground)
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))  # says nothing about the class
    angle = rng.uniform(0, np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    centre = 64 + rng.uniform(-20, 20, 2)
    if label == "Highway":  # one or two straight roads across the tile
        for _ in range(int(rng.integers(1, 3))):
            offset = centre + normal * rng.uniform(-30, 30)
            ends = [tuple(offset - 100 * direction), tuple(offset + 100 * direction)]
            draw.line(ends, fill=colour, width=int(rng.integers(6, 11)))
    elif label == "River":  # one winding band
        t = np.linspace(-100, 100, 60)
        wave = rng.uniform(10, 22) * np.sin(t / rng.uniform(12, 22) + rng.uniform(0, 6))
        points = [tuple(centre + a * direction + w * normal) for a, w in zip(t, wave)]
        draw.line(points, fill=colour, width=int(rng.integers(8, 14)), joint="curve")
    elif label == "Residential":  # rows of small houses
        for _ in range(int(rng.integers(6, 12))):
            x, y = (int(v) for v in rng.integers(4, 110, 2))
            w, h = (int(v) for v in rng.integers(10, 20, 2))
            draw.rectangle([x, y, x + w, y + h], fill=colour)
    elif label == "AnnualCrop":  # parallel furrows
        spacing = rng.uniform(12, 20)
        for k in range(-8, 9):
            offset = centre + normal * k * spacing
            draw.line([tuple(offset - 100 * direction), tuple(offset + 100 * direction)], fill=colour, width=3)
    # "Forest" keeps the bare ground texture: nothing built
    tile = ground.resize((TILE, TILE), Image.BILINEAR)
    noisy = np.asarray(tile, np.float32) / 255 + rng.normal(0, 0.04, (TILE, TILE, 3))
    return (np.clip(noisy, 0, 1) * 255).astype(np.uint8)


def _land_use_standin(folder: Path) -> None:
    import numpy as np
    from skimage import data

    rng = np.random.default_rng(0)
    textures = [data.grass(), data.gravel()]
    for split, count in STANDIN_SIZES.items():
        for i in range(count):
            label = LAND_USE[i % len(LAND_USE)]
            _save(_land_use_tile(label, rng, textures), folder / split / label, f"tile_{split}_{i:04d}")
    _write_meta(folder, domain="satellite", classes=list(LAND_USE), positive=None,
                source="satellite-like tiles made by the course: scikit-image's real grass and gravel photos "
                       "as ground, with drawn roads, rivers, houses or furrows in random colours", image_size=TILE)


# --- Stand-in 2: synthetic chest X-rays ---------------------------------------------------------

def _chest_xray(pneumonia: bool, rng):
    """One 64×64 chest-X-ray-like image: body, dark lungs, ribs, spine, a heart on the patient's left."""
    import numpy as np
    from PIL import Image, ImageFilter

    n = TILE
    y, x = np.mgrid[0:n, 0:n] / n
    cx, cy, s = 0.5 + rng.normal(0, 0.02), 0.5 + rng.normal(0, 0.02), rng.uniform(0.9, 1.05)
    image = 0.08 + 0.42 * (((x - cx) / (0.46 * s)) ** 2 + ((y - cy - 0.05) / (0.55 * s)) ** 2 < 1)
    lungs = np.zeros_like(x)
    for side in (-1, 1):  # image left is the patient's right
        lungs += ((x - cx - side * 0.19 * s) / (0.15 * s)) ** 2 + ((y - cy + 0.02) / (0.3 * s)) ** 2 < 1
    image -= 0.3 * lungs
    ribs = 0.5 + 0.5 * np.cos(2 * np.pi * (y * rng.uniform(6, 8) + 0.6 * (x - cx) ** 2 * 4))
    image += 0.08 * lungs * ribs
    image += 0.25 * (np.abs(x - cx) < 0.035 * s)  # spine
    heart = ((x - cx - 0.09 * s) / (0.17 * s)) ** 2 + ((y - cy - 0.13) / (0.14 * s)) ** 2 < 1
    image += 0.3 * heart  # the heart bulges to the patient's left: mirrored images are not anatomy
    if pneumonia:  # 1–3 hazy opacities in the lung fields, faint to obvious
        for _ in range(int(rng.integers(1, 4))):
            side = rng.choice([-1, 1])
            ox, oy = cx + side * 0.19 * s + rng.normal(0, 0.05), cy + rng.uniform(-0.15, 0.22)
            radius = rng.uniform(0.05, 0.12)
            image += rng.uniform(0.06, 0.28) * np.exp(-((x - ox) ** 2 + (y - oy) ** 2) / (2 * radius ** 2)) * lungs
    image = image * rng.uniform(0.8, 1.2) + rng.normal(0, 0.04, image.shape)
    picture = Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8))
    picture = picture.rotate(rng.uniform(-6, 6)).filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.2)))
    return np.asarray(picture)


def _chest_xray_standin(folder: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    for split, count in STANDIN_SIZES.items():
        sick = rng.permutation(count) < round(count * PNEUMONIA_SHARE)  # PneumoniaMNIST's balance in every split
        for i, pneumonia in enumerate(sick):
            label = "pneumonia" if pneumonia else "normal"
            _save(_chest_xray(bool(pneumonia), rng), folder / split / label, f"xray_{split}_{i:04d}")
    _write_meta(folder, domain="medical", classes=["normal", "pneumonia"], positive="pneumonia",
                source=f"synthetic chest-X-ray-like images made by the course ({PNEUMONIA_SHARE:.0%} with "
                       "pneumonia-like opacities, as in PneumoniaMNIST)", image_size=TILE)


def _write_meta(folder: Path, **meta) -> None:
    counts = {split: sum(1 for _ in (folder / split).rglob("*.*")) for split in SPLITS}
    assets.write_meta(folder, {**meta, "images": counts})


# --- The real datasets --------------------------------------------------------------------------

def split_groups(keys: list, fractions=(0.8, 0.1, 0.1), seed: int = 0) -> list[str]:
    """Assign each item a split name so that items with the same key always share a split.

    Groups (not items) are shuffled with `seed` and dealt out until each split holds its
    fraction of the items: identical images (same key) can never sit in train and test at once.

    >>> splits = split_groups(["x", "y", "x", "z", "x"] + [str(i) for i in range(95)], seed=1)
    >>> len({splits[0], splits[2], splits[4]}), [splits.count(name) for name in SPLITS]  # the three "x" together
    (1, [80, 10, 10])
    """
    import numpy as np

    groups: dict = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    order = list(groups.values())
    order = [order[i] for i in np.random.default_rng(seed).permutation(len(order))]
    limits = np.cumsum(fractions) * len(keys)
    splits, placed = [""] * len(keys), 0
    for members in order:
        name = SPLITS[int(np.searchsorted(limits, placed, side="right"))]
        for index in members:
            splits[index] = name
        placed += len(members)
    return splits


def _fetch_eurosat(folder: Path, seed: int = 0) -> None:
    """Download EuroSAT RGB with torchvision; move its JPEGs into train/valid/test (80/10/10, seeded).

    EuroSAT's RGB files carry no coordinates, so it cannot be split by region; byte-identical
    tiles are kept in one split (`split_groups`), so no test tile is also a training tile.
    """
    import hashlib

    from torchvision.datasets import EuroSAT

    download = folder / "download"
    EuroSAT(root=download, download=True)
    source = next(p for p in download.rglob("AnnualCrop") if p.is_dir()).parent
    classes = sorted(p.name for p in source.iterdir() if p.is_dir())
    files = sorted((f for label in classes for f in (source / label).glob("*.jpg")), key=lambda f: (f.parent.name, f.name))
    digests = [hashlib.sha256(file.read_bytes()).hexdigest() for file in files]
    for file, split in zip(files, split_groups(digests, seed=seed)):
        (folder / split / file.parent.name).mkdir(parents=True, exist_ok=True)
        os.replace(file, folder / split / file.parent.name / file.name)
    shutil.rmtree(download)
    _write_meta(folder, domain="satellite", classes=classes, positive=None,
                source="EuroSAT RGB (Helber et al. 2019), Sentinel-2 tiles, split 80/10/10 at random with seed 0, "
                       "identical tiles kept in one split", image_size=64)


def _fetch_pneumoniamnist(folder: Path, size: int = 128) -> None:
    """Download PneumoniaMNIST with the medmnist package and write each split's images as PNG files."""
    from medmnist import INFO, PneumoniaMNIST

    names = INFO["pneumoniamnist"]["label"]
    download = folder / "download"
    download.mkdir()
    for split, theirs in (("train", "train"), ("valid", "val"), ("test", "test")):
        data = PneumoniaMNIST(split=theirs, root=str(download), download=True, size=size)
        for i, (image, label) in enumerate(zip(data.imgs, data.labels[:, 0])):
            _save(image, folder / split / names[str(label)], f"{theirs}_{i:05d}")
    shutil.rmtree(download)
    _write_meta(folder, domain="medical", classes=[names["0"], names["1"]], positive=names["1"],
                source=f"PneumoniaMNIST (MedMNIST v2, Yang et al. 2023) at {size} px, its own splits",
                image_size=size)


assets.register(assets.Asset(
    name="eurosat", kind="dataset",
    description="EuroSAT RGB (27,000 Sentinel-2 satellite tiles, 64×64 px, 10 land-cover classes) via torchvision",
    fetch=_fetch_eurosat, probe_url="https://huggingface.co",
    standin=lambda: assets.cached_standin(f"land-use-tiles-{STANDIN_VERSION}", _land_use_standin),
    standin_description="satellite-like tiles in 5 EuroSAT classes: scikit-image's real grass and gravel "
                        "photos as ground, with drawn roads, rivers, houses or furrows",
))
assets.register(assets.Asset(
    name="pneumoniamnist", kind="dataset",
    description="PneumoniaMNIST (MedMNIST v2: 5,856 paediatric chest X-rays, normal vs pneumonia) at 128 px via medmnist",
    fetch=_fetch_pneumoniamnist, probe_url="https://zenodo.org",
    standin=lambda: assets.cached_standin(f"chest-xray-synthetic-{STANDIN_VERSION}", _chest_xray_standin),
    standin_description="synthetic chest-X-ray-like images (normal vs pneumonia-like opacities) made by the course",
))


# --- What the notebook uses ---------------------------------------------------------------------

def subset_folder(dataset, sizes: tuple[int | None, int | None, int | None], seed: int = 0) -> Path:
    """Return a new folder with at most `sizes` = (train, valid, test) images of `dataset`, same layout.

    The images are linked (copied where links are not allowed), drawn at random with `seed`;
    None keeps a whole split. fastai then reads the folder with `get_image_files`. The folder is
    a temporary one, removed when the Python process ends.

    >>> folder = subset_folder(assets.resolve("pneumoniamnist", verbose=False), (6, 2, None))
    >>> sorted(p.name for p in folder.iterdir()), len(list((folder / "train").rglob("*.png")))
    (['test', 'train', 'valid'], 6)
    """
    import numpy as np

    root = Path(dataset.path)
    target = scratch_folder(f"{root.name}-subset")  # links only: the images stay cached
    rng = np.random.default_rng(seed)
    for split, size in zip(SPLITS, sizes):
        files = sorted(p for p in (root / split).rglob("*") if p.is_file())
        if not files:
            raise FileNotFoundError(f"{root / split} has no images: the dataset folder is incomplete; "
                                    f"delete it and run again to rebuild it.")
        chosen = [files[i] for i in sorted(rng.permutation(len(files))[:size])] if size else files
        for file in chosen:
            link_or_copy(file, target / split / file.parent.name / file.name)
    return target


def quiet_fastai_if_asked() -> bool:
    """Drop fastai's progress bars when ``TQDM_DISABLE`` is set (tests, grader); return True if dropped.

    In an executed notebook the bars only cost time; people running it keep them.

    >>> from fastai.callback.core import defaults
    >>> kept = list(defaults.callbacks)
    >>> quiet_fastai_if_asked() == flag("TQDM_DISABLE")  # the tests set TQDM_DISABLE=1
    True
    >>> defaults.callbacks = kept  # give the bars back to later code in this process
    """
    from fastai.callback.core import defaults
    from fastai.callback.progress import ProgressCallback

    if not flag("TQDM_DISABLE"):
        return False
    defaults.callbacks = [cb for cb in defaults.callbacks if cb is not ProgressCallback]
    return True
