"""Freeze and unfreeze parts of a model by module name or by depth; count what will train.

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> freeze(net); unfreeze(net, "2"); count_parameters(net)
    18
"""

from __future__ import annotations


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return not prefixes or any(name == p or name.startswith(p + ".") for p in prefixes)


def _set(model, prefixes: tuple[str, ...], trainable: bool) -> None:
    found = False
    for name, parameter in model.named_parameters():
        if _matches(name, prefixes):
            parameter.requires_grad_(trainable)
            found = True
    if not found:
        top = ", ".join(name for name, _ in model.named_children())
        raise ValueError(f"No parameters under {', '.join(prefixes)}; the model's top-level modules are: {top}.")


def freeze(model, *prefixes: str) -> None:
    """Stop gradients for the modules named by `prefixes` (e.g. "layer1"), or the whole model.

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> freeze(net, "0"); count_parameters(net)
    18
    >>> freeze(net); count_parameters(net)
    0
    """
    _set(model, prefixes, False)


def unfreeze(model, *prefixes: str) -> None:
    """Let the modules named by `prefixes` train again (all of the model when none are given).

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> freeze(net); unfreeze(net, "0"); count_parameters(net)
    40
    >>> unfreeze(net); count_parameters(net)
    58
    """
    _set(model, prefixes, True)


def frozen_batchnorm_to_eval(model) -> list[str]:
    """Put every batch-norm layer whose parameters are all frozen in eval mode; return their names.

    `requires_grad=False` stops gradients, not a batch-norm layer's running mean and variance:
    in training mode it keeps updating them from each batch. Call this after `model.train()`.

    >>> import torch, torch.nn as nn
    >>> net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))
    >>> freeze(net, "0", "1"); _ = net.train(); frozen_batchnorm_to_eval(net)
    ['1']
    >>> _ = net(torch.randn(2, 3, 1, 1)); net[1].running_mean.tolist()  # unchanged by the batch
    [0.0, 0.0, 0.0, 0.0]
    """
    from torch.nn.modules.batchnorm import _BatchNorm

    names = []
    for name, module in model.named_modules():
        parameters = list(module.parameters())
        if isinstance(module, _BatchNorm) and parameters and not any(p.requires_grad for p in parameters):
            module.eval()
            names.append(name)
    return names


def top_level_with_parameters(model) -> list[str]:
    """Names of the model's top-level modules that hold parameters, input side first.

    >>> import torch.nn as nn
    >>> top_level_with_parameters(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
    ['0', '2']
    """
    return [name for name, child in model.named_children() if any(True for _ in child.parameters())]


def unfreeze_last(model, depth: int) -> list[str]:
    """Unfreeze the last `depth` top-level modules that have parameters; return their names.

    For a torchvision ResNet, depth 1 is `fc`, depth 2 adds `layer4`, and so on.

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)); freeze(net)
    >>> unfreeze_last(net, 1), count_parameters(net)
    (['2'], 18)
    """
    names = top_level_with_parameters(model)[-depth:] if depth > 0 else []
    if names:
        unfreeze(model, *names)
    return names


def param_groups(model, learning_rates: dict[str, float]) -> list[dict]:
    """Optimizer parameter groups with one learning rate per module prefix.

    Every trainable parameter must fall under exactly one prefix (the longest one that matches
    wins); frozen parameters are left out. ``{"": 1e-4, "fc": 1e-3}`` gives the whole model 1e-4
    and the head 1e-3.

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    >>> [(len(g["params"]), g["lr"]) for g in param_groups(net, {"": 0.01, "1": 0.1})]
    [(2, 0.01), (2, 0.1)]
    """
    groups: dict[str, list] = {prefix: [] for prefix in learning_rates}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        matching = [p for p in learning_rates if p == "" or _matches(name, (p,))]
        if not matching:
            raise ValueError(f"Parameter {name} matches none of {list(learning_rates)}; add a prefix (or '' for the rest).")
        groups[max(matching, key=len)].append(parameter)
    return [{"params": params, "lr": learning_rates[prefix]} for prefix, params in groups.items() if params]


def count_parameters(model, trainable_only: bool = True) -> int:
    """Number of parameters (only those that will train, unless `trainable_only=False`).

    >>> import torch.nn as nn
    >>> net = nn.Linear(4, 2); freeze(net)
    >>> count_parameters(net), count_parameters(net, trainable_only=False)
    (0, 10)
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def trainable_table(model):
    """A pandas table of each top-level module's parameters and how many will train.

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)); freeze(net, "0")
    >>> trainable_table(net).to_dict("index")
    {'0': {'parameters': 40, 'trainable': 0}, '2': {'parameters': 18, 'trainable': 18}}
    """
    import pandas as pd

    rows = []
    for name, child in model.named_children():
        total = sum(p.numel() for p in child.parameters())
        if total:
            rows.append({"module": name, "parameters": total,
                         "trainable": sum(p.numel() for p in child.parameters() if p.requires_grad)})
    return pd.DataFrame(rows).set_index("module")
