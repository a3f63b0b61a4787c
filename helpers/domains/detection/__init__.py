"""Object detection with Ultralytics YOLO for Lab 03: assets, offline-safe settings, the stand-in.

Importing this module registers two assets:

- ``yolo11n`` — Ultralytics' YOLO11n pretrained on COCO (``yolo11n.pt``, 2.6M parameters, 80
  classes). Offline stand-in: a narrow YOLO11 (the same YAML layers at 1/8 of the width, 0.8M
  parameters) that the course pretrains once on synthetic flat shapes — a *different* task with
  different classes — and caches.
- ``african-wildlife`` — Ultralytics' African Wildlife dataset (buffalo, elephant, rhino, zebra;
  1,052 train / 225 val / 227 test images in YOLO format, 100 MB). Offline stand-in: synthetic
  industrial parts (bolt, nut, washer) on varied backgrounds, with exact YOLO labels.

Both come as a folder with ``meta.json`` naming the files, so the same lab code loads either:

    >>> from helpers.domains import detection
    >>> sorted(detection.PROXIES["shapes"])
    ['bolt', 'nut', 'washer']
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from helpers import assets, profile
from helpers.config import ENV_RESULTS, cache_dir, flag
from helpers.files import link_or_copy

STANDIN_VERSION = "v1"
ASSETS_RELEASE = "https://github.com/ultralytics/assets/releases/download"
YOLO11N_URL = f"{ASSETS_RELEASE}/v8.4.0/yolo11n.pt"
WILDLIFE_URL = f"{ASSETS_RELEASE}/v0.0.0/african-wildlife.zip"
# The stand-in architecture: YOLO11's layers at these multipliers (yolo11n is 0.50, 0.25, 1024).
STANDIN_SCALE = {"depth_multiple": 0.33, "width_multiple": 0.125, "max_channels": 256}
SOURCE_IMAGES, SOURCE_EPOCHS, SOURCE_SIZE = 400, 30, 64
# Zero-shot proxies: for each target class, the class of the pretrained model that stands for it.
PROXIES = {
    "coco": {"buffalo": "cow", "elephant": "elephant", "zebra": "zebra"},  # COCO has no rhino
    "shapes": {"bolt": "bar", "nut": "hexagon", "washer": "disc"},
}


def setup_ultralytics() -> Path:
    """Configure Ultralytics for this course before it is imported; return its settings folder.

    Settings live in the course cache (``YOLO_CONFIG_DIR``); analytics and third-party loggers are
    off. Offline (``COURSE_OFFLINE=1`` or the smoke profile) it sets ``YOLO_OFFLINE=1`` (no online
    check, no pip auto-update) and puts matplotlib's DejaVu Sans where Ultralytics looks for
    ``Arial.ttf``, which it would otherwise try to download for every dataset check and plot.

    >>> setup_ultralytics().is_dir()  # then: from ultralytics import YOLO
    True
    """
    os.environ.setdefault("YOLO_CONFIG_DIR", str(cache_dir() / "ultralytics"))
    if profile.offline():
        os.environ["YOLO_OFFLINE"] = "1"
    if flag("TQDM_DISABLE"):  # executed notebooks: no progress bars, no per-epoch logs
        os.environ["YOLO_VERBOSE"] = "False"
    if "ultralytics" in sys.modules and flag("YOLO_OFFLINE") and sys.modules["ultralytics.utils"].ONLINE:
        print("Ultralytics was imported before setup_ultralytics(): restart the kernel to run offline.")
    from ultralytics.utils import SETTINGS, USER_CONFIG_DIR

    SETTINGS.update({key: False for key in ("sync", "clearml", "comet", "dvc", "mlflow", "raytune",
                                            "tensorboard", "wandb", "vscode_msg", "openvino_msg")})
    if profile.offline():
        import matplotlib

        font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        for name in ("Arial.ttf", "Arial.Unicode.ttf"):
            if not (USER_CONFIG_DIR / name).exists():
                shutil.copy(font, USER_CONFIG_DIR / name)
    return Path(USER_CONFIG_DIR)


def runs_dir() -> Path:
    """Where training runs go: ``runs/`` beside the results (``$COURSE_RESULTS_DIR``) or the notebook.

    >>> runs_dir().parts[-2:]
    ('runs', '03_yolo')
    """
    return Path(os.environ.get(ENV_RESULTS) or ".").resolve() / "runs" / "03_yolo"


def files(asset) -> dict[str, Path]:
    """Absolute paths of the files a resolved asset names in its meta.json (weights, architecture, data).

    >>> paths = files(assets.resolve("yolo11n", verbose=False))
    >>> sorted(paths), all(path.is_file() for path in paths.values())
    (['architecture', 'weights'], True)
    """
    meta = assets.read_meta(asset)
    return {key: Path(asset.path) / meta[key] for key in ("weights", "architecture", "data") if key in meta}


# --- The real assets ---------------------------------------------------------------------------

def _fetch_yolo11n(folder: Path) -> None:
    import ultralytics

    assets.download(YOLO11N_URL, folder / "yolo11n.pt")
    # The architecture alone (random weights): training it is the from-scratch baseline.
    shutil.copy(Path(ultralytics.__file__).parent / "cfg" / "models" / "11" / "yolo11.yaml", folder / "yolo11n.yaml")
    assets.write_meta(folder, {
        "weights": "yolo11n.pt", "architecture": "yolo11n.yaml", "proxies": "coco",
        "pretrained_on": "COCO 2017 (118k images, 80 classes) at 640 px",
    })


def _fetch_wildlife(folder: Path) -> None:
    import zipfile

    import yaml

    archive = folder / "african-wildlife.zip"
    assets.download(WILDLIFE_URL, archive)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    archive.unlink()
    root = next(p.parent.parent for p in sorted(folder.rglob("images/train")))
    spec = {"train": "images/train", "val": "images/val", "test": "images/test",
            "names": {0: "buffalo", 1: "elephant", 2: "rhino", 3: "zebra"}}
    # No `path:` — Ultralytics then takes this file's folder as the root, so the cache may move.
    (root / "data.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    assets.write_meta(folder, {
        "data": (root / "data.yaml").relative_to(folder).as_posix(),
        "source": "Ultralytics African Wildlife (docs.ultralytics.com/datasets/detect/african-wildlife)",
    })


# --- The offline stand-ins ---------------------------------------------------------------------

def _standin_yaml(folder: Path) -> Path:
    import ultralytics
    import yaml

    spec = yaml.safe_load((Path(ultralytics.__file__).parent / "cfg" / "models" / "11" / "yolo11.yaml").read_text())
    spec.pop("scales")
    spec.update(STANDIN_SCALE)
    target = folder / "yolo11-narrow.yaml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False))
    return target


def _pretrain_standin(folder: Path) -> None:
    """Pretrain the narrow YOLO11 on synthetic shapes with Ultralytics (about a minute on 2 CPU cores)."""
    setup_ultralytics()
    from ultralytics import YOLO

    from helpers.domains.detection.scenes import TASKS, write_dataset

    architecture = _standin_yaml(folder)
    with tempfile.TemporaryDirectory() as scratch:
        data = write_dataset(Path(scratch) / "shapes", "shapes", {"train": SOURCE_IMAGES, "val": 40},
                             image_size=96, seed=100)
        print(f"pretraining the YOLO stand-in on {SOURCE_IMAGES} images of shapes, {SOURCE_EPOCHS} epochs")
        model = YOLO(architecture)
        model.train(data=str(data), imgsz=SOURCE_SIZE, epochs=SOURCE_EPOCHS, batch=16, optimizer="SGD", lr0=0.02,
                    warmup_epochs=0, mosaic=0.0, workers=0, amp=False, plots=False, val=False, seed=0,
                    project=scratch, name="pretrain", verbose=False)
        source_map50 = float(model.trainer.metrics["metrics/mAP50(B)"])
        shutil.copy(model.trainer.best, folder / "yolo11-narrow-shapes.pt")
    assets.write_meta(folder, {
        "weights": "yolo11-narrow-shapes.pt", "architecture": architecture.name, "proxies": "shapes",
        "pretrained_on": f"{SOURCE_IMAGES} synthetic images of {', '.join(TASKS['shapes'])} at {SOURCE_SIZE} px, "
                         f"{SOURCE_EPOCHS} epochs",
        "source_map50": round(source_map50, 3),
    })


def _parts_standin(folder: Path) -> None:
    from helpers.domains.detection.scenes import write_dataset

    data = write_dataset(folder, "parts", {"train": 128, "val": 48, "test": 48}, image_size=96, seed=200)
    assets.write_meta(folder, {
        "data": data.name, "source": "synthetic industrial parts drawn by helpers.domains.detection.scenes",
    })


assets.register(assets.Asset(
    name="yolo11n", kind="model",
    description="Ultralytics YOLO11n pretrained on COCO (yolo11n.pt, 2.6M parameters, 80 classes)",
    fetch=_fetch_yolo11n, probe_url="https://github.com",
    standin=lambda: assets.cached_standin(f"yolo11-narrow-shapes-{STANDIN_VERSION}", _pretrain_standin),
    standin_description="a narrow YOLO11 (0.8M parameters) the course pretrained on synthetic shapes",
))
assets.register(assets.Asset(
    name="african-wildlife", kind="dataset",
    description="Ultralytics African Wildlife (4 classes, 1,504 images, YOLO format)",
    fetch=_fetch_wildlife, probe_url="https://github.com",
    standin=lambda: assets.cached_standin(f"parts-detection-{STANDIN_VERSION}", _parts_standin),
    standin_description="synthetic industrial parts (bolt, nut, washer: 128 train / 48 val / 48 test images)",
))


# --- Zero-shot proxy: the pretrained model on the target data, before any fine-tuning ------------

def proxy_dataset(data, model_names: dict[int, str], proxies: dict[str, str], folder) -> Path:
    """Rewrite the validation labels of `data` into the pretrained model's classes; return the new YAML.

    Each target class with a proxy (``{"elephant": "elephant", "buffalo": "cow"}``) gets the
    pretrained class id of its proxy; boxes of classes without one are dropped. Images are linked,
    not copied. Validating the untouched pretrained model on this data measures what it already knows.

    >>> import tempfile, yaml
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"val": 2}, image_size=32)
    >>> target = proxy_dataset(data, {0: "disc", 1: "hexagon", 2: "bar"}, PROXIES["shapes"], tempfile.mkdtemp())
    >>> yaml.safe_load(target.read_text())["names"], len(list(target.parent.glob("labels/val/*.txt")))
    ({0: 'disc', 1: 'hexagon', 2: 'bar'}, 2)
    """
    import yaml

    from helpers.domains.detection.labels import images_of, label_path, read_spec

    root, spec = read_spec(data)
    by_name = {name: index for index, name in model_names.items()}
    missing = [p for p in proxies.values() if p not in by_name]
    if missing:
        raise ValueError(f"Proxy classes {missing} are not classes of the pretrained model.")
    names = spec["names"] if isinstance(spec["names"], dict) else dict(enumerate(spec["names"]))
    new_id = {int(i): by_name[proxies[n]] for i, n in names.items() if n in proxies}
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "images" / "val").mkdir(parents=True)
    (folder / "labels" / "val").mkdir(parents=True)
    for image in images_of(root, spec["val"]):
        link_or_copy(image, folder / "images" / "val" / image.name)
        lines = [line.split() for line in label_path(image).read_text().splitlines() if line.strip()]
        kept = [" ".join([str(new_id[int(float(f[0]))]), *f[1:]]) for f in lines if int(float(f[0])) in new_id]
        (folder / "labels" / "val" / f"{image.stem}.txt").write_text("\n".join(kept) + "\n" if kept else "")
    target = folder / "data.yaml"
    target.write_text(yaml.safe_dump({"path": str(folder.resolve()), "train": "images/val", "val": "images/val",
                                      "names": dict(model_names)}, sort_keys=False))
    return target


# --- Looking at results -------------------------------------------------------------------------

def show_predictions(model, images, conf: float = 0.25, columns: int = 4, title: str = ""):
    """Draw `model`'s detections (Ultralytics' own plot) on each image path, in a grid.

    >>> _ = setup_ultralytics(); from ultralytics import YOLO
    >>> model = YOLO(files(assets.resolve("yolo11n", verbose=False))["weights"])
    >>> data = files(assets.resolve("african-wildlife", verbose=False))["data"]
    >>> image = sorted((data.parent / "images" / "val").iterdir())[0]
    >>> len(show_predictions(model, [image], columns=1, title="one image"))
    1
    """
    import matplotlib.pyplot as plt

    results = model.predict([str(p) for p in images], conf=conf, verbose=False)
    rows = (len(results) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, result in zip(axes.flat, results):
        ax.imshow(result.plot(line_width=1, font_size=8)[..., ::-1])  # BGR → RGB
        ax.set_title(Path(result.path).name, fontsize=8)
    fig.suptitle(title)
    plt.tight_layout()
    plt.show()
    return results


def stage_latency_ms(model, image, imgsz: int, repeats: int = 10) -> dict[str, float]:
    """Latency of one request (one image), in ms, per stage as Ultralytics times it: preprocess, inference, postprocess, total (medians).

    For latency or throughput of any other predict function, see `helpers.training.timing.ms_per_item`.

    >>> _ = setup_ultralytics(); from ultralytics import YOLO
    >>> model = YOLO(files(assets.resolve("yolo11n", verbose=False))["weights"])
    >>> data = files(assets.resolve("african-wildlife", verbose=False))["data"]
    >>> image = sorted((data.parent / "images" / "val").iterdir())[0]
    >>> sorted(stage_latency_ms(model, image, imgsz=64, repeats=2))
    ['inference', 'postprocess', 'preprocess', 'total']
    """
    import statistics

    model.predict(str(image), imgsz=imgsz, verbose=False)  # warm-up: the first call builds the session
    speeds = [model.predict(str(image), imgsz=imgsz, verbose=False)[0].speed for _ in range(repeats)]
    median = {key: statistics.median(s[key] for s in speeds) for key in speeds[0]}
    return {**median, "total": sum(median.values())}
