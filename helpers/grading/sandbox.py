"""One bubblewrap sandbox per graded kernel: its own PID, network and IPC namespaces, no way out.

The kernel sees a read-only view of the system, the Python environment, the course package
(`helpers/` only: no `solutions/`, no instructor notebooks) and the asset cache, plus its own
writable work folder. It does not see the home directory, the submissions, the output folder or
the grader's processes (so not the report's signing key, which stays in the worker). It has no
network: the worker talks to it over IPC sockets in a folder bound into the sandbox. Every
process it starts lives in its PID namespace, which ends with the kernel (``--die-with-parent``).

    >>> argv = kernel_argv(Path("/tmp/comm"))
    >>> argv[0], "--unshare-all" in argv, "--die-with-parent" in argv, argv[-2:]
    ('bwrap', True, True, ['-f', '{connection_file}'])
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.config import cache_dir

INSTALL = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) or grade with --no-sandbox"
SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/etc", "/sys")
# The kernel's work folder as it sees it. Not in the grader's scratch tree: a kernel tidying its own
# scratch folders (helpers.files) would take the host's PID-named folders for dead processes.
WORKDIR = Path("/tmp/submission")


def unavailable() -> str | None:
    """Why no sandbox can run here (one line with the fix), or None when bubblewrap works.

    >>> unavailable() is None or "bubblewrap" in unavailable()
    True
    """
    if not sys.platform.startswith("linux"):
        return f"the grading sandbox needs Linux (this is {sys.platform}): grade in a Linux container or with --no-sandbox"
    if shutil.which("bwrap") is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL}"
    trial = subprocess.run(["bwrap", "--unshare-all", "--die-with-parent", *read_only(SYSTEM), "--proc", "/proc",
                            "--dev", "/dev", "--size", str(2**20), "--tmpfs", "/tmp", "true"], capture_output=True, text=True)
    if trial.returncode != 0:
        return f"bubblewrap cannot create namespaces here ({trial.stderr.strip()[:120]}): {INSTALL}"
    return None


def read_only(paths) -> list[str]:
    """``--ro-bind`` arguments for the paths that exist, each at its own place.

    >>> read_only(["/usr", "/no/such/folder"])
    ['--ro-bind', '/usr', '/usr']
    """
    arguments = []
    for path in dict.fromkeys(str(p) for p in paths):
        if Path(path).exists():
            arguments += ["--ro-bind", path, path]
    return arguments


def visible_paths() -> list[Path]:
    """What the kernel may read: the system, the interpreter and its environment, `helpers/`, the asset cache.

    >>> paths = visible_paths()
    >>> Path(sys.prefix) in paths, any(p.name == "solutions" for p in paths)
    (True, False)
    """
    import helpers

    package = Path(helpers.__file__).resolve().parent
    return [*map(Path, SYSTEM), Path(sys.base_prefix), Path(sys.prefix), package, cache_dir()]


def writable(disk: int) -> list[str]:
    """A private ``/tmp`` of at most `disk` bytes, holding the work folder: a tmpfs, gone with the kernel.

    >>> writable(2**30)
    ['--size', '1073741824', '--tmpfs', '/tmp', '--dir', '/tmp/submission']
    """
    return ["--size", str(disk), "--tmpfs", "/tmp", "--dir", str(WORKDIR)]


def kernel_argv(comm: Path, disk: int = 2**31) -> list[str]:
    """The kernel's command line: ipykernel inside bubblewrap, ``WORKDIR`` (in a tmpfs of `disk` bytes) and `comm` writable.

    >>> argv = kernel_argv(Path("/tmp/comm"))
    >>> argv[argv.index("--chdir") + 1], "--cap-drop" in argv
    ('/tmp/submission', True)
    """
    return [
        "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        # The private /tmp first: the binds after it may live under /tmp (a venv, a cache, a clone).
        *writable(disk), *read_only(visible_paths()), "--proc", "/proc", "--dev", "/dev",
        "--bind", str(comm), str(comm), "--chdir", str(WORKDIR),
        # HOME moves to the work folder: the cache must not move with it (it would be rebuilt there).
        "--setenv", "HOME", str(WORKDIR), "--setenv", "COURSE_CACHE", str(cache_dir()),
        "--setenv", "COURSE_RESULTS_DIR", str(WORKDIR),
        "--setenv", "YOLO_CONFIG_DIR", str(WORKDIR / ".ultralytics"),
        # Inside its PID namespace the kernel's parent is bwrap's init: ipykernel must not poll it.
        "--unsetenv", "JPY_PARENT_PID",
        str(Path(sys.executable)), "-m", "ipykernel_launcher", "-f", "{connection_file}",
    ]


def kernel_manager(comm: Path, limits=None, group=None):
    """An nbclient-ready `AsyncKernelManager` for the sandboxed kernel, talking to it over IPC.

    The kernel runs under `limits` (`helpers.grading.limits`): in cgroup `group` when there is
    one, under rlimits otherwise.

    >>> import tempfile
    >>> km = kernel_manager(Path(tempfile.mkdtemp()))
    >>> km.transport, km.kernel_name
    ('ipc', 'course-sandbox')
    """
    from helpers.grading.limits import Limits, wrap

    limits = limits or Limits()
    import json

    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    specs = comm / "kernelspecs"
    (specs / "course-sandbox").mkdir(parents=True, exist_ok=True)
    (specs / "course-sandbox" / "kernel.json").write_text(json.dumps(
        # The kernel's process is bwrap, which does not pass SIGINT on: interrupt by message instead.
        {"argv": wrap(kernel_argv(comm, limits.disk), limits, group), "display_name": "course sandbox", "language": "python",
         "interrupt_mode": "message"}))
    os.chmod(comm, 0o700)
    return AsyncKernelManager(kernel_name="course-sandbox", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
                         transport="ipc", ip=str(comm / "kernel"), connection_file=str(comm / "connection.json"))
