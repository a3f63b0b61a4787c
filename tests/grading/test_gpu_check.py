"""`make gpu-check`: skips cleanly on a CPU; on CUDA it fails a notebook that fell back to the CPU."""

from unittest import mock

import nbformat
import nbformat.v4 as v4

from helpers.grading import bench, gpu_check


def test_skips_cleanly_without_cuda(capsys, tmp_path):
    with mock.patch("torch.cuda.is_available", return_value=False):
        assert gpu_check.main(["--out", str(tmp_path)]) == 0
    assert "the GPU check skips" in capsys.readouterr().out
    assert not (tmp_path / "gpu-check.md").exists()


def test_probe_reports_what_the_kernel_ran_on(tmp_path):
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("SEED = 0", metadata={"tags": ["parameters"]}),
        v4.new_code_cell("import helpers; helpers.start('demo', seed=SEED, report=False)"),
    ])
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    run = bench.run_once(path, seed=0, probe=gpu_check.PROBE)
    assert run["errors"] == []
    assert run["probe"]["device"] == "cpu" and run["probe"]["cuda_peak_mb"] == 0.0 and run["probe"]["amp"] == {}
    assert gpu_check.verdict("01_resnet_transfer_learning", run) == [
        "helpers.detect_device() chose cpu, not cuda", "ran on the CPU: no CUDA memory was allocated"]


def test_on_cuda_a_hidden_cpu_fallback_fails_the_check(tmp_path, capsys):
    runs = {
        "00_setup": {"seconds": 5.0, "errors": [], "probe": {"device": "cuda", "amp_dtype": "bfloat16",
                                                            "cuda_peak_mb": 40.0, "amp": {}}},
        "02_bert_text_classification": {"seconds": 9.0, "errors": [], "probe": {
            "device": "cuda", "amp_dtype": "bfloat16", "cuda_peak_mb": 0.0, "amp": {"trainer": True}}},
    }
    fake = lambda path, seed, probe: runs[path.stem]  # noqa: E731
    with mock.patch("torch.cuda.is_available", return_value=True), \
            mock.patch("torch.cuda.get_device_name", return_value="Fake GPU"), \
            mock.patch.object(gpu_check, "run_once", side_effect=fake):
        code = gpu_check.main(["--notebooks", *runs, "--out", str(tmp_path)])
    assert code == 1
    report = (tmp_path / "gpu-check.md").read_text()
    assert "| 00_setup | 5.0 | cuda | bfloat16 | 40.0 |  | ok |" in report
    assert "ran on the CPU: no CUDA memory was allocated" in report and "Fake GPU" in report
