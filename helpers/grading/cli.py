"""The grader's command line: `helpers grade SUBMISSIONS --out DIR` (or `python -m helpers grade …`).

Each submission runs in its own kernel, in a temporary folder, under the `smoke` profile by
default. Only the code of its ✏️ exercise cells is taken: every other cell comes from the
course's own copy of the lab, and the hidden checks run after the student's cells. Writes
``grades.csv``, ``<student>/results.json`` (Gradescope format), ``<student>/feedback.md`` and
``manual_review.md`` (answers to mark by hand, with rubrics) into the output folder.

    >>> parser().parse_args(["subs/", "--out", "grades/"]).jobs
    1
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers.grading import reports, sandbox
from helpers.grading.build import SOLUTIONS
from helpers.grading.intake import discover, load_labs, read_submission
from helpers.grading.limits import Limits, gib, parse_size
from helpers.grading.scoring import grade


def parser() -> argparse.ArgumentParser:
    """The grader's options.

    >>> options = parser().parse_args(["subs/", "late/", "--out", "grades/", "--jobs", "2", "--memory", "3G"])
    >>> options.submissions, options.jobs, options.profile, options.cell_timeout, options.course_checks, options.sandbox
    (['subs/', 'late/'], 2, 'smoke', 120, False, True)
    >>> options.memory, options.processes, options.disk
    (3221225472, 512, 2147483648)
    """
    options = argparse.ArgumentParser(prog="helpers grade", description=__doc__.splitlines()[0])
    options.add_argument("submissions", nargs="+", help="notebooks, or folders of notebooks (one sub-folder per student works too)")
    options.add_argument("--out", required=True, help="folder for grades.csv, results and feedback")
    options.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    options.add_argument("--profile", default="smoke", help="run profile for the submissions (default smoke)")
    options.add_argument("--cell-timeout", type=float, default=120, help="seconds per cell before it is interrupted")
    options.add_argument("--timeout", type=float, default=600, help="seconds for a whole notebook")
    options.add_argument("--solutions", default=str(SOLUTIONS), help="folder of instructor notebooks")
    options.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                         help="run student code with your own rights (no bubblewrap); written into every result")
    options.add_argument("--memory", type=parse_size, default=None,
                         help="memory per sandboxed kernel, e.g. 4G (default: 3/4 of the RAM shared by --jobs, at most 8G)")
    options.add_argument("--processes", type=int, default=Limits.processes,
                         help=f"processes and threads per sandboxed kernel (default {Limits.processes})")
    options.add_argument("--disk", type=parse_size, default=Limits.disk,
                         help=f"bytes a sandboxed kernel may write, work folder and /tmp together (default {gib(Limits.disk)})")
    options.add_argument("--threads", type=int, default=None,
                         help="CPU threads per kernel (default: the cores shared by --jobs)")
    options.add_argument("--course-checks", action="store_true",
                         help="also run the labs' course checks (their measured effect), as CI does for the solutions")
    return options


def main(argv: list[str] | None = None) -> int:
    """Grade every submission; returns 0 when each was graded (whatever its score).

    An unreadable notebook is graded 0 with the reason, without starting a kernel:

    >>> import tempfile; folder = Path(tempfile.mkdtemp()); _ = (folder / "alice.ipynb").write_text("{oops")
    >>> main([str(folder / "alice.ipynb"), "--out", str(folder / "grades"), "--no-sandbox"])  # doctest: +ELLIPSIS
    alice: 0/0  (not a readable notebook (invalid JSON: ...); graded without the sandbox (--no-sandbox))
    Graded 1 submission(s) in ... s → .../grades/grades.csv
    0
    >>> sorted(path.name for path in (folder / "grades").iterdir())
    ['alice', 'grades.csv', 'manual_review.md']
    >>> (folder / "empty").mkdir()
    >>> main([str(folder / "empty"), "--out", str(folder / "grades"), "--no-sandbox"])  # doctest: +ELLIPSIS
    No notebooks found in .../empty
    1
    """
    options = parser().parse_args(argv)

    from helpers.profile import get

    get(options.profile)  # an unknown profile fails here, with the valid names
    refused = sandbox.unavailable() if options.sandbox else None
    if refused:
        print(f"Not grading: {refused}.")
        return 2
    shares = Limits.default(options.jobs)
    options.memory = options.memory or shares.memory
    options.threads = options.threads or shares.threads
    labs = load_labs(Path(options.solutions))
    pairs = discover(options.submissions)
    if not pairs:
        print("No notebooks found in " + " ".join(options.submissions))
        return 1
    submissions = [read_submission(path, student, labs) for path, student in pairs]
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def one(submission):
        result = grade(submission, labs, options)
        reports.write_student(out, result)  # written at once: an interrupted batch keeps it
        problem = reports.problem_text(result)
        print(f"{result['student']}: {result['total']:g}/{result['max_total']:g}" + (f"  ({problem})" if problem else ""),
              flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        results = list(pool.map(one, submissions))
    reports.write_batch(out, results)
    print(f"Graded {len(results)} submission(s) in {time.monotonic() - started:.0f} s → {out / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
