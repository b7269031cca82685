"""A memory cgroup per child, where the machine lets the grader make one.

``RLIMIT_DATA`` is per process and does not count shared memory: ``mmap.mmap(-1, 1 << 30)``
or six forked processes each under the limit get past it. A cgroup's memory limit counts
every page its processes are charged for, shared memory and ``/dev/shm`` included, so
a child and everything it starts share one budget. The worker makes the cgroup before the
fork, the child joins it first thing (still root, before any student code), and the
worker removes it once every process of the run is gone. Where no cgroup can be made (no
root, no delegated memory controller) the rlimits alone hold, and ``grader doctor`` and
``result.json`` say so.
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
    """One run's memory cgroup: made with its limit, joined by the child, removed after the run."""

    def __init__(self, path: str, version: int) -> None:
        self.path, self.version = path, version

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
            if version == 1:
                group._write("memory.limit_in_bytes", limit)
                if os.path.exists(os.path.join(group.path, "memory.memsw.limit_in_bytes")):
                    group._write("memory.memsw.limit_in_bytes", limit)
            else:
                group._write("memory.max", limit)
                if os.path.exists(os.path.join(group.path, "memory.swap.max")):
                    group._write("memory.swap.max", 0)
        except OSError:
            group.remove()
            raise
        return group

    def _write(self, name: str, value: int) -> None:
        with open(os.path.join(self.path, name), "w", encoding="ascii") as fh:
            fh.write(str(value))

    @property
    def procs(self) -> str:
        """The file a process writes its pid to, to join."""
        return os.path.join(self.path, "cgroup.procs")

    def peak_bytes(self) -> int | None:
        """The most the run's processes used together (v1; v2 kernels from 5.19), when the kernel says."""
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            try:
                with open(os.path.join(self.path, name), encoding="ascii") as fh:
                    return int(fh.read().strip())
            except (OSError, ValueError):
                continue
        return None

    def remove(self) -> None:
        """Remove the cgroup (its processes are gone; a dying one may take a moment to leave)."""
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
        if len(parts) >= 3 and parts[0] == "grader" and parts[1].isdigit() and not os.path.exists(f"/proc/{parts[1]}"):
            try:
                os.rmdir(os.path.join(found[0], name))
            except OSError:
                pass


def join(procs: str) -> None:
    """In the child: move this process into the cgroup whose ``cgroup.procs`` is ``procs``."""
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
