"""A plain PyTorch training loop and its evaluation: progress bar, mixed precision where it helps, checkpoints.

    >>> import torch, torch.nn as nn
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> data = DataLoader(TensorDataset(torch.randn(64, 4), torch.randint(0, 2, (64,))), batch_size=16)
    >>> net = nn.Linear(4, 2)
    >>> history = fit(net, data, torch.optim.SGD(net.parameters(), lr=0.1), epochs=2, progress=False)
    >>> len(history.train_loss), len(history.lr)
    (2, 8)
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers.training import checkpoint as checkpoints
from helpers.training.freeze import frozen_batchnorm_to_eval


@dataclass
class History:
    """What a run measured: losses per epoch and per step, the learning rate per step, time.

    >>> history = History(train_loss=[0.9, 0.5])
    >>> history.train_loss[-1], history.val_loss, history.seconds
    (0.5, [], 0.0)
    """

    train_loss: list = field(default_factory=list)   # mean training loss of each epoch
    val_loss: list = field(default_factory=list)     # validation loss after each epoch
    val_accuracy: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)    # training loss of every optimizer step
    lr: list = field(default_factory=list)           # learning rate (first parameter group) per step
    seconds: float = 0.0


def _autocast(device, amp: bool):
    import torch

    from helpers.device import autocast_dtype, detect

    dtype = autocast_dtype(detect()) if amp and device.type == "cuda" else None
    if dtype is None:
        return contextlib.nullcontext(), None
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return torch.autocast("cuda", dtype=dtype), scaler


@dataclass
class Evaluation:
    """What one pass over a loader measured: true and predicted classes, mean loss, accuracy.

    >>> import numpy as np
    >>> Evaluation(y_true=np.array([0, 1]), y_pred=np.array([0, 0]), loss=None, accuracy=0.5).accuracy
    0.5
    """

    y_true: object     # NumPy array
    y_pred: object     # NumPy array
    loss: float | None  # mean loss per example (None without a `loss_fn`)
    accuracy: float


def evaluate(model, loader, loss_fn=None, device=None) -> Evaluation:
    """Run `model` over `loader` without gradients, in `eval()` mode: the course's one evaluation loop.

    >>> import torch, torch.nn as nn
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(torch.randn(10, 4), torch.zeros(10, dtype=torch.long)), batch_size=4)
    >>> result = evaluate(nn.Linear(4, 2), loader, loss_fn=nn.CrossEntropyLoss())
    >>> len(result.y_pred), result.loss > 0
    (10, True)
    """
    import numpy as np
    import torch

    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    truth, predicted, total_loss = [], [], 0.0
    with torch.no_grad():
        for inputs, targets in loader:
            outputs = model(inputs.to(device))
            if loss_fn is not None:
                total_loss += loss_fn(outputs, targets.to(device)).item() * len(targets)
            predicted.append(outputs.argmax(1).cpu())
            truth.append(targets.cpu())
    y_true, y_pred = torch.cat(truth).numpy(), torch.cat(predicted).numpy()
    seen = max(len(y_true), 1)
    return Evaluation(y_true=y_true, y_pred=y_pred, loss=total_loss / seen if loss_fn is not None else None,
                      accuracy=float(np.mean(y_true == y_pred)) if len(y_true) else 0.0)


def predict(model, loader, device=None):
    """Return `(y_true, y_pred)` as NumPy arrays for every example in `loader` (see `evaluate`).

    >>> import torch, torch.nn as nn
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> y_true, y_pred = predict(nn.Linear(4, 3), DataLoader(TensorDataset(torch.randn(5, 4), torch.ones(5, dtype=torch.long))))
    >>> y_true.tolist(), y_pred.shape
    ([1, 1, 1, 1, 1], (5,))
    """
    result = evaluate(model, loader, device=device)
    return result.y_true, result.y_pred


def fit(model, loader, optimizer, *, epochs: int, loss_fn=None, scheduler=None, val_loader=None,
        device=None, amp: bool = True, checkpoint: str | Path | None = None,
        progress: bool = True, description: str = "train", frozen_bn_eval: bool = True) -> History:
    """Train `model` for `epochs`; step `scheduler` after every batch; return the `History`.

    With `checkpoint`, the model, optimizer, scheduler and history are saved after every epoch,
    and a later call with the same path resumes after the last finished epoch. Batch-norm layers
    whose parameters are all frozen stay in eval mode, so their running statistics stay frozen too
    (`frozen_bn_eval=False` lets them update, as `model.train()` alone would).

    >>> import tempfile, torch, torch.nn as nn
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> data = DataLoader(TensorDataset(torch.randn(32, 4), torch.randint(0, 2, (32,))), batch_size=8)
    >>> net = nn.Linear(4, 2)
    >>> optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    >>> path = Path(tempfile.mkdtemp()) / "run.pt"
    >>> _ = fit(net, data, optimizer, epochs=1, val_loader=data, checkpoint=path, progress=False)
    >>> history = fit(net, data, optimizer, epochs=2, val_loader=data, checkpoint=path, progress=False)  # doctest: +ELLIPSIS
    Resumed from .../run.pt after epoch 1 of 2.
    >>> len(history.train_loss), len(history.val_accuracy), len(history.step_loss)
    (2, 2, 8)
    """
    import torch
    from tqdm.auto import tqdm

    device = torch.device(device) if device is not None else next(model.parameters()).device
    loss_fn = loss_fn or torch.nn.CrossEntropyLoss()
    model.to(device)
    history, first_epoch = History(), 0
    if checkpoint is not None and Path(checkpoint).exists():
        state = checkpoints.load(checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler"):
            scheduler.load_state_dict(state["scheduler"])
        history, first_epoch = History(**state["history"]), state["epoch"]
        print(f"Resumed from {checkpoint} after epoch {first_epoch} of {epochs}.")
    autocast, scaler = _autocast(device, amp)
    started = time.perf_counter() - history.seconds
    for epoch in range(first_epoch, epochs):
        model.train()
        if frozen_bn_eval:
            frozen_batchnorm_to_eval(model)
        losses = []
        bar = tqdm(loader, desc=f"{description} epoch {epoch + 1}/{epochs}", disable=not progress, leave=False)
        for inputs, targets in bar:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad(set_to_none=True)
            with autocast:
                loss = loss_fn(model(inputs), targets)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            history.lr.append(optimizer.param_groups[0]["lr"])
            if scheduler is not None:
                scheduler.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
        history.step_loss += losses
        history.train_loss.append(sum(losses) / max(len(losses), 1))
        if val_loader is not None:
            checked = evaluate(model, val_loader, loss_fn, device)
            history.val_loss.append(checked.loss)
            history.val_accuracy.append(checked.accuracy)
        history.seconds = time.perf_counter() - started
        if checkpoint is not None:
            checkpoints.save(checkpoint, model=model.state_dict(), optimizer=optimizer.state_dict(),
                             scheduler=scheduler.state_dict() if scheduler is not None else None,
                             history=asdict(history), epoch=epoch + 1)
    return history
