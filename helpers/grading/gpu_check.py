"""The GPU check: every solution notebook in smoke on CUDA, with what each ran on (``make gpu-check``).

    python -m helpers gpu-check          # on a machine with an NVIDIA GPU; no network needed

Each notebook runs once (seed 0) with a probe cell added at the end that asks the kernel what
it used: the device `helpers.detect_device()` chose, the mixed-precision dtype, the peak CUDA
memory, and whether each trainer it holds (Hugging Face `Trainer`, fastai `Learner`,
Ultralytics `YOLO`) trained with AMP. A notebook fails the check when a cell fails, when it
ran on the CPU (no CUDA memory allocated: a hidden fallback) unless it is listed in `CPU_ONLY`,
or when a trainer ran without AMP. The whole check stops starting notebooks after `--budget`
seconds (default 450, so it ends in under 8 minutes). Without CUDA it skips and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from helpers.config import repo_root
from helpers.grading.bench import run_once

# Notebooks whose work is CPU-bound by design, with the reason shown in the table.
CPU_ONLY = {"04_autogluon_tabular": "AutoGluon's tree models (LightGBM, CatBoost) train on the CPU in smoke"}

PROBE = '''
import json as _json, torch as _torch
from helpers.device import autocast_dtype as _amp_dtype, detect as _detect
def _amp_of(value):
    kind = type(value).__name__
    if kind == "Trainer" and hasattr(value, "args"):
        return bool(value.args.bf16 or value.args.fp16)
    if kind == "Learner":
        return any(type(cb).__name__ == "MixedPrecision" for cb in value.cbs)
    if kind == "YOLO" and getattr(value, "trainer", None) is not None:
        return bool(getattr(value.trainer, "amp", False))
    return None
_amp = {name: used for name, value in list(globals().items()) if not name.startswith("_")
        if (used := _amp_of(value)) is not None}
print(_json.dumps({"device": _detect().kind, "amp_dtype": str(_amp_dtype()).replace("torch.", ""),
                   "cuda_peak_mb": round(_torch.cuda.max_memory_allocated() / 2**20, 1) if _torch.cuda.is_available() else 0.0,
                   "amp": _amp}))
'''


def verdict(name: str, run: dict) -> list[str]:
    """What is wrong with one notebook's GPU run (an empty list when nothing is).

    >>> run = {"errors": [], "probe": {"device": "cuda", "cuda_peak_mb": 0.0, "amp": {"trainer": False}}}
    >>> verdict("02_bert_text_classification", run)
    ['ran on the CPU: no CUDA memory was allocated', 'trained without AMP: trainer']
    >>> verdict("04_autogluon_tabular", {"errors": [], "probe": {"device": "cuda", "cuda_peak_mb": 0.0, "amp": {}}})
    []
    """
    problems = [f"cell {e['cell']} failed: {e['error']}" for e in run["errors"][:2]]
    probe = run.get("probe")
    if not probe:
        return problems + ["the probe cell did not report (the kernel died?)"]
    if probe["device"] != "cuda":
        problems.append(f"helpers.detect_device() chose {probe['device']}, not cuda")
    if probe["cuda_peak_mb"] <= 0 and name not in CPU_ONLY:
        problems.append("ran on the CPU: no CUDA memory was allocated")
    without = sorted(trainer for trainer, used in probe["amp"].items() if not used)
    if without:
        problems.append("trained without AMP: " + ", ".join(without))
    return problems


def table(rows: list[dict]) -> str:
    """The check as a Markdown table.

    >>> print(table([{"notebook": "00_setup", "seconds": 6.1, "probe": {"device": "cuda", "amp_dtype": "bfloat16",
    ...               "cuda_peak_mb": 12.5, "amp": {}}, "problems": []}]).splitlines()[2])
    | 00_setup | 6.1 | cuda | bfloat16 | 12.5 |  | ok |
    """
    lines = ["| notebook | seconds | device | AMP dtype | peak CUDA MB | AMP per trainer | verdict |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        probe = row.get("probe") or {"device": "?", "amp_dtype": "?", "cuda_peak_mb": "?", "amp": {}}
        amp = ", ".join(f"{name} {'✓' if used else '✗'}" for name, used in probe["amp"].items())
        note = CPU_ONLY.get(row["notebook"], "")
        verdict_text = "; ".join(row["problems"]) or ("ok" + (f" ({note})" if note else ""))
        lines.append(f"| {row['notebook']} | {row['seconds']} | {probe['device']} | {probe['amp_dtype']} | "
                     f"{probe['cuda_peak_mb']} | {amp} | {verdict_text} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the GPU check; 0 when every notebook ran right on CUDA (or when there is no GPU to check).

    >>> from unittest import mock
    >>> with mock.patch("torch.cuda.is_available", return_value=False):
    ...     main([])  # doctest: +ELLIPSIS
    No CUDA GPU here (torch.cuda.is_available() is False): the GPU check skips. ...
    0
    """
    parser = argparse.ArgumentParser(prog="helpers gpu-check", description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="*", help="solution names to run (default: all)")
    parser.add_argument("--budget", type=float, default=450, help="seconds after which no new notebook starts")
    parser.add_argument("--out", default="bench-results", help="folder for gpu-check.md")
    options = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("No CUDA GPU here (torch.cuda.is_available() is False): the GPU check skips. "
              "Run `make gpu-check` on a machine with an NVIDIA GPU.")
        return 0
    paths = [p for p in sorted((repo_root() / "solutions").glob("*.ipynb"))
             if not options.notebooks or p.stem in options.notebooks]
    started, rows = time.monotonic(), []
    for path in paths:
        if time.monotonic() - started > options.budget:
            rows.append({"notebook": path.stem, "seconds": 0, "probe": None,
                         "problems": [f"not run: the check's {options.budget:.0f} s were used up"]})
            continue
        run = run_once(path, seed=0, probe=PROBE)
        rows.append({"notebook": path.stem, "seconds": run["seconds"], "probe": run["probe"],
                     "problems": verdict(path.stem, run)})
        print(f"{path.stem}: {run['seconds']} s, {'; '.join(rows[-1]['problems']) or 'ok'}", flush=True)
    text = f"GPU check on {torch.cuda.get_device_name(0)}, {time.monotonic() - started:.0f} s in all\n\n" + table(rows)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu-check.md").write_text(text)
    print(text)
    return 0 if all(not row["problems"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
