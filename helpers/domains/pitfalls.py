"""Lab 06's pieces: a ResNet cut in two (a frozen body whose outputs are cached, a tail that trains), a second
target the letters backbone was taught to ignore (colour), augmented views, and a head for rehearsal.

The lab measures many fine-tuning runs in seconds by running the frozen part of the network once:
``body_features`` caches `layer3`'s outputs, and ``tail_of`` builds the part that trains from them
(`layer4`, pooling, `fc`), with torchvision's module names, so freezing by name and LoRA's
``target_modules`` read as they would on the whole network.

    >>> from helpers.domains import vision
    >>> tail = tail_of(vision.small_resnet18(num_classes=26))
    >>> [name for name, _ in tail.named_children()]
    ['layer4', 'avgpool', 'flatten', 'fc']
"""

from __future__ import annotations

import numpy as np

COLOURS = ["black", "blue", "green", "cyan", "red", "magenta", "yellow", "white"]  # the 8 corners of the RGB cube


def body_features(model, dataset, upto: str = "layer3", batch_size: int = 256):
    """Run `model` up to and including `upto` (eval mode, no gradients) over `dataset`; a TensorDataset of outputs.

    Built with torchvision's `create_feature_extractor`, so any torchvision-style ResNet works.

    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from helpers.domains import vision
    >>> data = TensorDataset(torch.randn(5, 3, 32, 32), torch.arange(5))
    >>> features = body_features(vision.small_resnet18(), data)
    >>> tuple(features.tensors[0].shape), features.tensors[1].tolist()
    ((5, 64, 2, 2), [0, 1, 2, 3, 4])
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    from torchvision.models.feature_extraction import create_feature_extractor

    names = [name for name, _ in model.named_children()]
    if upto not in names:
        raise ValueError(f"The model has no module {upto!r}; its top-level modules are: {', '.join(names)}.")
    body = create_feature_extractor(model, {upto: "features"}).eval()
    outputs, labels = [], []
    with torch.no_grad():
        for inputs, targets in DataLoader(dataset, batch_size=batch_size):
            outputs.append(body(inputs)["features"])
            labels.append(torch.as_tensor(targets))
    return TensorDataset(torch.cat(outputs), torch.cat(labels))


def tail_of(model, head=None):
    """A copy of the part of a ResNet after `layer3` — `layer4`, pooling, `fc` (or `head`) — that takes cached features.

    >>> import torch
    >>> from torch import nn
    >>> from helpers.domains import vision
    >>> tail = tail_of(vision.small_resnet18(num_classes=26), head=nn.Linear(128, 10))
    >>> tuple(tail(torch.randn(4, 64, 2, 2)).shape)
    (4, 10)
    """
    import copy
    from collections import OrderedDict

    from torch import nn

    if not hasattr(model, "layer4"):
        raise ValueError("tail_of expects a torchvision-style ResNet (with layer4, avgpool and fc); got "
                         f"{type(model).__name__}.")
    parts = OrderedDict(layer4=model.layer4, avgpool=model.avgpool, flatten=nn.Flatten(),
                        fc=model.fc if head is None else head)
    return copy.deepcopy(nn.Sequential(parts))


def colour_labels(dataset, mean, std) -> object:
    """The same images relabelled by background colour: which corner of the RGB cube (8 classes, `COLOURS`).

    `mean` and `std` undo the images' normalisation; the top-left pixel is background in every image.

    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> images = torch.zeros(2, 3, 4, 4); images[1, 0] = 1.0  # the second image has a red background
    >>> colour_labels(TensorDataset(images, torch.tensor([7, 7])), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)).tensors[1].tolist()
    [0, 4]
    """
    import torch
    from torch.utils.data import TensorDataset

    images = torch.stack([dataset[i][0] for i in range(len(dataset))])
    corner = images[:, :, 0, 0] * torch.tensor(std) + torch.tensor(mean)
    bits = (corner > 0.5).long()
    return TensorDataset(images, bits[:, 0] * 4 + bits[:, 1] * 2 + bits[:, 2])


def augmented_views(dataset, views: int, seed: int = 0):
    """`views` randomly shifted, scaled and turned copies of every image (torchvision's RandomAffine), labels kept.

    Returns one TensorDataset per view; each epoch of training can read a different one.

    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> copies = augmented_views(TensorDataset(torch.randn(3, 3, 8, 8), torch.arange(3)), views=2)
    >>> len(copies), tuple(copies[0].tensors[0].shape), bool((copies[0].tensors[0] != copies[1].tensors[0]).any())
    (2, (3, 3, 8, 8), True)
    """
    import torch
    from torch.utils.data import TensorDataset
    from torchvision.transforms import v2

    torch.manual_seed(seed)
    augment = v2.RandomAffine(degrees=15, translate=(0.12, 0.12), scale=(0.85, 1.1))
    images = torch.stack([dataset[i][0] for i in range(len(dataset))])
    labels = torch.stack([torch.as_tensor(dataset[i][1]) for i in range(len(dataset))])
    return [TensorDataset(torch.stack([augment(image) for image in images]), labels) for _ in range(views)]


def joint_head(new_head, old_head):
    """One linear layer whose first outputs are `new_head`'s (the target's classes) and the rest `old_head`'s (the source's).

    Rehearsal trains it on target and source examples together (labels of source examples are offset by
    the number of target classes); `split_head` takes the two heads apart again.

    >>> from torch import nn
    >>> head = joint_head(nn.Linear(4, 3), nn.Linear(4, 5))
    >>> head.out_features, [h.out_features for h in split_head(head, 3)]
    (8, [3, 5])
    """
    import torch
    from torch import nn

    head = nn.Linear(new_head.in_features, new_head.out_features + old_head.out_features)
    with torch.no_grad():
        head.weight.copy_(torch.cat([new_head.weight, old_head.weight]))
        head.bias.copy_(torch.cat([new_head.bias, old_head.bias]))
    return head


def split_head(head, n_new: int):
    """The (target, source) heads inside a `joint_head`: the first `n_new` outputs, then the rest.

    >>> from torch import nn
    >>> new, old = split_head(nn.Linear(4, 8), 3)
    >>> new.out_features, old.out_features
    (3, 5)
    """
    import torch
    from torch import nn

    parts = []
    for rows in (slice(0, n_new), slice(n_new, head.out_features)):
        part = nn.Linear(head.in_features, rows.stop - rows.start)
        with torch.no_grad():
            part.weight.copy_(head.weight[rows])
            part.bias.copy_(head.bias[rows])
        parts.append(part)
    return tuple(parts)


def joint_loss(n_new: int):
    """Cross-entropy for a `joint_head`: target examples over the target's logits, source examples over the source's.

    >>> import torch
    >>> loss = joint_loss(2)(torch.tensor([[9.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 9.0]]), torch.tensor([0, 3]))
    >>> round(loss.item(), 4)
    0.0001
    """
    from torch.nn import functional

    def loss(outputs, targets):
        source = targets >= n_new
        total = outputs.new_zeros(())
        if (~source).any():
            total = total + functional.cross_entropy(outputs[~source, :n_new], targets[~source], reduction="sum")
        if source.any():
            total = total + functional.cross_entropy(outputs[source, n_new:], targets[source] - n_new, reduction="sum")
        return total / len(targets)

    return loss


def mean_std(values) -> str:
    """'mean ± std' of a list of numbers (sample standard deviation), for tables of runs over seeds.

    >>> mean_std([0.5, 0.7, 0.6])
    '0.600 ± 0.100'
    """
    values = np.asarray(values, dtype=float)
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.3f} ± {spread:.3f}"
