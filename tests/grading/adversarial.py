"""The adversarial submission corpus: each case, how it is made, and the score it must get.

Most cases are built from the current setup lab (00_setup: exercises `steps` and `device`, 2 points
each), so they stay valid when that lab changes; a few attack Lab 01 (ResNet, 8 points) and Lab 04
(AutoGluon, 8 points), where the cells that need an unanswered exercise are skipped, so each
grades in seconds. Malformed files live in fixtures/adversarial/.

The corpus is graded with small limits (`LIMITS`), so the exhaustion attacks hit them quickly;
each attack is bounded itself, so a machine without the sandbox survives it too.
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
# The grader's options for the corpus: memory, processes and disk of each sandboxed kernel. Graded kernels of
# Labs 00, 01 and 04 peak at 660 MiB (page cache included); a small limit makes the memory bomb hit it in
# seconds even on a loaded machine (4 GiB took over the 15 s cell limit in CI).
LIMITS = ["--memory", "1.5G", "--processes", "160", "--disk", "1G"]


def solution(name: str = LAB):
    return nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)


def lab(name: str = LAB):
    return nbformat.read(ROOT / "labs" / f"{name}.ipynb", as_version=4)


def solved_code(exercise: str, name: str = LAB) -> str:
    cell = next(c for c in solution(name).cells if f"exercise:{exercise}" in c.metadata.get("tags", []))
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


def lab_cell(exercise: str, name: str = LAB) -> str:
    return next(c.source for c in lab(name).cells if f"exercise:{exercise}" in c.metadata.get("tags", []))


def in_lab(name: str, answers: dict):
    """Lab `name` as handed out, with these exercises answered ({exercise: code})."""
    nb = lab(name)
    for exercise, code in answers.items():
        answer(nb, exercise, code)
    return nb


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


# Exhaustion, each bounded: 3 GiB of memory, 2 GiB of disk, 1,000 processes.
MEMORY_BOMB = """
import numpy as np
hoard = [np.ones(2**28 // 8) for _ in range(12)]  # 12 x 256 MiB, written: really resident
"""
DISK_FILLER = """
with open("filler.bin", "wb") as stream:
    for _ in range(2048):
        stream.write(b"x" * 2**20)
"""
FORK_BOMB = """
import os, time
for _ in range(1000):
    if os.fork() == 0:
        time.sleep(0.5)
        os._exit(0)
"""
SLOW_BUT_FINITE = "import time\ntime.sleep(20)  # over the corpus's 15 s cell limit, then a right answer\n"
EXIT_AFTER_ANSWER = "\nimport os\nos._exit(0)\n"
KILLS_ITS_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"

# Rigging what the hidden checks rely on, each time with a lying answer to let through.
PATCHED_PLAIN = LYING_INT + """
import helpers.checks
helpers.checks.plain = lambda value: value
"""
RIGGED_BUILTINS = LYING_INT + """
import builtins, types
_real_import = builtins.__import__
_fake_checks = types.SimpleNamespace(plain=lambda value: value)


def _serve_fake_checks(name, *args, **kwargs):
    return _fake_checks if name == "helpers.checks" else _real_import(name, *args, **kwargs)


builtins.__import__ = _serve_fake_checks
"""
THREAD_REPATCHES = LYING_INT + """
import threading, time, helpers.checks

def _keep_patching():
    while True:
        helpers.checks.plain = lambda value: value
        time.sleep(0.001)

threading.Thread(target=_keep_patching, daemon=True).start()
"""
FORGED_REPLIES = """
session = get_ipython().kernel.session
_send = session.send

def _always_ok(stream, msg_or_type, content=None, *args, **kwargs):
    if msg_or_type == "execute_reply" and content is not None:
        content = {**content, "status": "ok"}
        for key in ("ename", "evalue", "traceback"):
            content.pop(key, None)
    return _send(stream, msg_or_type, content, *args, **kwargs)

session.send = _always_ok
"""
IOPUB_FLOOD = """
kernel = get_ipython().kernel
for number in range(5_000):
    kernel.session.send(kernel.iopub_socket, "stream", {"name": "stdout", "text": f"✓ hidden check {number} passed\\n"},
                        parent=kernel.get_parent("shell"))
"""

# Lab 01 and Lab 04: lying containers and the instructor's notebook, looked for everywhere.
LYING_FLOATS = """
class Close(float):
    def __eq__(self, other): return True
    def __sub__(self, other): return Close(0.0)
    def __abs__(self): return Close(0.0)
    def __lt__(self, other): return True
    __hash__ = float.__hash__


def evaluate(model, loader) -> dict:
    return {"accuracy": Close(0.9), "macro_f1": Close(0.9), "precision": Close(0.9)}
"""
LYING_LIST = """
class Agreeable(list):
    def __eq__(self, other): return True
    __hash__ = None


def significant_features(importance, alpha=0.05):
    return Agreeable()
"""
HUNTS_SOLUTIONS = """
import glob, json, os
found = []
for root in {os.path.expanduser("~"), "/tmp", "/root", "/home", "/work", os.getcwd(), "/srv", "/opt"}:
    found += glob.glob(os.path.join(root, "**", "solutions", "01_resnet_transfer_learning.ipynb"), recursive=True)[:1]
for path in found[:1]:
    for cell in json.load(open(path))["cells"]:
        if any(tag.startswith("exercise:") for tag in cell["metadata"].get("tags", [])):
            exec("".join(cell["source"]))
"""


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
    lab: str = LAB               # the lab it is a submission of

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
    # Exhaustion, inside exercise cells: the limits stop it, the other exercise still counts.
    Case("memory_bomb", 2, "steps cell fills 3 GiB of memory (limit 1.5 GiB), then answers; device solved",
         lambda: answer(solved("device"), "steps", MEMORY_BOMB + solved_code("steps")), sandbox_only=True),
    Case("disk_filler", 2, "steps cell writes 2 GiB (limit 1 GiB), then answers; device solved",
         lambda: answer(solved("device"), "steps", DISK_FILLER + solved_code("steps")), sandbox_only=True),
    Case("fork_bomb", 2, "device cell forks 1,000 processes (limit 160), then answers; steps solved",
         lambda: answer(solved("steps"), "device", FORK_BOMB + solved_code("device")), sandbox_only=True),
    Case("slow_but_finite", 2, "steps cell sleeps 20 s (cell limit 15 s), then answers; device solved",
         lambda: answer(solved("device"), "steps", SLOW_BUT_FINITE + solved_code("steps"))),
    Case("exit_after_answer", 2, "device cell answers, then os._exit(); steps solved",
         lambda: answer(solved("steps"), "device", solved_code("device") + EXIT_AFTER_ANSWER)),
    Case("kills_its_parent", FULL, "device cell SIGKILLs its parent (the sandbox's init, which ignores it), then answers",
         lambda: answer(solved("steps"), "device", KILLS_ITS_PARENT + solved_code("device")), sandbox_only=True),
    # Rigging the interpreter the hidden checks run in, or the channel their results come back on.
    Case("patched_plain", 2, "steps cell replaces helpers.checks.plain and returns a lying int; device solved",
         lambda: answer(solved("device"), "steps", PATCHED_PLAIN)),
    Case("rigged_builtins", 2, "steps cell replaces builtins.__import__ to serve a fake helpers.checks, returns a lying int; device solved",
         lambda: answer(solved("device"), "steps", RIGGED_BUILTINS)),
    Case("thread_repatches", 2, "steps cell leaves a thread re-patching helpers.checks.plain every ms; device solved",
         lambda: answer(solved("device"), "steps", THREAD_REPATCHES)),
    Case("forged_replies", 0, "steps cell makes the kernel report every cell as passed; device solved (tampering: zero)",
         lambda: answer(solved("device"), "steps", FORGED_REPLIES + lab_cell("steps"))),
    Case("iopub_flood", FULL, "steps cell floods the output channel with 5,000 fake ✓ lines; answers correct",
         lambda: answer(solved("device"), "steps", IOPUB_FLOOD + solved_code("steps"))),
    # Other labs.
    Case("lab01_lying_floats", 1, "Lab 01: evaluate returns floats equal to everything; head solved",
         lambda: in_lab("01_resnet_transfer_learning", {"head": solved_code("head", "01_resnet_transfer_learning"),
                                                        "evaluate": LYING_FLOATS}), lab="01_resnet_transfer_learning"),
    Case("lab01_hunts_solutions", 0, "Lab 01: head cell searches the disk for the instructor notebook and runs its answers",
         lambda: in_lab("01_resnet_transfer_learning", {"head": lab_cell("head", "01_resnet_transfer_learning")
                                                        + HUNTS_SOLUTIONS}),
         lab="01_resnet_transfer_learning", sandbox_only=True),
    Case("lab04_lying_list", 2, "Lab 04: significant_features returns a list equal to everything; split solved",
         lambda: in_lab("04_autogluon_tabular", {"split": solved_code("split", "04_autogluon_tabular"),
                                                 "importance": LYING_LIST}), lab="04_autogluon_tabular"),
]

