"""A memory cgroup for each warm worker's children, where the machine lets the grader make one.

``RLIMIT_DATA`` is per process and does not count shared memory: ``mmap.mmap(-1, 1 << 30)``
or six forked processes each under the limit get past it. A cgroup's memory limit counts
every page its processes are charged for, shared memory and ``/dev/shm`` included, so a
child and everything it starts share one budget (see :class:`MemoryCgroup`). Where no
cgroup can be made (no root, no delegated memory controller) the rlimits alone hold, and
``grader doctor`` and ``result.json`` say so.
"""

from __future__ import annotations

import functools
import os
import time

_V1_MOUNT = "/sys/fs/cgroup/memory"
_V2_MOUNTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per hierarchy: ``"memory"`` (v1) and ``""`` (v2)."""
    paths = {}
    try:
        with open("/proc/self/cgroup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(","):
                    paths[name] = path
    except (OSError, ValueError):
        pass
    return paths


def parent_dir() -> tuple[str, int] | None:
    """(the cgroup folder to make children in, its version), or None when there is none to use."""
    if os.geteuid() != 0:
        return None
    own = _own_paths()
    if "memory" in own and os.path.isfile(os.path.join(_V1_MOUNT, "memory.limit_in_bytes")):
        folder = os.path.join(_V1_MOUNT, own["memory"].lstrip("/"))
        if os.path.isdir(folder) and os.access(folder, os.W_OK):
            return folder, 1
    if "" in own:
        for mount in _V2_MOUNTS:
            folder = os.path.join(mount, own[""].lstrip("/"))
            if os.path.isfile(os.path.join(mount, "cgroup.controllers")) and os.path.isdir(folder):
                try:
                    with open(os.path.join(folder, "cgroup.subtree_control"), encoding="ascii") as fh:
                        if "memory" in fh.read().split() and os.access(folder, os.W_OK):
                            return folder, 2
                except OSError:
                    pass
    return None


class MemoryCgroup:
    """A warm worker's memory cgroup: the worker moves itself in once, and its children are born in it.

    Moving a process between cgroups costs a kernel grace period (about 10 ms on this
    kind of machine), so the child never moves: before each fork the limit becomes what
    the worker holds now plus the child's budget, so everything the child and the processes
    it starts add together is bounded by that budget. The child's ``oom_score_adj`` is
    1000 (raising it needs no privilege), so an out-of-memory kill takes the child's
    processes, not the worker.
    """

    def __init__(self, path: str, version: int) -> None:
        self.path, self.version = path, version
        self.base = 0

    @classmethod
    def make(cls, name: str, limit: int) -> MemoryCgroup:
        """A fresh cgroup ``name`` whose processes together may use ``limit`` bytes (swap included); raises OSError."""
        found = parent_dir()
        if found is None:
            raise OSError("no memory cgroup can be made here")
        parent, version = found
        group = cls(os.path.join(parent, name), version)
        os.mkdir(group.path, 0o700)
        try:
            group.set_limit(limit)
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def enter(cls, name: str) -> MemoryCgroup:
        """Make the cgroup ``name`` (no limit yet) and move this process into it; raises OSError."""
        group = cls.make(name, 1 << 62)
        try:
            join(group.procs)
        except OSError:
            group.remove()
            raise
        return group

    def limit_next(self, budget: int) -> None:
        """Before a fork: what this cgroup holds now, plus ``budget`` for the child about to start."""
        self.base = self._read("memory.usage_in_bytes" if self.version == 1 else "memory.current")
        if self.version == 1:
            try:
                self._write("memory.max_usage_in_bytes", 0)   # the peak from here on
            except OSError:
                pass
        self.set_limit(self.base + budget)

    def set_limit(self, limit: int) -> None:
        if self.version == 2:
            self._write("memory.max", limit)
            if os.path.exists(os.path.join(self.path, "memory.swap.max")):
                self._write("memory.swap.max", 0)
            return
        names = ["memory.limit_in_bytes"]
        if os.path.exists(os.path.join(self.path, "memory.memsw.limit_in_bytes")):
            names.append("memory.memsw.limit_in_bytes")   # memory + swap: no more than memory alone
        try:
            for name in names:
                self._write(name, limit)
        except OSError:   # memsw may never be below memory: going up, it moves first
            for name in reversed(names):
                self._write(name, limit)

    def _write(self, name: str, value: int) -> None:
        with open(os.path.join(self.path, name), "w", encoding="ascii") as fh:
            fh.write(str(value))

    def _read(self, name: str) -> int:
        with open(os.path.join(self.path, name), encoding="ascii") as fh:
            return int(fh.read().strip())

    @property
    def procs(self) -> str:
        """The file a process writes its pid to, to join."""
        return os.path.join(self.path, "cgroup.procs")

    def peak_bytes(self) -> int | None:
        """The most the child's processes added, when the kernel says (v1; v2 kernels from 5.19 give the worker's whole peak)."""
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            try:
                return max(0, self._read(name) - self.base)
            except (OSError, ValueError):
                continue
        return None

    def leave(self) -> None:
        """Move this process back to the parent cgroup and remove this one (a worker's last act)."""
        try:
            join(os.path.join(os.path.dirname(self.path), "cgroup.procs"))
        except OSError:
            return   # removed later by remove_stale()
        self.remove()

    def remove(self) -> None:
        """Remove the cgroup once no process is in it (a dying one may take a moment to leave)."""
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.002)


def remove_stale() -> None:
    """Remove the cgroups of workers that are gone (killed before they could remove their own)."""
    found = parent_dir()
    if found is None:
        return
    try:
        names = os.listdir(found[0])
    except OSError:
        return
    for name in names:
        parts = name.split("-")
        if len(parts) >= 2 and parts[0] == "grader" and parts[1].isdigit() and not os.path.exists(f"/proc/{parts[1]}"):
            try:
                os.rmdir(os.path.join(found[0], name))
            except OSError:
                pass


def join(procs: str) -> None:
    """Move this process into the cgroup whose ``cgroup.procs`` is ``procs``."""
    with open(procs, "w", encoding="ascii") as fh:
        fh.write(str(os.getpid()))


@functools.lru_cache(maxsize=1)
def mechanism() -> str | None:
    """What bounds a submission's memory here as a whole, proven by making and removing a cgroup; None: rlimits only."""
    try:
        group = MemoryCgroup.make(f"grader-probe-{os.getpid()}", 1 << 30)
    except OSError:
        return None
    group.remove()
    return f"cgroup v{group.version} memory controller (all of a child's processes together, shared memory included)"


def child_oom_score() -> None:
    """In the child, before any student code: the first candidate for an out-of-memory kill, before its worker."""
    with open("/proc/self/oom_score_adj", "w", encoding="ascii") as fh:
        fh.write("1000")
