"""Project P2's helpers: the synthetic line, exports, tiling and scoring, and the command-line report."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from helpers.config import repo_root
from helpers.domains.detection.exports import coco_export, write_yolo_copy
from helpers.domains.detection.industrial import (
    CLASSES,
    class_counts,
    oversample,
    tile_boxes,
    tile_windows,
    write_line_dataset,
)
from helpers.domains.detection.labels import check_labels
from helpers.domains.detection.tiling import frame_truth, score_detections


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    return write_line_dataset(tmp_path_factory.mktemp("line") / "line", {"train": 6, "val": 16, "test": 8}, seed=5)


def test_line_dataset_is_deterministic_clean_and_tiled(line, tmp_path):
    again = write_line_dataset(tmp_path / "again", {"train": 6, "val": 16, "test": 8}, seed=5)
    for split in ("train", "val"):
        ours = {p.name: p.read_text() for p in sorted((line.parent / "labels" / split).glob("*.txt"))}
        assert ours == {p.name: p.read_text() for p in sorted((again.parent / "labels" / split).glob("*.txt"))}
    assert check_labels(line) == [] or {p.kind for p in check_labels(line)} <= {"empty"}
    assert len(list((line.parent / "images" / "train").iterdir())) == 24  # four tiles per frame
    assert Image.open(next((line.parent / "images" / "train").iterdir())).size == (96, 96)
    assert Image.open(next((line.parent / "images" / "val").iterdir())).size == (192, 192)
    assert list(class_counts(line, "val")) == CLASSES and sum(class_counts(line, "train").values()) > 0


def test_tiles_cover_the_frame_and_clip_boxes():
    windows = tile_windows(200, 120, 64, overlap=0.25)
    covered = np.zeros((120, 200), bool)
    for x1, y1, x2, y2 in windows:
        assert x2 - x1 == 64 and y2 - y1 == 64 and x2 <= 200 and y2 <= 120
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    assert tile_boxes([(1, 58, 10, 68, 20)], (64, 0, 128, 64)) == []  # 40 % inside: dropped
    assert tile_boxes([(1, 58, 10, 68, 20)], (0, 0, 64, 64)) == [(1, 58, 10, 64, 20)]


def test_oversample_repeats_images_of_the_rare_class(line, tmp_path):
    more = oversample(line, ["missing_hole"], 3, tmp_path / "more.yaml")
    listed = (tmp_path / "train_oversampled.txt").read_text().split()
    rare = [p for p in (line.parent / "labels" / "train").glob("*.txt") if any(r.startswith("2 ") for r in p.read_text().splitlines())]
    assert len(listed) == 24 + 2 * len(rare)
    assert yaml.safe_load(more.read_text())["names"] == dict(enumerate(CLASSES))
    with pytest.raises(ValueError, match="not classes"):
        oversample(line, ["dent"], 2, tmp_path / "x.yaml")


def test_a_naive_coco_conversion_is_caught_by_the_validator(line, tmp_path):
    coco = coco_export(line, "val", 16)

    def naive(coco, names, folder):
        sizes = {i["id"]: (i["width"], i["height"]) for i in coco["images"]}
        stems = {i["id"]: Path(i["file_name"]).stem for i in coco["images"]}
        for i in coco["images"]:
            (folder / f"{stems[i['id']]}.txt").write_text("")
        for a in coco["annotations"]:
            (w, h), (x, y, bw, bh) = sizes[a["image_id"]], a["bbox"]
            with open(folder / f"{stems[a['image_id']]}.txt", "a") as file:
                file.write(f"{a['category_id'] - 1} {(x + bw / 2) / w} {(y + bh / 2) / h} {bw / w} {bh / h}\n")

    kinds = {p.kind for p in check_labels(write_yolo_copy(coco, line, "val", tmp_path / "naive", naive))}
    assert "out of range" in kinds
    assert [c["id"] for c in coco["categories"]] == [1, 2, 4]


def test_scoring_matches_by_class_and_iou():
    truth = [[(0, 10, 10, 20, 20), (1, 50, 50, 60, 60)]]
    assert score_detections([[(0, 0.9, 10, 10, 20, 20), (0, 0.8, 50, 50, 60, 60)]], truth)["found"] == 1
    assert score_detections([[(0, 0.9, 10, 10, 20, 20), (0, 0.8, 10, 10, 20, 20)]], truth)["false boxes"] == 1


def test_frame_truth_reads_pixel_boxes(line):
    image = next(p for p in sorted((line.parent / "images" / "val").iterdir()) if (line.parent / "labels" / "val" / f"{p.stem}.txt").read_text())
    boxes = frame_truth(image)
    assert boxes and all(0 <= b[1] < b[3] <= 192 and 0 <= b[2] < b[4] <= 192 for b in boxes)


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    """A tiny YOLO with this line's classes (random weights), exported to ONNX at 96 px; and one with other classes."""
    from helpers.domains.detection import setup_ultralytics

    setup_ultralytics()
    import ultralytics
    from ultralytics import YOLO

    folder = tmp_path_factory.mktemp("onnx")
    spec = yaml.safe_load((Path(ultralytics.__file__).parent / "cfg" / "models" / "v8" / "yolov8.yaml").read_text())
    spec.pop("scales")
    models, here = {}, Path.cwd()
    os.chdir(folder)  # a model built from a YAML is exported into the working folder
    try:
        for name, classes in (("line", CLASSES), ("other", ["bolt", "nut", "washer"])):
            spec.update(nc=len(classes), depth_multiple=0.33, width_multiple=0.0625, max_channels=64)
            (folder / f"{name}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
            model = YOLO(str(folder / f"{name}.yaml"))
            model.model.names = dict(enumerate(classes))
            models[name] = Path(model.export(format="onnx", imgsz=96, simplify=False, verbose=False)).resolve()
    finally:
        os.chdir(here)
    assert all(path.parent == folder for path in models.values())
    return models


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "helpers.domains.detection.report", *map(str, args)],
                          capture_output=True, text=True, cwd=repo_root(), timeout=300)


def test_the_report_cli_checks_a_folder_with_one_corrupt_image(onnx_model, line, tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    for image in sorted((line.parent / "images" / "test").iterdir())[:3]:
        Image.open(image).resize((96, 96)).save(frames / image.name)
    (frames / "corrupt.png").write_bytes((frames / image.name).read_bytes()[:200])
    done = run_cli(onnx_model["line"], frames, "--out", tmp_path / "out", "--conf", "0.5")
    assert done.returncode == 1, done.stderr
    assert "corrupt.png cannot be read as an image" in done.stderr
    rows = list(csv.DictReader(open(tmp_path / "out" / "report.csv")))
    assert [r["image"] for r in rows] == sorted(p.name for p in frames.iterdir())
    assert [r["status"] for r in rows].count("ok") == 3 and rows[0]["status"] == "error"
    assert {r["verdict"] for r in rows if r["status"] == "ok"} <= {"good", "defect"}
    assert len(list((tmp_path / "out" / "annotated").iterdir())) == 3


def test_the_report_cli_names_each_bad_input(onnx_model, line, tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    source = sorted((line.parent / "images" / "test").iterdir())[0]
    Image.open(source).resize((96, 96)).save(frames / "good.png")
    Image.open(source).resize((96, 96)).convert("L").save(frames / "grey.png")
    Image.open(source).save(frames / "big.png")  # 192 px: not this camera's 96 px frames
    done = run_cli(onnx_model["line"], frames, "--out", tmp_path / "out", "--frame", 96, 96)
    details = {r["image"]: r["detail"] for r in csv.DictReader(open(tmp_path / "out" / "report.csv"))}
    assert done.returncode == 1 and details["good.png"] == ""
    assert "1 channel" in details["grey.png"] and "192×192 px" in details["big.png"]
    (tmp_path / "empty").mkdir()
    done = run_cli(onnx_model["line"], tmp_path / "empty", "--out", tmp_path / "out2")
    assert done.returncode == 2 and "holds no images" in done.stderr
    done = run_cli(onnx_model["other"], frames, "--out", tmp_path / "out3")
    assert done.returncode == 2 and "detects ['bolt', 'nut', 'washer']" in done.stderr
    done = run_cli(tmp_path / "missing.onnx", frames, "--out", tmp_path / "out4")
    assert done.returncode == 2 and "No model file" in done.stderr
