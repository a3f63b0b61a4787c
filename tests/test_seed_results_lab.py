import json
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from helpers import lab, results
from helpers.profile import UnknownProfileError
from helpers.seed import generator, seed_worker, set_seed


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_set_seed_repeats_every_generator():
    set_seed(7)
    first = draws()
    set_seed(7)
    assert draws() == first
    set_seed(8)
    assert draws() != first


def test_seeded_dataloader_shuffles_the_same_way():
    def order():
        loader = torch.utils.data.DataLoader(range(20), shuffle=True, generator=generator(3),
                                             worker_init_fn=seed_worker)
        return [int(x) for x in loader]
    assert order() == order()


def test_record_writes_a_json_sidecar(results_dir):
    results.use("lab01", folder=results_dir)
    results.record("accuracy", np.float32(0.5))
    results.record("curve", torch.tensor([1.0, 2.0]))
    results.record("accuracy", 0.75)
    stored = json.loads((results_dir / "lab01.results.json").read_text())
    assert stored == {"accuracy": 0.75, "curve": [1.0, 2.0]}
    assert results.load("lab01", folder=results_dir)["accuracy"] == 0.75


def test_record_defaults_to_results_dir_env(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    results.use("lab02")
    results.record("x", float("nan"))
    assert json.loads((tmp_path / "lab02.results.json").read_text()) == {"x": "nan"}


def test_start_sets_profile_and_records_it(results_dir, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    chosen = lab.start("demo", profile_name="cpu", report=True)
    assert chosen.name == "cpu"
    assert results.load("demo", folder=results_dir) == {"profile": "cpu", "seed": 0}
    assert "Profile 'cpu'" in capsys.readouterr().out


def test_start_rejects_unknown_profile(results_dir):
    with pytest.raises(UnknownProfileError, match="choose one of full, cpu, smoke"):
        lab.start("demo", profile_name="gpu")


def test_import_helpers_is_fast_and_lazy():
    code = ("import time, sys; t = time.perf_counter(); import helpers; "
            "print(time.perf_counter() - t, 'torch' in sys.modules)")
    seconds, torch_loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout.split()
    assert torch_loaded == "False", "import helpers must not import torch"
    assert float(seconds) < 0.5
