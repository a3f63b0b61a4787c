"""Lab 06's pieces: the cut network is exact, the colour labels are right, rehearsal's head and loss split cleanly."""

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from helpers.domains import pitfalls, vision


def test_body_then_tail_is_the_whole_network():
    torch.manual_seed(0)
    model = vision.small_resnet18(num_classes=7).eval()
    images = torch.randn(6, 3, 32, 32)
    cached = pitfalls.body_features(model, TensorDataset(images, torch.zeros(6, dtype=torch.long)))
    with torch.no_grad():
        assert torch.allclose(pitfalls.tail_of(model).eval()(cached.tensors[0]), model(images), atol=1e-5)


def test_tail_is_a_copy_and_keeps_torchvision_names():
    model = vision.small_resnet18(num_classes=7)
    tail = pitfalls.tail_of(model, head=nn.Linear(128, 3))
    assert tail.layer4 is not model.layer4 and tail.fc.out_features == 3
    assert "layer4.0.downsample.0" in dict(tail.named_modules())


def test_bad_inputs_say_what_to_do():
    with pytest.raises(ValueError, match="layer4"):
        pitfalls.tail_of(nn.Linear(3, 3))
    with pytest.raises(ValueError, match="top-level modules"):
        pitfalls.body_features(vision.small_resnet18(), TensorDataset(torch.randn(1, 3, 32, 32), torch.zeros(1)), upto="layer9")


def test_colour_labels_name_the_background_corner():
    images = torch.zeros(len(pitfalls.COLOURS), 3, 4, 4)
    for label in range(len(pitfalls.COLOURS)):
        images[label, :, :, :] = torch.tensor([label >> 2 & 1, label >> 1 & 1, label & 1], dtype=torch.float).view(3, 1, 1)
    images[:, :, 1:, 1:] = 0.5  # a "digit" elsewhere does not change the label
    mean, std = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)
    normalised = (images - 0.5) / 0.25
    labels = pitfalls.colour_labels(TensorDataset(normalised, torch.zeros(8)), mean, std).tensors[1]
    assert labels.tolist() == list(range(8))


def test_augmented_views_keep_labels_and_differ():
    data = TensorDataset(torch.randn(4, 3, 16, 16), torch.tensor([3, 1, 4, 1]))
    views = pitfalls.augmented_views(data, views=3, seed=1)
    assert [v.tensors[1].tolist() for v in views] == [[3, 1, 4, 1]] * 3
    assert not torch.equal(views[0].tensors[0], data.tensors[0])


def test_joint_head_splits_back_and_its_loss_scores_each_task_on_its_own_outputs():
    torch.manual_seed(0)
    new, old = nn.Linear(5, 3), nn.Linear(5, 4)
    head = pitfalls.joint_head(new, old)
    features = torch.randn(2, 5)
    assert torch.allclose(head(features), torch.cat([new(features), old(features)], dim=1))
    split_new, split_old = pitfalls.split_head(head, 3)
    assert torch.allclose(split_new(features), new(features)) and torch.allclose(split_old(features), old(features))
    outputs, targets = head(features), torch.tensor([1, 3 + 2])
    expected = (nn.functional.cross_entropy(outputs[:1, :3], targets[:1]) + nn.functional.cross_entropy(outputs[1:, 3:], targets[1:] - 3)) / 2
    assert torch.allclose(pitfalls.joint_loss(3)(outputs, targets), expected)


def test_mean_std():
    assert pitfalls.mean_std([0.4]) == "0.400 ± 0.000"
