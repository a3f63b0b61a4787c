"""Resource limits for one graded kernel: memory, processes and disk, so no submission can exhaust the machine.

Memory and processes are limited by a cgroup the worker makes for each submission (cgroup v2,
or v1's ``memory`` and ``pids`` hierarchies); the kernel joins it before bubblewrap starts
(`wrap`), so every process and thread it starts counts. Where no cgroup can be made (not root,
nothing delegated) the kernel gets rlimits instead: ``RLIMIT_DATA`` per process for memory and,
for a user other than root, ``RLIMIT_NPROC``. Disk is bounded by the sandbox itself: the
kernel writes to its private ``/tmp``, a tmpfs of ``disk`` bytes holding its work folder
(`helpers.grading.sandbox`).
Each kernel also gets its share of the CPU cores as ``threads`` (OpenMP/MKL): two 2-thread kernels
on 2 cores spin against each other (a pair of runs took 345 s instead of 95 s with one thread each).

    >>> limits = Limits(memory=parse_size("4G"), processes=256, disk=parse_size("1G"))
    >>> limits.describe()
    'memory 4 GiB, 256 processes, disk 1 GiB'
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

GiB = 2**30
ROOT = Path("/sys/fs/cgroup")
PREFIX = "finetune-course-grade"


def parse_size(text: str) -> int:
    """Bytes from ``"512M"``, ``"4G"``, ``"1.5G"`` or a plain number of bytes.

    >>> parse_size("4G"), parse_size("512M"), parse_size("1000")
    (4294967296, 536870912, 1000)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ValueError: 'lots' is not a size: write it like 4G, 512M or 1000000
    """
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size: write it like 4G, 512M or 1000000")
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2].upper() or " "))


def gib(size: int) -> str:
    """A size in GiB for people.

    >>> gib(3 * 2**30), gib(int(1.5 * 2**30))
    ('3 GiB', '1.5 GiB')
    """
    return f"{size / GiB:.3g} GiB"


@dataclass(frozen=True)
class Limits:
    """What one graded kernel may use: bytes of memory, processes (threads count), bytes of disk, CPU threads.

    ``threads`` 0 leaves the thread count to the libraries (OpenMP uses every core).

    >>> Limits.default(jobs=2, ram=24 * GiB).memory == 8 * GiB
    True
    """

    memory: int = 6 * GiB
    processes: int = 512
    disk: int = 2 * GiB
    threads: int = 0

    @classmethod
    def default(cls, jobs: int = 1, ram: int | None = None, cores: int | None = None) -> Limits:
        """Memory: 3/4 of the machine's RAM shared by `jobs` kernels, at most 8 GiB each; the cores shared likewise.

        >>> Limits.default(jobs=4, ram=16 * GiB, cores=8).describe()
        'memory 3 GiB, 512 processes, disk 2 GiB, 2 threads'
        """
        if ram is None:
            import psutil

            ram = psutil.virtual_memory().total
        cores = cores or len(os.sched_getaffinity(0))
        return cls(memory=min(8 * GiB, int(0.75 * ram / max(1, jobs)) // 2**20 * 2**20), threads=max(1, cores // max(1, jobs)))

    def describe(self) -> str:
        """One line for notes and logs.

        >>> Limits().describe()
        'memory 6 GiB, 512 processes, disk 2 GiB'
        """
        threads = f", {self.threads} threads" if self.threads else ""
        return f"memory {gib(self.memory)}, {self.processes} processes, disk {gib(self.disk)}{threads}"

    def as_dict(self) -> dict:
        """The limits as JSON-ready numbers.

        >>> Limits().as_dict()["processes"]
        512
        """
        return asdict(self)


def thread_env(threads: int) -> dict[str, str]:
    """The environment that holds a kernel's numeric libraries to `threads` threads (none for 0).

    >>> thread_env(1), thread_env(0)
    ({'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}, {})
    """
    return {name: str(threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")} if threads else {}


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


def _own_path(controller: str) -> str:
    """This process's cgroup path in one v1 hierarchy (``""`` for v2's unified one)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return "/"


class Cgroup:
    """One cgroup (v2) or a pair of them (v1 memory + pids) holding one submission's kernel.

    ``Cgroup.create(name, limits)`` returns None where no cgroup can be made; `remove` kills
    what is left in it and deletes it.

    >>> group = Cgroup.create("doctest", Limits(memory=GiB, processes=64))
    >>> group is None or (group.oom_kills(), group.remove())
    (0, None)
    """

    def __init__(self, folders: list[Path], version: int):
        self.folders, self.version = folders, version

    @classmethod
    def create(cls, name: str, limits: Limits) -> Cgroup | None:
        """Make the cgroup and write the limits into it; None when this machine does not let us.

        >>> group = Cgroup.create("doctest-create", Limits(memory=GiB, processes=64))
        >>> group is None or (group.version in (1, 2), group.remove())
        (True, None)
        """
        controllers = ROOT / "cgroup.controllers"
        try:
            if controllers.exists():  # cgroup v2
                enabled = (ROOT / "cgroup.subtree_control").read_text().split()
                if not {"memory", "pids"} <= set(enabled) or not _writable(ROOT):
                    return None
                folder = ROOT / f"{PREFIX}-{name}"
                folder.mkdir(exist_ok=True)
                (folder / "memory.max").write_text(str(limits.memory))
                (folder / "memory.swap.max").write_text("0") if (folder / "memory.swap.max").exists() else None
                (folder / "pids.max").write_text(str(limits.processes))
                return cls([folder], 2)
            memory, pids = ROOT / "memory", ROOT / "pids"
            parents = [memory / _own_path("memory").lstrip("/"), pids / _own_path("pids").lstrip("/")]
            if not all(_writable(parent) for parent in parents):
                return None
            folders = [parent / f"{PREFIX}-{name}" for parent in parents]
            for folder in folders:
                folder.mkdir(exist_ok=True)
            (folders[0] / "memory.limit_in_bytes").write_text(str(limits.memory))
            (folders[1] / "pids.max").write_text(str(limits.processes))
            return cls(folders, 1)
        except OSError:
            return None

    @property
    def procs(self) -> list[Path]:
        """The ``cgroup.procs`` files a process writes its pid into to join.

        >>> Cgroup([Path("/sys/fs/cgroup/demo")], 2).procs
        [PosixPath('/sys/fs/cgroup/demo/cgroup.procs')]
        """
        return [folder / "cgroup.procs" for folder in self.folders]

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in this cgroup so far (0 if unknown).

        >>> Cgroup([Path("/no/such/cgroup")], 2).oom_kills()
        0
        """
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            for line in (self.folders[0] / name).read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def remove(self) -> None:
        """Kill every process still in the cgroup and delete it (nothing happens to one that is gone).

        >>> Cgroup([Path("/no/such/cgroup")], 1).remove()
        """
        for _ in range(50):
            pids = {int(p) for path in self.procs if path.exists() for p in path.read_text().split()}
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass


def wrap(argv: list[str], limits: Limits, group: Cgroup | None) -> list[str]:
    """`argv` run through this module: join `group` (or set rlimits without one), then exec.

    >>> wrap(["bwrap", "true"], Limits(memory=GiB, processes=64), None)[3:]
    ['--data', '1073741824', '--nproc', '64', '--', 'bwrap', 'true']
    """
    prefix = [sys.executable, "-m", __name__]
    if group is not None:
        for path in group.procs:
            prefix += ["--join", str(path)]
    else:
        prefix += ["--data", str(limits.memory), "--nproc", str(limits.processes)]
    return [*prefix, "--", *argv]


def main(argv: list[str] | None = None) -> None:
    """``python -m helpers.grading.limits [--join FILE]… [--data BYTES] [--nproc N] -- COMMAND…``.

    Joins each cgroup (writes its own pid into the ``cgroup.procs`` files), sets the rlimits, and
    replaces itself by COMMAND:

    >>> import subprocess
    >>> subprocess.run([sys.executable, "-m", __name__, "--data", str(4 * GiB), "--", "echo", "limited"],
    ...                capture_output=True, text=True).stdout.strip()
    'limited'
    """
    import resource

    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    for flag, value in zip(options[::2], options[1::2]):
        if flag == "--join":
            Path(value).write_text(str(os.getpid()))
        elif flag == "--data":
            resource.setrlimit(resource.RLIMIT_DATA, (int(value), int(value)))
        elif flag == "--nproc" and os.getuid() != 0:  # root's processes ignore RLIMIT_NPROC
            processes = len([p for p in os.listdir("/proc") if p.isdigit()])
            resource.setrlimit(resource.RLIMIT_NPROC, (processes + int(value),) * 2)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
