"""The deliverable of Project P2: run an exported detector over a folder of frames, write a CSV report and annotated images.

    python -m helpers.domains.detection.report MODEL.onnx FOLDER --out DIR [--conf 0.25] [--names scratch,chip,missing_hole]

Only ONNX Runtime, numpy, Pillow and OpenCV are needed on the line's computer: no PyTorch, no Ultralytics.
Each image gets one row in ``DIR/report.csv`` (its verdict, the defects found, the highest
confidence) and a copy with its boxes drawn in ``DIR/annotated/``. An image that cannot be checked
— unreadable, of the wrong size, not three-channel — gets a row that says why, and the others are
still checked. A model trained for other classes, or an empty folder, stops the run with a message.

    >>> parse_names("scratch, chip")
    ['scratch', 'chip']
"""

from __future__ import annotations

import argparse
import ast
import csv
import sys
from pathlib import Path

import numpy as np

from helpers.domains.detection.industrial import CLASSES
from helpers.domains.detection.labels import IMAGE_SUFFIXES

COLUMNS = ["image", "status", "verdict", "defects", "classes", "max_confidence", "detail"]


class ReportError(ValueError):
    """A problem that stops the whole report (the model or the folder); the message says what to do.

    >>> issubclass(ReportError, ValueError)
    True
    """


class FrameError(ValueError):
    """A problem with one image; its row says why and the other images are still checked.

    >>> str(FrameError("a.png: unreadable"))
    'a.png: unreadable'
    """


def parse_names(text: str) -> list[str]:
    """Class names from a comma-separated list.

    >>> parse_names("a,b")
    ['a', 'b']
    """
    return [name.strip() for name in text.split(",") if name.strip()]


def load_model(path, names: list[str] | None = None):
    """Open an ONNX detector exported by Ultralytics; return (session, class names, input size); check its classes.

    >>> load_model("missing.onnx")
    Traceback (most recent call last):
    ...
    helpers.domains.detection.report.ReportError: No model file at missing.onnx: pass the .onnx file that model.export(format="onnx") wrote.
    """
    path = Path(path)
    if not path.is_file():
        raise ReportError(f'No model file at {path}: pass the .onnx file that model.export(format="onnx") wrote.')
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types
        raise ReportError(f"{path} is not an ONNX model ONNX Runtime can load ({type(error).__name__}): "
                          "export it again with model.export(format=\"onnx\").") from error
    meta = session.get_modelmeta().custom_metadata_map
    if "names" not in meta:
        raise ReportError(f"{path} carries no class names in its metadata: export it with Ultralytics' model.export(format=\"onnx\").")
    found = list(ast.literal_eval(meta["names"]).values())
    expected = CLASSES if names is None else names
    if found != list(expected):
        raise ReportError(f"{path.name} detects {found}, not the classes of this line {list(expected)}: "
                          "use the model fine-tuned for this line, or pass --names with its classes in order.")
    size = session.get_inputs()[0].shape[2]
    return session, found, int(size) if isinstance(size, int) else int(ast.literal_eval(meta.get("imgsz", "[640]"))[0])


def read_frame(path, frame: tuple[int, int] | None = None) -> np.ndarray:
    """Read one image as an RGB array (height, width, 3); raise `FrameError` saying what is wrong with it.

    >>> import tempfile; from PIL import Image
    >>> file = Path(tempfile.mkdtemp()) / "grey.png"; Image.new("L", (8, 8)).save(file)
    >>> read_frame(file)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.domains.detection.report.FrameError: grey.png has 1 channel (mode L), the model reads 3-channel RGB: ...
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            mode, size = image.mode, image.size
            array = np.asarray(image.convert("RGB")) if mode == "RGB" else None
    except (UnidentifiedImageError, OSError, SyntaxError, ImportError) as error:  # ImportError: a plugin (HEIF…) tried it
        raise FrameError(f"{path.name} cannot be read as an image ({type(error).__name__}): "
                         "not an image, or a truncated or corrupt file; take the frame again or remove it.") from error
    channels = {"L": 1, "LA": 2, "RGBA": 4, "CMYK": 4, "I;16": 1, "I": 1, "F": 1}.get(mode, 3)
    if mode != "RGB":
        raise FrameError(f"{path.name} has {channels} channel{'s' * (channels != 1)} (mode {mode}), the model reads 3-channel RGB: "
                         "save the camera's frames in colour (RGB).")
    if frame is not None and size != tuple(frame):
        raise FrameError(f"{path.name} is {size[0]}×{size[1]} px, the line's frames are {frame[0]}×{frame[1]}: "
                         "a frame from another camera or a crop; resize it as the camera does, or check the camera.")
    return array


def preprocess(array: np.ndarray, imgsz: int) -> np.ndarray:
    """An RGB frame → the model's input: letterboxed to `imgsz` as Ultralytics does (grey 114 padding), float32 0–1, (1, 3, imgsz, imgsz).

    >>> preprocess(np.zeros((50, 100, 3), np.uint8), 64).shape
    (1, 3, 64, 64)
    """
    height, width = array.shape[:2]
    scale = min(imgsz / height, imgsz / width)
    new_w, new_h = round(width * scale), round(height * scale)
    if (new_w, new_h) != (width, height):
        import cv2  # the same resizing as Ultralytics' LetterBox

        array = cv2.resize(array, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((imgsz, imgsz, 3), 114, np.uint8)
    top, left = round((imgsz - new_h) / 2 - 0.1), round((imgsz - new_w) / 2 - 0.1)
    canvas[top:top + new_h, left:left + new_w] = array
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)[None], dtype=np.float32) / 255


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    order, keep = list(np.argsort(-scores)), []
    while order:
        first, order = order[0], order[1:]
        keep.append(int(first))
        if not order:
            break
        rest = boxes[order]
        inter = (np.clip(np.minimum(rest[:, 2], boxes[first, 2]) - np.maximum(rest[:, 0], boxes[first, 0]), 0, None)
                 * np.clip(np.minimum(rest[:, 3], boxes[first, 3]) - np.maximum(rest[:, 1], boxes[first, 1]), 0, None))
        area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
        order = [o for o, overlap in zip(order, inter / (area(rest) + area(boxes[first]) - inter + 1e-9)) if overlap < iou]
    return keep


def detect(session, array: np.ndarray, imgsz: int, conf: float = 0.25, iou: float = 0.5) -> list[tuple]:
    """Detections of one RGB frame: ``(class id, confidence, x1, y1, x2, y2)`` in the frame's pixels, most confident first.

    The model's output is Ultralytics' raw head: ``(1, 4 + classes, anchors)``, boxes as centre and size.

    >>> class Session:  # a stand-in for ONNX Runtime: one 64 px input, two classes, one anchor
    ...     def get_inputs(self): return [type("Input", (), {"name": "images"})()]
    ...     def run(self, _, feed): return [np.array([[[20], [15], [20], [10], [0.75], [0.125]]], np.float32)]
    >>> detect(Session(), np.zeros((64, 64, 3), np.uint8), 64)
    [(0, 0.75, 10.0, 10.0, 30.0, 20.0)]
    """
    output = session.run(None, {session.get_inputs()[0].name: preprocess(array, imgsz)})[0][0]  # (4 + classes, anchors)
    scores = output[4:]
    classes, best = scores.argmax(0), scores.max(0)
    keep = best >= conf
    cx, cy, w, h = output[:4, keep]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    height, width = array.shape[:2]
    scale = min(imgsz / height, imgsz / width)
    shift = np.array([round((imgsz - width * scale) / 2 - 0.1), round((imgsz - height * scale) / 2 - 0.1)] * 2)
    boxes = (boxes - shift) / scale
    found = []
    for cls in np.unique(classes[keep]):
        mine = np.flatnonzero(classes[keep] == cls)
        found += [(int(cls), float(best[keep][mine[i]]), *(float(v) for v in boxes[mine[i]])) for i in _nms(boxes[mine], best[keep][mine], iou)]
    return sorted(found, key=lambda d: -d[1])


def report_row(image: str, detections: list[tuple], names: list[str], threshold: float) -> dict:
    """The CSV row of one checked image: verdict ``defect`` when a detection reaches `threshold`, else ``good``.

    >>> report_row("a.png", [(1, 0.8, 0, 0, 5, 5), (0, 0.3, 1, 1, 4, 4), (1, 0.6, 9, 9, 12, 12)], ["scratch", "chip"], 0.5)
    {'image': 'a.png', 'status': 'ok', 'verdict': 'defect', 'defects': 2, 'classes': 'chip', 'max_confidence': 0.8, 'detail': ''}
    """
    kept = [d for d in detections if d[1] >= threshold]
    return {"image": image, "status": "ok", "verdict": "defect" if kept else "good", "defects": len(kept),
            "classes": ";".join(sorted({names[int(d[0])] for d in kept})),
            "max_confidence": round(max((float(d[1]) for d in detections), default=0.0), 4), "detail": ""}


def _annotate(array: np.ndarray, detections: list[tuple], names: list[str], target: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.fromarray(array)
    draw = ImageDraw.Draw(image)
    for cls, confidence, x1, y1, x2, y2 in detections:
        draw.rectangle([x1, y1, x2, y2], outline=(255, 40, 40), width=1)
        draw.text((x1, max(0, y1 - 10)), f"{names[cls]} {confidence:.2f}", fill=(255, 220, 0))
    image.save(target)


def run_report(model, folder, out, conf: float = 0.25, names: list[str] | None = None,
               frame: tuple[int, int] | None = None) -> list[dict]:
    """Check every image of `folder` with the ONNX `model`; write ``out/report.csv`` and ``out/annotated/``; return the rows.

    `frame` is the camera's frame size (width, height): an image of another size is reported, not checked. By
    default any size is checked (letterboxed to the model's input).

    >>> run_report("no-such-model.onnx", ".", "out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.domains.detection.report.ReportError: No model file at no-such-model.onnx: ...
    """
    session, found, imgsz = load_model(model, names)
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder: pass the folder that holds the camera frames.")
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise ReportError(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}): point at the folder of camera frames.")
    (out / "annotated").mkdir(parents=True, exist_ok=True)
    rows = []
    for path in images:
        try:
            array = read_frame(path, frame)
        except FrameError as error:
            rows.append({**dict.fromkeys(COLUMNS, ""), "image": path.name, "status": "error", "detail": str(error)})
            continue
        detections = detect(session, array, imgsz, conf=min(conf, 0.001))  # below the threshold too: the highest confidence is reported
        rows.append(report_row(path.name, detections, found, conf))
        _annotate(array, [d for d in detections if d[1] >= conf], found, out / "annotated" / f"{path.stem}.png")
    with open(out / "report.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    """The command line; returns 0 when every image was checked, 1 when some could not be, 2 when nothing could.

    >>> import tempfile
    >>> main(["no-such-model.onnx", ".", "--out", tempfile.mkdtemp()])  # the message goes to stderr
    2
    """
    parser = argparse.ArgumentParser(prog="python -m helpers.domains.detection.report",
                                     description="Check a folder of camera frames with an exported YOLO model (ONNX).")
    parser.add_argument("model", help="the .onnx file exported by Ultralytics")
    parser.add_argument("folder", help="a folder of frames (.png, .jpg, …)")
    parser.add_argument("--out", required=True, help="where report.csv and annotated/ go")
    parser.add_argument("--conf", type=float, default=0.25, help="confidence threshold of a defect (choose it on validation)")
    parser.add_argument("--names", type=parse_names, default=None, help="the model's classes, comma-separated (default: this line's)")
    parser.add_argument("--frame", type=int, nargs=2, default=None, metavar=("WIDTH", "HEIGHT"), help="the camera's frame size: other sizes are reported as errors")
    args = parser.parse_args(argv)
    try:
        rows = run_report(args.model, args.folder, args.out, args.conf, args.names, args.frame)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failed = [row for row in rows if row["status"] == "error"]
    flagged = sum(row["verdict"] == "defect" for row in rows)
    print(f"{len(rows) - len(failed)} images checked, {flagged} with defects; report: {Path(args.out) / 'report.csv'}")
    for row in failed:
        print(f"could not check {row['detail']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
