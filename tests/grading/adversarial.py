"""The adversarial submission corpus: each case, how it is made, and the score it must get.

Cases are built from the current setup lab (00_setup: exercises `steps` and `device`, 2 points
each), so they stay valid when that lab changes; malformed files live in fixtures/adversarial/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.config import repo_root

ROOT = repo_root()
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "adversarial"
LAB = "00_setup"
FULL = 4.0


def solution():
    return nbformat.read(ROOT / "solutions" / f"{LAB}.ipynb", as_version=4)


def lab():
    return nbformat.read(ROOT / "labs" / f"{LAB}.ipynb", as_version=4)


def solved_code(exercise: str) -> str:
    cell = next(c for c in solution().cells if f"exercise:{exercise}" in c.metadata.get("tags", []))
    return "\n".join(line for line in cell.source.splitlines() if "SOLUTION" not in line)


def answer(nb, exercise: str, source: str):
    for cell in nb.cells:
        if f"exercise:{exercise}" in cell.metadata.get("tags", []):
            cell.source = source
    return nb


def solved(*exercises: str):
    nb = lab()
    for exercise in exercises:
        answer(nb, exercise, solved_code(exercise))
    return nb


def lab_cell(exercise: str) -> str:
    return next(c.source for c in lab().cells if f"exercise:{exercise}" in c.metadata.get("tags", []))


READ_SOLUTIONS = '''
import json, pathlib
import helpers
try:
    notebook = pathlib.Path(helpers.__file__).resolve().parents[1] / "solutions" / "00_setup.ipynb"
    for cell in json.loads(notebook.read_text())["cells"]:
        if "exercise:steps" in cell["metadata"].get("tags", []):
            exec("".join(cell["source"]))
except OSError:
    pass
'''

READ_CLASSMATE = '''
import glob, json
for path in glob.glob("/tmp/pytest-of-*/**/full_solution.ipynb", recursive=True)[:1]:
    for cell in json.load(open(path))["cells"]:
        if "exercise:steps" in cell["metadata"].get("tags", []):
            exec("".join(cell["source"]))
'''

DETACHED_MARKER = "98.75"  # `sleep 98.75`: no other process on the machine runs it
DETACHED = f"import subprocess\nsubprocess.Popen(['sleep', '{DETACHED_MARKER}'], start_new_session=True)\n"

LYING_INT = '''
class Always(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__


def optimizer_steps(n_examples, batch_size, epochs):
    return Always(0)
'''


def with_public_checks_faked():
    nb = lab()
    for cell in nb.cells:
        if cell.cell_type == "code" and "helpers.check(" in cell.source:
            cell.source = 'print("✓ 100 examples, batches of 32, 1 epoch → 4 steps")'
    return nb


def without_metadata():
    nb = solved("steps", "device")
    del nb.metadata["course"]
    return nb


def unknown_lab():
    nb = solved("steps", "device")
    nb.metadata["course"]["lab"] = "99_not_a_lab"
    return nb


def only_exercise_cells():
    nb = solved("steps", "device")
    nb.cells = [c for c in nb.cells if any(t.startswith("exercise:") for t in c.metadata.get("tags", []))]
    return nb


def exercise_deleted():
    nb = solved("steps", "device")
    nb.cells = [c for c in nb.cells if "exercise:steps" not in c.metadata.get("tags", [])]
    return nb


def reversed_cells(nb):
    nb.cells = list(reversed(nb.cells))
    return nb


def tags_removed():
    nb = solved("steps", "device")
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    return nb


def huge():
    nb = lab()
    nb.cells[0].source += "\n" + "x" * 21_000_000
    return nb


TRANSFORMER = '''
def _erase(lines):
    return ["pass\\n"]
get_ipython().input_transformers_post.append(_erase)
'''
AST_STRIPPER = '''
import ast
class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(_NoAsserts())
'''
SWALLOW = '''
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
'''
FAKE_FILES = '''
import json, pathlib
for folder in (pathlib.Path("."), pathlib.Path("..")):
    for name in ("00_setup.results.json", "results.json", "grades.csv"):
        try:
            (folder / name).write_text(json.dumps({"score": 4, "steps": 2, "device": 2}))
        except OSError:
            pass
'''
FAKE_REPORT = '''
import os
os.write(1, b'{"payload": "{\\\\"cells\\\\": [], \\\\"hidden\\\\": [], \\\\"notes\\\\": []}", "signature": "0"}')
'''


@dataclass
class Case:
    name: str
    expected: float
    why: str
    make: object = None          # () -> notebook; or None with `fixture`
    fixture: str | None = None   # a file in fixtures/adversarial/
    problem: str = ""            # a word the problem column must contain
    sandbox_only: bool = False   # the expected score holds only inside the grading sandbox

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.ipynb"
        if self.fixture:
            path.write_bytes((FIXTURES / self.fixture).read_bytes())
        else:
            nbformat.write(self.make(), path)
        return path


CASES = [
    Case("full_solution", FULL, "the solution itself", lambda: solved("steps", "device")),
    Case("untouched", 0, "the lab as handed out", lab),
    Case("partial_steps_only", 2, "one of two exercises done", lambda: solved("steps")),
    Case("invalid_json", 0, "truncated JSON", fixture="invalid_json.ipynb", problem="invalid JSON"),
    Case("empty_file", 0, "an empty file", fixture="empty.ipynb", problem="invalid JSON"),
    Case("binary_garbage", 0, "random bytes", fixture="binary_garbage.ipynb", problem="readable"),
    Case("nbformat3", 0, "an nbformat 3 notebook", fixture="nbformat3.ipynb", problem="nbformat 3"),
    Case("json_list", 0, "JSON that is not a notebook", fixture="not_a_notebook.ipynb", problem="format"),
    Case("missing_metadata", 0, "course metadata deleted", without_metadata, problem="metadata"),
    Case("unknown_lab", 0, "metadata names another lab", unknown_lab, problem="unknown lab"),
    Case("huge_file", 0, "over 20 MB", huge, problem="20 MB"),
    Case("redefine_check", 0, "helpers.check redefined to always pass",
         lambda: answer(lab(), "steps", "import helpers\nhelpers.check = lambda *a, **k: print('✓ passed')\n" + lab_cell("steps"))),
    Case("edited_visible_checks", 0, "public check cells replaced by ✓ prints", with_public_checks_faked),
    Case("fake_results_file", 0, "writes results/grades files in its folder and above",
         lambda: answer(lab(), "steps", FAKE_FILES + lab_cell("steps"))),
    Case("prints_passed", 0, "prints PASSED and ✓ lines",
         lambda: answer(lab(), "steps", "print('PASSED 4/4')\nprint('✓ all hidden tests passed')\n" + lab_cell("steps"))),
    Case("fake_report_on_stdout", 0, "writes a fake grader report to file descriptor 1",
         lambda: answer(lab(), "steps", FAKE_REPORT + lab_cell("steps"))),
    Case("sys_exit", 2, "sys.exit() in the device cell; steps solved",
         lambda: answer(solved("steps"), "device", "import sys\nsys.exit(0)\n" + solved_code("device"))),
    Case("os_exit", 2, "os._exit() kills the kernel in the device cell; steps solved",
         lambda: answer(solved("steps"), "device", "import os\nos._exit(0)\n" + solved_code("device"))),
    Case("kill_kernel", 2, "SIGKILL to the kernel in the steps cell; device solved",
         lambda: answer(solved("device"), "steps", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n" + solved_code("steps"))),
    Case("infinite_loop", 2, "while True in the steps cell; device solved",
         lambda: answer(solved("device"), "steps", "while True:\n    pass\n" + solved_code("steps"))),
    Case("sleep_forever", 2, "a blocking C call (sleep) in the steps cell; device solved",
         lambda: answer(solved("device"), "steps", "import time\ntime.sleep(10**6)\n" + solved_code("steps"))),
    Case("print_flood", FULL, "prints 20 MB, otherwise correct",
         lambda: answer(solved("device"), "steps", "print('x' * 20_000_000)\n" + solved_code("steps"))),
    Case("only_exercise_cells", FULL, "every other cell deleted; answers correct", only_exercise_cells),
    Case("exercise_deleted", 2, "the steps cell deleted; device solved", exercise_deleted),
    Case("reversed_untouched", 0, "cells of the untouched lab in reverse order", lambda: reversed_cells(lab())),
    Case("reversed_solved", FULL, "cells reversed; answers correct", lambda: reversed_cells(solved("steps", "device"))),
    Case("tags_removed", FULL, "cell tags stripped (matched by cell id)", tags_removed),
    Case("input_transformer", 0, "an IPython input transformer erases every later cell",
         lambda: answer(lab(), "steps", TRANSFORMER + lab_cell("steps"))),
    Case("ast_transformer", 0, "an AST transformer removes assert statements",
         lambda: answer(lab(), "steps", AST_STRIPPER + lab_cell("steps"))),
    Case("swallow_errors", 0, "a custom exception handler hides errors",
         lambda: answer(lab(), "steps", SWALLOW + lab_cell("steps"))),
    # Attacks inside an exercise cell (the grader keeps those cells): the sandbox must stop them.
    Case("reads_solutions", 2, "steps cell runs the instructor's answer, found through helpers.__file__; device solved",
         lambda: answer(solved("device"), "steps", lab_cell("steps") + READ_SOLUTIONS), sandbox_only=True),
    Case("reads_classmate", 2, "steps cell searches /tmp for a classmate's solved notebook; device solved",
         lambda: answer(solved("device"), "steps", lab_cell("steps") + READ_CLASSMATE), sandbox_only=True),
    Case("detached_process", FULL, "starts a detached process that would outlive its kernel; answers correct",
         lambda: answer(solved("device"), "steps", DETACHED + solved_code("steps"))),
    Case("lying_int", 2, "steps returns an int subclass equal to everything; device solved",
         lambda: answer(solved("device"), "steps", LYING_INT)),
]

