"""Small objects in Project P2: whole-frame vs tiled (SAHI) inference, scored the same way.

Every method returns, per frame, a list of detections ``(class id, confidence, x1, y1, x2, y2)`` in
the frame's pixels; `score_detections` matches them to the labels (same class, IoU ≥ 0.5, each
label at most once) and counts what was found and what was made up.

    >>> score_detections([[(0, 0.9, 0, 0, 10, 10), (1, 0.8, 50, 50, 60, 60)]], [[(0, 1, 1, 10, 10)]])
    {'objects': 1, 'found': 1, 'recall': 1.0, 'false boxes': 1, 'false boxes per frame': 1.0}
"""

from __future__ import annotations

import time
from pathlib import Path


def frame_truth(image) -> list[tuple]:
    """The labelled boxes of one image as ``(class id, x1, y1, x2, y2)`` in pixels, from its YOLO label file.

    >>> import tempfile
    >>> from helpers.domains.detection.industrial import write_line_dataset
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"val": 1}, frame=96, seed=0, rates={"scratch": 1, "chip": 0, "missing_hole": 0})
    >>> [box[0] for box in frame_truth(next((data.parent / "images" / "val").iterdir()))]
    [0]
    """
    from PIL import Image

    from helpers.domains.detection.labels import label_path

    width, height = Image.open(image).size
    label = label_path(Path(image))
    boxes = []
    for line in (label.read_text().splitlines() if label.exists() else []):
        if line.strip():
            cls, cx, cy, w, h = (float(v) for v in line.split())
            boxes.append((int(cls), (cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height))
    return boxes


def _iou(a, b) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def score_detections(detections: list[list[tuple]], truths: list[list[tuple]], iou: float = 0.5) -> dict:
    """Recall of the labelled objects and false boxes per frame, matching greedily by confidence (same class, IoU ≥ `iou`).

    >>> score_detections([[]], [[(2, 0, 0, 8, 8)]])["recall"]
    0.0
    """
    found = false = objects = 0
    for predicted, truth in zip(detections, truths):
        objects += len(truth)
        free = list(truth)
        for cls, _conf, *box in sorted(predicted, key=lambda d: -d[1]):
            match = max(((_iou(box, t[1:]), t) for t in free if t[0] == cls), default=(0.0, None))
            if match[0] >= iou:
                free.remove(match[1])
                found += 1
            else:
                false += 1
    frames = max(len(truths), 1)
    return {"objects": objects, "found": found, "recall": round(found / objects, 4) if objects else float("nan"),
            "false boxes": false, "false boxes per frame": round(false / frames, 4)}


def whole_frame(model, images, imgsz: int, conf: float = 0.25) -> tuple[list[list[tuple]], float]:
    """Ultralytics' predictions on whole frames resized to `imgsz`; return the detections and the ms per frame.

    >>> from helpers.domains.detection import setup_ultralytics, files
    >>> from helpers import assets; _ = setup_ultralytics(); from ultralytics import YOLO
    >>> from helpers.domains.detection.industrial import write_line_dataset
    >>> import tempfile; data = write_line_dataset(tempfile.mkdtemp(), {"val": 1}, frame=64)
    >>> model = YOLO(files(assets.resolve("yolo11n", verbose=False))["weights"])
    >>> found, ms = whole_frame(model, sorted((data.parent / "images" / "val").iterdir()), 64)
    >>> len(found), ms > 0
    (1, True)
    """
    started = time.perf_counter()
    results = [model.predict(str(image), imgsz=imgsz, conf=conf, device="cpu", verbose=False)[0] for image in images]
    ms = (time.perf_counter() - started) * 1000 / max(len(images), 1)
    return [[(int(c), float(p), *map(float, box)) for c, p, box in
             zip(r.boxes.cls.tolist(), r.boxes.conf.tolist(), r.boxes.xyxy.tolist())] for r in results], ms


def sahi_sliced(model, images, tile: int, overlap: float = 0.2, conf: float = 0.25) -> tuple[list[list[tuple]], float]:
    """SAHI's sliced prediction (tiles of `tile` px, `overlap`, merged by NMS) with an Ultralytics model; detections and ms per frame.

    >>> from helpers.domains.detection import setup_ultralytics, files
    >>> from helpers import assets; _ = setup_ultralytics(); from ultralytics import YOLO
    >>> from helpers.domains.detection.industrial import write_line_dataset
    >>> import tempfile; data = write_line_dataset(tempfile.mkdtemp(), {"val": 1}, frame=96)
    >>> model = YOLO(files(assets.resolve("yolo11n", verbose=False))["weights"])
    >>> found, ms = sahi_sliced(model, sorted((data.parent / "images" / "val").iterdir()), tile=64)
    >>> len(found), ms > 0
    (1, True)
    """
    import numpy as np
    from PIL import Image
    from sahi import AutoDetectionModel
    from sahi.predict import get_sliced_prediction

    detector = AutoDetectionModel.from_pretrained(model_type="ultralytics", model=model, confidence_threshold=conf,
                                                  device="cpu", image_size=tile)
    found = []
    started = time.perf_counter()
    for image in images:
        result = get_sliced_prediction(np.asarray(Image.open(image).convert("RGB")), detector, slice_height=tile, slice_width=tile,
                                       overlap_height_ratio=overlap, overlap_width_ratio=overlap, perform_standard_pred=False,
                                       postprocess_type="NMS", postprocess_match_metric="IOU", postprocess_match_threshold=0.5,
                                       verbose=0, batch_size=16)
        found.append([(p.category.id, p.score.value, *p.bbox.to_xyxy()) for p in result.object_prediction_list])
    return found, (time.perf_counter() - started) * 1000 / max(len(images), 1)
