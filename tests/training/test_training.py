"""helpers.training.freeze, helpers.training.loop, helpers.training.checkpoint and helpers.training.metrics on tiny models."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers.domains.vision import small_resnet18
from helpers.training import checkpoint, freeze, loop, metrics, timing
from helpers.training.loop import fit


def tiny_problem(n=128, seed=0):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 4, generator=generator)
    targets = (inputs[:, 0] > 0).long() + (inputs[:, 1] > 0).long()
    return DataLoader(TensorDataset(inputs, targets), batch_size=16, shuffle=True, generator=generator)


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


def test_freeze_by_name_and_depth():
    model = small_resnet18(num_classes=10)
    freeze.freeze(model)
    assert freeze.count_parameters(model) == 0
    assert freeze.unfreeze_last(model, 1) == ["fc"]
    assert freeze.count_parameters(model) == 128 * 10 + 10
    assert freeze.unfreeze_last(model, 2) == ["layer4", "fc"]
    assert freeze.count_parameters(model) == sum(p.numel() for p in model.layer4.parameters()) + 1290
    freeze.freeze(model, "layer4")
    assert not any(p.requires_grad for p in model.layer4.parameters())
    assert freeze.count_parameters(model, trainable_only=False) == sum(p.numel() for p in model.parameters())
    table = freeze.trainable_table(model)
    assert table.loc["fc", "trainable"] == 1290 and table.loc["layer4", "trainable"] == 0


def test_param_groups_per_prefix():
    model = small_resnet18(num_classes=10)
    freeze.freeze(model, "conv1", "bn1")
    groups = freeze.param_groups(model, {"": 1e-4, "layer4": 1e-3, "fc": 1e-2})
    assert [g["lr"] for g in groups] == [1e-4, 1e-3, 1e-2]
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == len([p for p in model.parameters() if p.requires_grad])
    assert {id(p) for p in groups[2]["params"]} == {id(p) for p in model.fc.parameters()}
    with pytest.raises(ValueError, match="matches none"):
        freeze.param_groups(model, {"fc": 0.1})


def test_freeze_unknown_module_names_the_real_ones():
    with pytest.raises(ValueError, match="top-level modules are: conv1, bn1"):
        freeze.freeze(small_resnet18(), "layer9")


def test_fit_learns_and_records_history():
    model, loader = mlp(), tiny_problem()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=8, gamma=0.5)
    history = fit(model, loader, optimizer, epochs=4, scheduler=schedule, val_loader=tiny_problem(seed=1),
                  progress=False)
    assert len(history.train_loss) == 4 and len(history.step_loss) == len(history.lr) == 4 * len(loader)
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.lr[0] == 0.3 and history.lr[-1] < 0.3
    assert history.val_accuracy[-1] > 0.6


def test_fit_leaves_frozen_parameters_alone():
    model, loader = mlp(), tiny_problem()
    freeze.freeze(model, "0")
    frozen = model[0].weight.clone()
    fit(model, loader, torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1),
        epochs=1, progress=False)
    assert torch.equal(frozen, model[0].weight)


def test_interrupted_run_resumes_after_the_last_epoch(tmp_path, capsys):
    path = tmp_path / "run.pt"
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    first = fit(model, tiny_problem(), optimizer, epochs=2, checkpoint=path, progress=False)
    saved = checkpoint.load(path)
    assert saved["epoch"] == 2 and saved["history"]["train_loss"] == first.train_loss

    # A new session: fresh objects, the same checkpoint file.
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, tiny_problem(), optimizer, epochs=3, checkpoint=path, progress=False)
    assert "Resumed" in capsys.readouterr().out
    assert history.train_loss[:2] == first.train_loss and len(history.train_loss) == 3
    assert not torch.equal(model[0].weight, saved["model"]["0.weight"])  # epoch 3 did train
    assert checkpoint.load(path)["epoch"] == 3


def test_damaged_checkpoint_is_a_clear_error(tmp_path):
    path = tmp_path / "run.pt"
    checkpoint.save(path, epoch=1, model={"w": torch.ones(2)})
    assert checkpoint.load(path)["epoch"] == 1
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(checkpoint.CheckpointError, match="damaged.*delete it"):
        checkpoint.load(path)


def test_metrics_match_scikit_learn():
    from sklearn.metrics import f1_score

    y_true, y_pred = [0, 1, 2, 2, 1], [0, 2, 2, 2, 1]
    scores = metrics.classification_metrics(y_true, y_pred)
    assert scores["accuracy"] == 0.8
    assert scores["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))


def test_predict_and_comparison_table():
    model, loader = mlp(), tiny_problem()
    y_true, y_pred = loop.predict(model, loader)
    assert y_true.shape == y_pred.shape == (128,) and set(np.unique(y_pred)) <= {0, 1, 2}
    table = metrics.comparison_table({"a": {"accuracy": 0.5}, "b": {"accuracy": 0.75}})
    assert list(table.index) == ["a", "b"] and table.loc["b", "accuracy"] == 0.75



def test_ms_per_item_is_the_best_of_repeated_whole_batch_calls():
    import time

    calls = []

    def predict(items):
        calls.append(len(items))
        time.sleep(0.05 if len(calls) == 1 else 0.01)  # the first call is slow (a warm-up)

    assert timing.ms_per_item(predict, list(range(10)), mode="batch", repeats=3) == pytest.approx(1.0, abs=0.5)
    assert calls == [10, 10, 10]


def test_ms_per_item_per_request_sends_each_item_alone_and_needs_a_mode():
    calls = []
    assert timing.ms_per_item(lambda items: calls.append(list(items)), [1, 2, 3], mode="request", repeats=1) >= 0
    assert calls == [[1], [2], [3]]
    with pytest.raises(ValueError, match="'request'"):
        timing.ms_per_item(len, [1], mode="fast")


def test_evaluate_is_the_one_loop_behind_predict_and_fit():
    model = mlp()
    loader = DataLoader(tiny_problem().dataset, batch_size=32)  # in order, so both passes align
    result = loop.evaluate(model, loader, loss_fn=torch.nn.CrossEntropyLoss())
    y_true, y_pred = loop.predict(model, loader)
    assert (result.y_pred == y_pred).all() and result.accuracy == float((y_true == y_pred).mean())
    assert result.loss > 0 and not model.training


def test_confusion_plot(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    display = metrics.plot_confusion([0, 1, 1], [0, 1, 0], ["a", "b"], title="t")
    assert display.confusion_matrix.tolist() == [[1, 0], [1, 1]]


def test_fit_keeps_frozen_batch_norm_statistics_unless_told_otherwise():
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset

    from helpers.training.freeze import freeze
    from helpers.training.loop import fit

    data = DataLoader(TensorDataset(torch.randn(32, 4) * 3 + 1, torch.randint(0, 2, (32,))), batch_size=8)
    for keep_eval in (True, False):
        net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2), nn.BatchNorm1d(2))
        freeze(net, "0", "1")
        frozen, trained = net[1].running_mean.clone(), net[4].running_mean.clone()
        fit(net, data, torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1), epochs=1,
            progress=False, frozen_bn_eval=keep_eval)
        assert torch.equal(frozen, net[1].running_mean) == keep_eval
        assert not torch.equal(trained, net[4].running_mean), "a batch norm that trains keeps updating"
