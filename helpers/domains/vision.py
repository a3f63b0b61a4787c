"""Image models and datasets for the vision labs, online or with honest offline stand-ins.

Importing this module registers two assets:

- ``resnet18-imagenet`` — torchvision's ResNet-18 ImageNet weights (``ResNet18_Weights.DEFAULT``).
  Offline stand-in: a quarter-width ResNet-18 (same layers and module names, 0.7M parameters)
  that the course pretrains once, deterministically, on printed letters and caches.
- ``cifar10`` — CIFAR-10 through torchvision. Offline stand-in: scikit-learn's real handwritten
  digits, painted in random colours, places and angles like the letters of the source task.

    >>> from helpers.domains import vision
    >>> model = vision.small_resnet18(num_classes=10)
    >>> [name for name, _ in model.named_children()][-3:]
    ['layer4', 'avgpool', 'fc']
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

from helpers import assets

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
STANDIN_VERSION = "v1"
SOURCE_IMAGES, SOURCE_EPOCHS, SOURCE_SIZE = 8000, 4, 32
SOURCE_HELD_OUT_SEED = 1  # letters the stand-in never saw (it was pretrained on seed 0)
STANDIN_TEST_POOL = 600  # painted digits kept apart for test images


def small_resnet18(num_classes: int = 1000, width: int = 16):
    """A ResNet-18 (torchvision's BasicBlock, 2-2-2-2) with `width` channels in the first stage.

    torchvision's ResNet-18 is `width=64`; the offline stand-in uses 16, sixteen times cheaper.
    Module names match torchvision's (conv1, bn1, layer1–layer4, fc), so the same code freezes,
    replaces and unfreezes them.

    >>> model = small_resnet18(num_classes=10)
    >>> model.fc
    Linear(in_features=128, out_features=10, bias=True)
    >>> round(sum(p.numel() for p in model.parameters()) / 1e6, 2)  # millions of parameters
    0.7
    """
    import torch.nn as nn
    from torchvision.models.resnet import BasicBlock, ResNet

    model = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
    if width == 64:
        return model
    widths = [width, width * 2, width * 4, width * 8]
    model.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = nn.BatchNorm2d(widths[0])
    model.inplanes = widths[0]
    for index, planes in enumerate(widths):
        setattr(model, f"layer{index + 1}", model._make_layer(BasicBlock, planes, 2, stride=1 if index == 0 else 2))
    model.fc = nn.Linear(widths[-1], num_classes)
    for module in model.modules():  # the same initialisation as torchvision's constructor
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
    return model


# --- The offline source and target tasks: printed letters, painted handwritten digits ----------

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

    >>> images, labels = glyphs(4, image_size=16)
    >>> images.shape, images.dtype, labels.dtype
    ((4, 3, 16, 16), dtype('float32'), dtype('int64'))
    >>> bool(images.min() >= 0 and images.max() <= 1 and labels.max() < 26)
    True
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

    >>> images, labels, names = digits(image_size=16)
    >>> images.shape, labels[:5].tolist(), names[:3]
    ((1797, 3, 16, 16), [0, 1, 2, 3, 4], ['0', '1', '2'])
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    rng = np.random.default_rng(seed)
    images = np.stack([_style(image / 16.0, rng, image_size) for image in data.images])
    return images, data.target.astype(np.int64), [str(d) for d in range(10)]


def fetch_resnet18(folder: Path) -> None:
    """Download ResNet-18's ImageNet weights where torchvision looks once `torch.hub.set_dir(folder)` (Labs 01, 05).

    >>> assets.get("resnet18-imagenet").fetch is fetch_resnet18 is assets.get("fastai-backbone").fetch
    True
    """
    from torchvision.models import ResNet18_Weights

    weights = ResNet18_Weights.DEFAULT
    file = Path("checkpoints") / Path(weights.url).name
    assets.download(weights.url, folder / file)
    assets.write_meta(folder, {
        "architecture": "resnet18", "width": 64, "weights": str(weights), "pretrained_on": "ImageNet-1k",
        "file": str(file), "mean": list(weights.transforms().mean), "std": list(weights.transforms().std),
        "image_size": weights.transforms().crop_size[0], "classes": len(weights.meta["categories"]),
    })


def _pretrain_standin(folder: Path) -> None:
    """Pretrain the quarter-width ResNet-18 on printed letters (about 35 s on 2 CPU cores)."""
    import torch
    from tqdm.auto import tqdm

    from helpers.seed import set_seed

    set_seed(0)
    images, labels = glyphs(SOURCE_IMAGES, image_size=SOURCE_SIZE, seed=0)
    mean, std = images.mean(axis=(0, 2, 3)), images.std(axis=(0, 2, 3))
    inputs = (torch.tensor(images) - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    targets = torch.tensor(labels)
    model = small_resnet18(num_classes=len(GLYPHS))
    batch = 64
    steps = SOURCE_EPOCHS * (len(inputs) // batch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=4e-3, total_steps=steps)
    generator = torch.Generator().manual_seed(0)
    model.train()
    with tqdm(total=steps, desc="pretraining the stand-in on printed letters", mininterval=2) as bar:
        for _epoch in range(SOURCE_EPOCHS):
            order = torch.randperm(len(inputs), generator=generator)
            correct = 0
            for start in range(0, len(inputs) - batch + 1, batch):
                index = order[start:start + batch]
                outputs = model(inputs[index])
                loss = torch.nn.functional.cross_entropy(outputs, targets[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                correct += (outputs.argmax(1) == targets[index]).sum().item()
                bar.update()
            bar.set_postfix(source_accuracy=f"{correct / len(inputs):.2f}")
    torch.save(model.state_dict(), folder / "weights.pth")
    assets.write_meta(folder, {
        "architecture": "small_resnet18", "width": 16, "weights": f"course stand-in {STANDIN_VERSION}",
        "pretrained_on": f"{SOURCE_IMAGES} printed letters A–Z (26 classes), {SOURCE_EPOCHS} epochs",
        "source_accuracy": round(correct / len(inputs), 3),
        "mean": [float(v) for v in np.round(mean, 4)], "std": [float(v) for v in np.round(std, 4)],
        "image_size": SOURCE_SIZE, "classes": len(GLYPHS),
    })


def _digits_standin(folder: Path) -> None:

    images, labels, names = digits(image_size=SOURCE_SIZE, seed=0)
    np.savez_compressed(folder / "images.npz", images=images, labels=labels)
    assets.write_meta(folder, {
        "dataset": "digits", "classes": names, "image_size": SOURCE_SIZE,
        "source": "scikit-learn load_digits (1,797 real 8×8 handwritten digits), painted like the source task",
    })


def _fetch_cifar10(folder: Path) -> None:
    from torchvision.datasets import CIFAR10

    for train in (True, False):
        CIFAR10(root=folder, train=train, download=True)
    assets.write_meta(folder, {
        "dataset": "cifar10", "image_size": 32,
        "classes": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    })


assets.register(assets.Asset(
    name="resnet18-imagenet", kind="model",
    description="ResNet-18 with torchvision's ImageNet weights (ResNet18_Weights.DEFAULT, 11.7M parameters)",
    fetch=fetch_resnet18, probe_url="https://download.pytorch.org",
    standin=lambda: assets.cached_standin(f"resnet18-letters-{STANDIN_VERSION}", _pretrain_standin),
    standin_description="a quarter-width ResNet-18 (0.7M parameters) the course pretrained on printed letters",
))
assets.register(assets.Asset(
    name="cifar10", kind="dataset", description="CIFAR-10 (60,000 32×32 photos, 10 classes) via torchvision",
    fetch=_fetch_cifar10, probe_url="https://www.cs.toronto.edu",
    standin=lambda: assets.cached_standin(f"digits-painted-{STANDIN_VERSION}", _digits_standin),
    standin_description="scikit-learn's real handwritten digits (1,797), painted in random colours and angles",
))


def load_backbone(weights) -> object:
    """Build the network described by a resolved `resnet18-imagenet` asset and load its weights.

    >>> weights = assets.resolve("resnet18-imagenet", verbose=False)
    >>> model = load_backbone(weights)
    >>> model.fc.out_features == assets.read_meta(weights)["classes"]
    True
    """
    import torch
    from torchvision.models import resnet18

    meta = assets.read_meta(weights)
    model = resnet18() if meta["architecture"] == "resnet18" else small_resnet18(meta["classes"], meta["width"])
    file = Path(weights.path) / meta.get("file", "weights.pth")
    model.load_state_dict(torch.load(file, map_location="cpu", weights_only=True))
    return model


def standin_images(dataset, weights, image_size: int):
    """The offline stand-in's images as (train pool, test pool, class names), normalised for `weights`.

    The painted digits are split once (seed 0) into a pool to draw training and validation images
    from and a pool for test images, as CIFAR-10 has its own train and test splits.

    >>> weights = assets.resolve("resnet18-imagenet", verbose=False)
    >>> dataset = assets.resolve("cifar10", verbose=False)
    >>> train_pool, test_pool, classes = standin_images(dataset, weights, image_size=32)
    >>> len(train_pool), len(test_pool), len(classes), tuple(train_pool[0][0].shape)
    (1197, 600, 10, (3, 32, 32))
    """
    import torch
    from torch.utils.data import TensorDataset

    meta, normal = assets.read_meta(dataset), assets.read_meta(weights)
    mean, std = torch.tensor(normal["mean"]).view(3, 1, 1), torch.tensor(normal["std"]).view(3, 1, 1)
    data = np.load(Path(dataset.path) / "images.npz")
    images = torch.tensor(data["images"])
    if images.shape[-1] != image_size:
        images = torch.nn.functional.interpolate(images, size=(image_size, image_size), mode="bilinear")
    images, labels = (images - mean) / std, torch.tensor(data["labels"])
    order = torch.tensor(np.random.default_rng(0).permutation(len(images)))
    test_part, train_part = order[:STANDIN_TEST_POOL], order[STANDIN_TEST_POOL:]
    return TensorDataset(images[train_part], labels[train_part]), TensorDataset(images[test_part], labels[test_part]), meta["classes"]


def sample_splits(train_pool, test_pool, sizes: tuple[int, int, int], seed: int = 0):
    """Draw disjoint train and validation subsets from `train_pool` and a test subset from `test_pool`.

    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> pool = TensorDataset(torch.arange(10))
    >>> train, val, test = sample_splits(pool, TensorDataset(torch.arange(5)), sizes=(6, 3, 2), seed=0)
    >>> len(train), len(val), len(test), set(train.indices) & set(val.indices)
    (6, 3, 2, set())
    """
    from torch.utils.data import Subset

    n_train, n_val, n_test = sizes
    if n_train + n_val > len(train_pool) or n_test > len(test_pool):
        raise ValueError(f"Asked for {n_train} + {n_val} train/validation images from {len(train_pool)} "
                         f"and {n_test} test images from {len(test_pool)}; ask for fewer.")
    rng = np.random.default_rng(seed)
    order, test_order = rng.permutation(len(train_pool)).tolist(), rng.permutation(len(test_pool)).tolist()
    return (Subset(train_pool, order[:n_train]), Subset(train_pool, order[n_train:n_train + n_val]),
            Subset(test_pool, test_order[:n_test]))


def source_task(weights, image_size: int, n: int = 500):
    """Held-out images of the stand-in's source task (letters) with labels, to measure forgetting; None for ImageNet.

    >>> weights = assets.resolve("resnet18-imagenet", verbose=False)
    >>> letters = source_task(weights, image_size=32, n=8)
    >>> len(letters), int(letters[0][1]) < 26
    (8, True)
    """
    import torch
    from torch.utils.data import TensorDataset

    meta = assets.read_meta(weights)
    if meta["architecture"] != "small_resnet18":
        return None
    images, labels = glyphs(n, image_size=SOURCE_SIZE, seed=SOURCE_HELD_OUT_SEED)
    images = torch.tensor(images)
    if image_size != SOURCE_SIZE:
        images = torch.nn.functional.interpolate(images, size=(image_size, image_size), mode="bilinear")
    mean, std = torch.tensor(meta["mean"]).view(1, 3, 1, 1), torch.tensor(meta["std"]).view(1, 3, 1, 1)
    return TensorDataset((images - mean) / std, torch.tensor(labels))


def denormalize(image, weights):
    """Undo the normalisation of one image tensor, for display (returns H×W×3 in [0, 1]).

    >>> import torch
    >>> weights = assets.resolve("resnet18-imagenet", verbose=False)
    >>> image = denormalize(torch.zeros(3, 8, 8), weights)  # zero = the mean colour
    >>> image.shape, bool(image.min() >= 0 and image.max() <= 1)
    ((8, 8, 3), True)
    """
    import torch

    meta = assets.read_meta(weights)
    image = image * torch.tensor(meta["std"]).view(3, 1, 1) + torch.tensor(meta["mean"]).view(3, 1, 1)
    return image.clamp(0, 1).permute(1, 2, 0).numpy()
