"""Entering the sandbox, in a freshly forked child, before any student code exists in it.

``enter_sandbox`` applies the per-child layers (session, descriptors, environment,
resource limits, uid, Landlock, seccomp); :mod:`grader.sandbox.tasks` then imports the
submission's modules and evaluates the job's tasks. Nothing this process writes is
trusted by the grader: it is only a description of what the student's code returned.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import tempfile
from dataclasses import dataclass

from grader.sandbox import cgroup, landlock, seccomp

_PR_SET_PDEATHSIG = 1
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV = 0x2, 0x4
_PR_SET_KEEPCAPS = 8
_CAP_DAC_READ_SEARCH = 2
_CAPABILITY_VERSION_3 = 0x20080522


@dataclass(frozen=True)
class ChildPlan:
    """Everything the child needs, decided by the worker before the fork."""

    box: str
    readable: tuple[str, ...]        # extra read-only paths (the job's inputs)
    system_read: tuple[str, ...]     # interpreter, libraries, the grader package
    system_exec: tuple[str, ...]
    memory_bytes: int                # heap on top of what the warm worker already holds
    cpu_seconds: int
    max_file_bytes: int
    max_processes: int
    max_open_files: int
    uid: int | None                  # drop to this uid (as root; the worker puts the child's leased uid here)
    keep_read_search: bool           # keep CAP_DAC_READ_SEARCH: the interpreter lives under a 0700 home
    use_landlock: bool
    use_seccomp: bool
    shm_bytes: int = 0               # a private /dev/shm of this size (0: none, /dev/shm stays out of reach)
    threads: int = 1                 # torch/OpenMP/BLAS threads: the spec's, so results never follow --jobs
    memory_cgroup: bool = False      # the child's processes share one memory budget in the worker's cgroup


def enter_sandbox(plan: ChildPlan, keep_fds: tuple[int, ...], stdout_fd: int, stderr_fd: int) -> list[str]:
    """Apply every per-child layer; returns the names of those now active."""
    layers = ["lifecycle"]
    libc = _detach(keep_fds, stdout_fd, stderr_fd)
    _environment(plan)
    writable = [plan.box]
    if plan.shm_bytes and _private_shm(libc, plan.shm_bytes):
        writable.append("/dev/shm")
    _limit_resources(plan)
    layers.append("resources")
    if plan.uid is not None:
        _drop_uid(libc, plan.box, plan.uid, plan.keep_read_search)
        layers.append("uid")
    # After the uid drop RLIMIT_NPROC counts only this sandbox uid's processes.
    if plan.uid is not None or os.getuid() != 0:
        _set_limit(resource.RLIMIT_NPROC, plan.max_processes + (_count_own_processes() if plan.uid is None else 0))

    if plan.use_landlock:
        landlock.restrict(
            read_only=(*plan.system_read, *plan.readable, "/dev/null", "/dev/zero", "/dev/urandom"),
            read_write=tuple(writable),
            executable=plan.system_exec,
        )
        layers.append("filesystem")
    if plan.use_seccomp:
        seccomp.install_denylist()
        layers.append("seccomp")
    return layers


def _detach(keep_fds: tuple[int, ...], stdout_fd: int, stderr_fd: int) -> ctypes.CDLL:
    """A session of its own that dies with the worker, default signals, stdin from /dev/null,
    stdout/stderr to the run's files, and no descriptor but ``keep_fds``; libc, for what follows."""
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL if sig != signal.SIGXFSZ else signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(stdout_fd, 1)
    os.dup2(stderr_fd, 2)
    keep = sorted({0, 1, 2, *keep_fds})
    _close_other_fds(keep)
    return libc


def _environment(plan: ChildPlan) -> None:
    """A fixed environment (thread counts from the plan), the box as working, home and temporary folder."""
    os.environ.clear()
    threads = str(plan.threads)
    os.environ.update({
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": plan.box, "TMPDIR": plan.box,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
    })
    torch = sys.modules.get("torch")   # preloaded by the worker: the environment came too late for it
    if torch is not None:
        torch.set_num_threads(plan.threads)
    os.chdir(plan.box)
    tempfile.tempdir = plan.box   # the worker may have cached its own (/tmp), which the sandbox cannot write


def _limit_resources(plan: ChildPlan) -> None:
    if plan.memory_cgroup:   # born in the worker's cgroup: an out-of-memory kill must take the child, not the worker
        cgroup.child_oom_score()
    _set_limit(resource.RLIMIT_CORE, 0)
    # RLIMIT_DATA counts heap and private anonymous memory, not mapped libraries, so a
    # late `import torch` does not eat the budget the way it would under RLIMIT_AS.
    _set_limit(resource.RLIMIT_DATA, _status_bytes("VmData") + plan.memory_bytes)
    _set_limit(resource.RLIMIT_CPU, plan.cpu_seconds)
    _set_limit(resource.RLIMIT_FSIZE, plan.max_file_bytes)
    _set_limit(resource.RLIMIT_NOFILE, plan.max_open_files)


def _drop_uid(libc: ctypes.CDLL, box: str, uid: int, keep_read_search: bool) -> None:
    """The box becomes the sandbox uid's, then the child becomes that uid (keeping only
    CAP_DAC_READ_SEARCH when the plan asks for it)."""
    for root, dirs, files in os.walk(box):
        for name in (root, *(os.path.join(root, n) for n in dirs + files)):
            os.lchown(name, uid, uid)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    if keep_read_search:
        libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setresuid(uid, uid, uid)
    if keep_read_search:
        _keep_only_read_search(libc)


def _private_shm(libc: ctypes.CDLL, size: int) -> bool:
    """An empty, size-limited tmpfs at ``/dev/shm`` in a mount namespace of this child's own.

    POSIX semaphores and shared memory live there: ``multiprocessing`` locks and queues,
    and so PyTorch ``DataLoader(num_workers=4)`` as d2l writes it. The grader's own files
    under the real ``/dev/shm`` are out of sight; everything goes when the run ends.
    """
    if libc.unshare(_CLONE_NEWNS) != 0:
        return False
    options = f"size={max(1, size >> 20)}m,nr_inodes=4096,mode=1777".encode()
    return libc.mount(b"grader-shm", b"/dev/shm", b"tmpfs", _MS_NOSUID | _MS_NODEV, options) == 0


def _keep_only_read_search(libc: ctypes.CDLL) -> None:
    """Leave the process one capability: traversing directories it cannot search by mode.

    Needed when the interpreter lives under a home directory such as a 0700
    ``/root``. Landlock still limits what can be read; seccomp denies
    ``open_by_handle_at``, the one dangerous use of this capability.
    """

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header = Header(_CAPABILITY_VERSION_3, 0)
    bit = 1 << _CAP_DAC_READ_SEARCH
    data = (Data * 2)(Data(bit, bit, 0), Data(0, 0, 0))
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _set_limit(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (what the warm worker already uses counts against no budget)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _count_own_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _close_other_fds(keep: list[int]) -> None:
    start = 0
    for fd in keep:
        if fd > start:
            os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 65536)


# ------------------------------------------------------------------ the job
