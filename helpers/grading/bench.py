"""The smoke benchmark: every solution notebook on several seeds, its time, its course checks, its numbers.

    python -m helpers bench                       # seeds 0-4, writes bench-results/bench.{md,json}
    python -m helpers bench --seeds 0 --notebooks 00_setup

Exits 1 when a notebook goes over its budget (60 s a lab, 120 s a project, on 2 cores) or any
course check — an instructor-only cell that is not a hidden check or a rubric — fails on any seed.

    >>> budget_s("05_fastai_domain_images"), budget_s("P1_speech_accent")
    (60, 120)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from unittest import mock

from helpers.config import repo_root
from helpers.files import scratch_folder
from helpers.grading import format as authoring

PROJECT_FACTOR = 2  # a Zero-to-Hero project (``P…``) may take twice a lab's smoke budget


def budget_s(notebook: str) -> int:
    """Seconds a notebook may take in smoke: the smoke profile's budget for a lab, twice it for a project.

    >>> budget_s("00_setup")
    60
    """
    from helpers.profile import get

    lab = get("smoke").notebook_budget_s
    return lab * PROJECT_FACTOR if notebook.startswith("P") else lab


def with_seed(nb, seed: int):
    """Append ``SEED = seed`` to the notebook's ``parameters`` cell, as papermill would.

    >>> import nbformat.v4 as v4
    >>> nb = with_seed(v4.new_notebook(cells=[v4.new_code_cell("SEED = 0", metadata={"tags": ["parameters"]})]), 3)
    >>> nb.cells[0].source.splitlines()[-1]
    'SEED = 3  # injected by the bench'
    """
    for cell in nb.cells:
        if "parameters" in authoring.tags(cell):
            cell.source += f"\nSEED = {seed}  # injected by the bench"
            return nb
    raise ValueError("the notebook has no cell tagged 'parameters'")


def cell_seconds(cell) -> float:
    """Seconds a cell took, from the timestamps nbclient records in its metadata.

    >>> cell_seconds({"metadata": {"execution": {"iopub.execute_input": "2026-12-01T10:00:00.5Z",
    ...                                          "shell.execute_reply": "2026-12-01T10:00:02.0Z"}}})
    1.5
    """
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    return round((parse(end) - parse(start)).total_seconds(), 2)


def numbers(value, prefix: str = "") -> dict[str, float]:
    """Every number in a results file, flattened to ``{"a.b": 0.5}`` (booleans and text left out).

    >>> numbers({"comparison": {"fine_tune": {"accuracy": 0.5}}, "profile": "smoke", "seed": 2})
    {'comparison.fine_tune.accuracy': 0.5, 'seed': 2}
    """
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(numbers(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {prefix: value}
    return {}


def run_once(path: Path, seed: int, cell_timeout: float = 300, probe: str | None = None) -> dict:
    """Execute one solution notebook in smoke with `seed`; return its time, failures and recorded numbers.

    A `probe` cell, when given, runs last; the JSON it prints is returned as ``run["probe"]``
    (``make gpu-check`` asks the kernel what it ran on this way).

    >>> import nbformat, nbformat.v4 as v4, tempfile
    >>> nb = v4.new_notebook(cells=[v4.new_code_cell("SEED = 0", metadata={"tags": ["parameters"]}),
    ...     v4.new_code_cell("import helpers; helpers.start('demo', seed=SEED, report=False); helpers.record('twice', 2 * SEED)")])
    >>> path = Path(tempfile.mkdtemp()) / "demo.ipynb"; nbformat.write(nb, path)
    >>> run = run_once(path, seed=3)
    >>> run["errors"], run["numbers"]["twice"], run["probe"]
    ([], 6, None)

    A cell that runs past `cell_timeout` ends this run, not the bench: it is named among the errors.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = with_seed(nbformat.read(path, as_version=4), seed)
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(probe))
    workdir = scratch_folder(f"bench-{path.stem}-{seed}")  # removed when the bench exits
    environment = {"COURSE_PROFILE": "smoke", "COURSE_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "YOLO_OFFLINE": "1",
                   "COURSE_RESULTS_DIR": str(workdir), "TQDM_DISABLE": "1", "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    stopped, current = None, [None]
    with mock.patch.dict(os.environ, environment):  # the kernel inherits it; this process gets its own back
        try:
            NotebookClient(nb, timeout=cell_timeout, allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": str(workdir)}},
                           on_cell_start=lambda cell, cell_index: current.__setitem__(0, cell_index)).execute()
        except (CellTimeoutError, DeadKernelError) as problem:  # this run stops here; the bench goes on
            stopped = (current[0], f"{type(problem).__name__}: {str(problem).splitlines()[0][:200]}")
    seconds = round(time.perf_counter() - started, 1)
    errors, checks = [], []
    for index, cell in enumerate(nb.cells):
        failed = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        finished = not stopped or index < stopped[0]
        if authoring.is_course_check(cell):
            checks.append({"cell": index, "held": finished and not failed})
        if stopped and index == stopped[0]:
            errors.append({"cell": index, "error": stopped[1]})
        elif failed:
            errors.append({"cell": index, "error": f"{failed[0]['ename']}: {failed[0]['evalue'][:200]}"})
    results = workdir / f"{nb.metadata.get('course', {}).get('lab', path.stem)}.results.json"
    timed = sorted(((cell_seconds(c), i) for i, c in enumerate(nb.cells) if c.cell_type == "code"), reverse=True)
    probed = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", [])) if probe else ""
    return {"seed": seed, "seconds": seconds, "errors": errors, "checks": checks,
            "probe": json.loads(probed.strip().splitlines()[-1]) if probed.strip() else None,
            "slowest_cells": [{"cell": i, "seconds": s} for s, i in timed[:3]],
            "numbers": numbers(json.loads(results.read_text())) if results.exists() else {}}


def summarize(name: str, runs: list[dict]) -> dict:
    """One notebook's row: median and max seconds, checks held per seed, each number's min–max, verdict.

    >>> row = summarize("00_setup", [{"seed": 0, "seconds": 10.0, "errors": [], "checks": [], "slowest_cells": [],
    ...                               "numbers": {"steps": 4}}])
    >>> row["median_s"], row["ok"], row["ranges"]
    (10.0, True, {'steps': [4, 4]})
    """
    seconds = [run["seconds"] for run in runs]
    keys = sorted({key for run in runs for key in run["numbers"]} - {"seed"})
    ranges = {key: [min(v), max(v)] for key in keys
              if (v := [run["numbers"][key] for run in runs if key in run["numbers"]])}
    problems = [f"seed {run['seed']}: {len(run['errors'])} failed cell(s), first {run['errors'][0]}"
                for run in runs if run["errors"]]
    if max(seconds) > budget_s(name):
        problems.append(f"max {max(seconds)} s is over the budget of {budget_s(name)} s")
    return {"notebook": name, "budget_s": budget_s(name), "median_s": statistics.median(seconds),
            "max_s": max(seconds), "checks_held": {run["seed"]: all(c["held"] for c in run["checks"]) for run in runs},
            "slowest_cells": max(runs, key=lambda run: run["seconds"])["slowest_cells"],
            "ranges": ranges, "problems": problems, "ok": not problems}


def markdown(rows: list[dict]) -> str:
    """The benchmark as a Markdown table, one row per notebook, then each notebook's number ranges.

    >>> print(markdown([{"notebook": "00_setup", "median_s": 9.5, "max_s": 10.0, "budget_s": 60,
    ...                  "checks_held": {0: True}, "slowest_cells": [], "ranges": {}, "ok": True}]).splitlines()[2])
    | 00_setup | 9.5 | 10.0 | 60 | 0 ✓ |  | ok |
    """
    lines = ["| notebook | median s | max s | budget s | course checks per seed | slowest cells (s) | verdict |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        held = " ".join(f"{seed} {'✓' if ok else '✗'}" for seed, ok in row["checks_held"].items())
        slow = ", ".join(f"cell {c['cell']}: {c['seconds']}" for c in row["slowest_cells"])
        lines.append(f"| {row['notebook']} | {row['median_s']} | {row['max_s']} | {row['budget_s']} | {held} | {slow} | "
                     f"{'ok' if row['ok'] else 'FAIL'} |")
    for row in rows:
        spread = [f"{key} {low:g}–{high:g}" for key, (low, high) in row["ranges"].items()]
        if spread:
            lines += ["", f"**{row['notebook']}** (min–max over seeds): " + "; ".join(spread)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``bench.md`` and ``bench.json``; 1 if any notebook failed or was slow.

    >>> main(["--notebooks", "00_setpu"])
    unknown notebook(s): 00_setpu (choose from solutions/: 00_setup, 01_resnet_transfer_learning, …)
    2
    """
    parser = argparse.ArgumentParser(prog="helpers bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default 0-4)")
    parser.add_argument("--notebooks", nargs="*", help="solution names to run (default: all)")
    parser.add_argument("--out", default="bench-results", help="folder for bench.md and bench.json")
    options = parser.parse_args(argv)
    seeds = [int(s) for s in options.seeds.split(",")]
    paths = sorted((repo_root() / "solutions").glob("*.ipynb"))
    unknown = sorted(set(options.notebooks or []) - {p.stem for p in paths})
    if unknown:
        print(f"unknown notebook(s): {', '.join(unknown)} (choose from solutions/: "
              f"{', '.join(p.stem for p in paths[:2])}, …)")
        return 2
    paths = [p for p in paths if not options.notebooks or p.stem in options.notebooks]
    rows = []
    for path in paths:
        runs = []
        for seed in seeds:
            runs.append(run_once(path, seed))
            print(f"{path.stem} seed {seed}: {runs[-1]['seconds']} s, {len(runs[-1]['errors'])} failed cell(s)", flush=True)
        rows.append({**summarize(path.stem, runs), "runs": runs})  # per-seed numbers kept in bench.json
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps({"seeds": seeds, "rows": rows}, indent=1))
    (out / "bench.md").write_text(markdown(rows))
    print(markdown(rows))
    for row in rows:
        for problem in row["problems"]:
            print(f"FAIL {row['notebook']}: {problem}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
