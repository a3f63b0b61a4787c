"""`make bench`: one notebook run that goes wrong is reported, and the bench goes on."""

import nbformat

from helpers.grading import bench


def test_a_cell_past_its_timeout_ends_the_run_not_the_bench(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("SEED = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import time\ntime.sleep(30)"),
        nbformat.v4.new_code_cell("assert True", metadata={"tags": ["instructor-only"]})])
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    run = bench.run_once(path, seed=0, cell_timeout=2)
    assert [e["cell"] for e in run["errors"]] == [1] and "CellTimeoutError" in run["errors"][0]["error"]
    assert run["checks"] == [{"cell": 2, "held": False}]  # a course check that never ran did not hold
