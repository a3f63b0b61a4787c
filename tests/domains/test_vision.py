"""helpers.domains.vision and helpers.domains.vision: the offline stand-ins and the real loading code path."""

import json

import numpy as np
import torch
import torchvision

from helpers import assets
from helpers.domains import vision
from helpers.domains.vision import GLYPHS, digits, glyphs


def test_small_resnet18_has_resnet18_layout():
    small, real = vision.small_resnet18(num_classes=10), torchvision.models.resnet18(num_classes=10)
    assert [n for n, _ in small.named_children()] == [n for n, _ in real.named_children()]
    assert [len(getattr(small, f"layer{i}")) for i in range(1, 5)] == [2, 2, 2, 2]
    assert small(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert vision.small_resnet18(width=64).fc.in_features == 512


def test_synthetic_data_is_deterministic_and_labelled():
    first, labels = glyphs(10, image_size=32, seed=3)
    again, _ = glyphs(10, image_size=32, seed=3)
    assert np.array_equal(first, again) and labels.max() < len(GLYPHS)
    images, targets, names = digits(image_size=32, seed=0)
    assert images.shape == (1797, 3, 32, 32) and names == [str(d) for d in range(10)]
    assert 0 <= images.min() and images.max() <= 1 and np.bincount(targets).min() > 150


def test_standins_load_through_the_lab_code(results_dir, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    weights, data = assets.resolve("resnet18-imagenet"), assets.resolve("cifar10")
    assert (weights.source, data.source) == ("stand-in", "stand-in")
    meta = assets.read_meta(weights)
    assert meta["architecture"] == "small_resnet18" and meta["source_accuracy"] > 0.5
    model = vision.load_backbone(weights)
    assert model.fc.out_features == 26
    train_pool, test_pool, names = vision.standin_images(data, weights, image_size=32)
    train, val, test = vision.sample_splits(train_pool, test_pool, (50, 20, 30), seed=0)
    assert (len(train), len(val), len(test), len(names)) == (50, 20, 30, 10)
    assert not set(train.indices) & set(val.indices), "validation images are not training images"
    pool_images = {tuple(x.flatten()[:12].tolist()) for x, _ in test_pool}
    assert not any(tuple(x.flatten()[:12].tolist()) in pool_images for x, _ in train_pool), "test pool is separate"
    image, label = train[0]
    assert image.shape == (3, 32, 32) and abs(float(image.mean())) < 1.5
    shown = vision.denormalize(image, weights)
    assert shown.shape == (32, 32, 3) and shown.min() >= 0 and shown.max() <= 1


def test_real_resnet18_weights_load_with_the_same_code(tmp_path):
    """The full-profile path: the file where fetch_resnet18 puts it, read by the notebook's real torchvision call."""
    from torchvision.models import ResNet18_Weights, resnet18

    reference = torchvision.models.resnet18()
    file = tmp_path / "checkpoints" / "resnet18-f37072fd.pth"
    file.parent.mkdir()
    torch.save(reference.state_dict(), file)
    assert file.name in ResNet18_Weights.DEFAULT.url
    (tmp_path / "meta.json").write_text(json.dumps({
        "architecture": "resnet18", "width": 64, "classes": 1000, "file": "checkpoints/resnet18-f37072fd.pth",
        "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "image_size": 224}))
    resolved = assets.Resolved("resnet18-imagenet", tmp_path, "cache", "test", "test")
    loaded = vision.load_backbone(resolved)
    assert torch.equal(loaded.conv1.weight, reference.conv1.weight) and loaded.fc.out_features == 1000
    previous = torch.hub.get_dir()
    try:
        torch.hub.set_dir(str(resolved.path))  # what the lab does before resnet18(weights=...): no download
        assert torch.equal(resnet18(weights=ResNet18_Weights.DEFAULT).conv1.weight, reference.conv1.weight)
    finally:
        torch.hub.set_dir(previous)


def test_source_task_is_held_out_letters_for_the_standin_only(results_dir, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    weights = assets.resolve("resnet18-imagenet")
    letters = vision.source_task(weights, image_size=32, n=64)
    seen, _ = glyphs(64, image_size=32, seed=0)
    assert len(letters) == 64 and not torch.equal(letters.tensors[0][0], torch.tensor(seen[0]))
    model = vision.load_backbone(weights).eval()
    with torch.no_grad():
        accuracy = (model(letters.tensors[0]).argmax(1) == letters.tensors[1]).float().mean().item()
    assert accuracy > 0.6, "the pretrained stand-in reads letters it never saw"


def test_damaged_standin_is_rebuilt(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    calls = []

    def build(folder):
        calls.append(folder)
        (folder / "data.txt").write_text("ok")

    first = assets.cached_standin("demo", build)
    assert assets.cached_standin("demo", build) == first and len(calls) == 1
    (first / "data.txt").write_text("tampered")
    assets.cached_standin("demo", build)
    assert len(calls) == 2 and "damaged" in capsys.readouterr().out
