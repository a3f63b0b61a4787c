"""helpers.domains.images and fastai_backbone: Lab 05's datasets and backbone (real code paths, offline stand-ins), the fastai path."""

import json

import numpy as np
import pytest
from PIL import Image

from helpers import assets
from helpers.domains import fastai_backbone
from helpers.domains import images as domain_images


def test_domains_map_to_datasets_and_unknown_ones_fail_clearly():
    assert [domain_images.dataset_for(d) for d in ("satellite", "medical")] == ["eurosat", "pneumoniamnist"]
    with pytest.raises(ValueError, match="'satellite', 'medical'"):
        domain_images.dataset_for("street")


def test_standin_images_are_deterministic():
    from skimage import data

    textures = [data.grass(), data.gravel()]
    for label in domain_images.LAND_USE:
        first = domain_images._land_use_tile(label, np.random.default_rng(7), textures)
        assert first.shape == (64, 64, 3) and first.dtype == np.uint8
        assert np.array_equal(first, domain_images._land_use_tile(label, np.random.default_rng(7), textures))
    sick = domain_images._chest_xray(True, np.random.default_rng(3))
    assert sick.shape == (64, 64) and np.array_equal(sick, domain_images._chest_xray(True, np.random.default_rng(3)))


@pytest.mark.parametrize("name", ["eurosat", "pneumoniamnist"])
def test_standins_are_image_folders_per_split(name, results_dir, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    found = assets.resolve(name)
    meta = assets.read_meta(found)
    assert found.source == "stand-in" and meta["domain"] in domain_images.DOMAINS
    for split in domain_images.SPLITS:
        folders = sorted(p.name for p in (found.path / split).iterdir())
        assert folders == sorted(meta["classes"]), f"{split}: one folder per class"
        assert meta["images"][split] == domain_images.STANDIN_SIZES[split]
    image = Image.open(next((found.path / "test").rglob("*.png")))
    assert image.size == (64, 64)
    if name == "pneumoniamnist":
        assert meta["positive"] == "pneumonia"
        for split in domain_images.SPLITS:
            share = len(list((found.path / split / "pneumonia").iterdir())) / meta["images"][split]
            assert abs(share - 4273 / 5856) < 0.01, "PneumoniaMNIST's balance: 73 % pneumonia, the majority"


def test_subset_folder_links_a_seeded_subset(tmp_path):
    for split in domain_images.SPLITS:
        for label in ("a", "b"):
            (tmp_path / split / label).mkdir(parents=True)
            for i in range(6):
                (tmp_path / split / label / f"{i}.png").write_bytes(b"x")
    dataset = assets.Resolved("demo", tmp_path, "cache", "demo", "test")
    first = domain_images.subset_folder(dataset, sizes=(5, 3, None), seed=1)
    again = domain_images.subset_folder(dataset, sizes=(5, 3, None), seed=1)
    listing = {split: sorted(p.relative_to(first / split).as_posix() for p in (first / split).rglob("*.png"))
               for split in domain_images.SPLITS}
    assert [len(listing[s]) for s in domain_images.SPLITS] == [5, 3, 12]
    assert listing["train"] == sorted(p.relative_to(again / "train").as_posix() for p in (again / "train").rglob("*.png"))
    assert (first / "train" / listing["train"][0]).resolve().parent.parent.name == "train"


def test_subset_folder_names_an_incomplete_dataset(tmp_path):
    (tmp_path / "train" / "a").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="has no images"):
        domain_images.subset_folder(assets.Resolved("demo", tmp_path, "cache", "", ""), sizes=(1, 1, 1))


def test_real_pneumoniamnist_code_path_writes_png_folders(tmp_path, monkeypatch):
    """The full-profile fetch, with medmnist's download replaced by arrays of the real shape."""
    import medmnist

    made = []

    class FakePneumoniaMNIST:
        def __init__(self, split, root, download, size):
            made.append((split, size))
            count = {"train": 6, "val": 3, "test": 4}[split]
            self.imgs = np.full((count, size, size), 100, np.uint8)
            self.labels = (np.arange(count) % 2).reshape(-1, 1)

    monkeypatch.setattr(medmnist, "PneumoniaMNIST", FakePneumoniaMNIST)
    domain_images._fetch_pneumoniamnist(tmp_path, size=28)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert made == [("train", 28), ("val", 28), ("test", 28)]
    assert meta["classes"] == ["normal", "pneumonia"] and meta["positive"] == "pneumonia"
    assert meta["images"] == {"train": 6, "valid": 3, "test": 4}
    assert len(list((tmp_path / "train" / "pneumonia").glob("*.png"))) == 3
    assert not (tmp_path / "download").exists()


def test_real_eurosat_code_path_splits_80_10_10(tmp_path, monkeypatch):
    """The full-profile fetch, with torchvision's download replaced by a folder of the real layout."""
    import torchvision.datasets

    def fake_eurosat(root, download):
        for label in ("AnnualCrop", "River"):
            folder = root / "eurosat" / "2750" / label
            folder.mkdir(parents=True)
            for i in range(20):
                shade = 7 if i >= 17 else i  # tiles 17, 18 and 19 of each class are byte-identical copies
                Image.new("RGB", (64, 64), (10 * shade, 100 if label == "River" else 0, 0)).save(folder / f"{label}_{i}.jpg")

    monkeypatch.setattr(torchvision.datasets, "EuroSAT", fake_eurosat)
    domain_images._fetch_eurosat(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["classes"] == ["AnnualCrop", "River"] and sum(meta["images"].values()) == 40
    assert 28 <= meta["images"]["train"] <= 36, "about 80 % of the tiles train"
    names = [p.name for p in tmp_path.rglob("*.jpg")]
    assert len(names) == len(set(names)) == 40, "every tile in exactly one split"
    for label in ("AnnualCrop", "River"):
        copies = {p.parent.parent.name for i in (7, 17, 18, 19) for p in tmp_path.rglob(f"{label}_{i}.jpg")}
        assert len(copies) == 1, "identical tiles never sit in two splits"


def test_split_groups_keeps_equal_keys_together_and_keeps_the_fractions():
    keys = [i // 3 for i in range(300)]  # 100 groups of three
    splits = domain_images.split_groups(keys, seed=2)
    assert all(len({s for k, s in zip(keys, splits) if k == key}) == 1 for key in range(100))
    assert [splits.count(name) for name in domain_images.SPLITS] == [240, 30, 30]
    assert splits != domain_images.split_groups(keys, seed=3), "the seed decides"


def test_fastai_path_trains_exports_and_loads(results_dir, monkeypatch, tmp_path):
    """The notebook's code path on the medical stand-in: DataBlock, vision_learner, export, load_learner."""
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    import torch
    from fastai.callback.core import defaults
    from fastai.vision.all import (
        CategoryBlock,
        DataBlock,
        GrandparentSplitter,
        ImageBlock,
        Normalize,
        Resize,
        accuracy,
        get_image_files,
        load_learner,
        parent_label,
        vision_learner,
    )

    saved_callbacks = list(defaults.callbacks)
    try:
        assert domain_images.quiet_fastai_if_asked()
        assert "ProgressCallback" not in [cb.__name__ for cb in defaults.callbacks]
        backbone = assets.resolve("fastai-backbone")
        assert backbone.source == "stand-in" and assets.read_meta(backbone)["pretrained_on"] == "ImageNet-1k"
        path = domain_images.subset_folder(assets.resolve("pneumoniamnist"), sizes=(64, 32, 8), seed=0)
        block = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, get_y=parent_label,
                          splitter=GrandparentSplitter(train_name="train", valid_name="valid"), item_tfms=Resize(64))
        dls = block.dataloaders(path, bs=16, num_workers=0)
        arch = fastai_backbone.fastai_arch(backbone)
        learn = vision_learner(dls, arch, metrics=accuracy)
        added = [t for t in dls.after_batch.fs if isinstance(t, Normalize)]
        assert len(added) == 1, "vision_learner adds the backbone's normalisation itself"
        assert torch.allclose(added[0].mean.flatten().cpu(), torch.tensor(fastai_backbone.LITE0_STATS[0]))
        pretrained = arch(pretrained=True)
        assert torch.equal(next(learn.model[0].parameters()), pretrained._conv_stem.weight), "pretrained weights loaded"
        assert not torch.equal(arch(pretrained=False)._conv_stem.weight, pretrained._conv_stem.weight)
        groups = learn.splitter(learn.model)
        assert len(groups) == 3 and sum(len(g) for g in groups) == len(list(learn.model.parameters()))
        frozen = [p for p in learn.model[0].parameters() if not p.requires_grad]
        assert frozen and all(p.requires_grad for p in learn.model[1].parameters()), "pretrained: body frozen, head trains"
        learn.fit(1, 1e-3)
        learn.export(tmp_path / "learner.pkl")
        served = load_learner(tmp_path / "learner.pkl")
        image = get_image_files(path / "test")[0]
        assert served.predict(image)[0] in ("normal", "pneumonia")
    finally:
        defaults.callbacks = saved_callbacks


def test_real_backbone_is_torchvision_resnet18_with_cached_weights(tmp_path, monkeypatch):
    """Online, `fastai_arch` gives `resnet18` itself and puts the cached weights where torchvision looks."""
    import torch
    from torchvision.models import resnet18

    (tmp_path / "entry" / "checkpoints").mkdir(parents=True)  # as vision.fetch_resnet18 writes it
    (tmp_path / "entry" / "checkpoints" / "resnet18-f37072fd.pth").write_bytes(b"weights")
    assets.write_meta(tmp_path / "entry", {"architecture": "resnet18", "file": "checkpoints/resnet18-f37072fd.pth"})
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    arch = fastai_backbone.fastai_arch(assets.Resolved("fastai-backbone", tmp_path / "entry", "cache", "", ""))
    assert arch is resnet18
    assert (tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth").read_bytes() == b"weights"


def test_quiet_fastai_keeps_bars_for_people(monkeypatch):
    from fastai.callback.core import defaults
    from fastai.callback.progress import ProgressCallback

    monkeypatch.setattr(defaults, "callbacks", [*defaults.callbacks, ProgressCallback])  # as a fresh kernel has
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert domain_images.quiet_fastai_if_asked() is False
    assert ProgressCallback in defaults.callbacks
