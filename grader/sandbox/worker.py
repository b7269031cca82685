"""The warm worker: imports torch and NumPy once, then forks one sandboxed child per run.

Started by the grader as ``python -m grader.sandbox.worker CONFIG_JSON`` with a
scrubbed environment. Before importing anything heavy it moves itself into
fresh PID, network and IPC namespaces (as root, or through a user namespace
when the kernel allows it) and forks a tiny reaper that is PID 1 there: every
process a submission starts lives in that namespace, has no network at all, and
is killed by the reaper after each run. Requests and replies are JSON lines on
stdin/stdout. The worker never runs student code itself and never reads what a
child produces: children write straight into files the grader reads (at the hidden
handshake the worker copies the public ones aside, byte for byte, unread).
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import gc
import importlib
import json
import os
import select
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from grader.sandbox import cgroup
from grader.sandbox.cgroup import MemoryCgroup
from grader.sandbox.cpu_fallback import no_fork_poisoning
from grader.sandbox.handover import Channels, HiddenChannel, Streams
from grader.sandbox.supervisor import supervise
from grader.sandbox.uids import UidLease

if TYPE_CHECKING:   # imported at run time only once the worker has its namespaces and preloads
    from grader.sandbox.child import ChildPlan

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 0x4000, 0x40000, 0x2, 0x4
MNT_DETACH = 2
CGROUP_MARGIN = 256 << 20   # pages of the warm image a child copies on write, on top of the spec's budgets
PRELOAD_STDLIB = ("math", "random", "itertools", "functools", "collections", "statistics", "json", "copy",
                  "dataclasses", "typing", "time", "re", "string", "fractions", "decimal", "linecache")


NAMESPACES: list[str] = []
GROUP: MemoryCgroup | None = None   # this worker's memory cgroup, where the machine offers one
_INPUTS: dict[str, Any] = {}   # inputs of the current batch, inherited by every child
_PARSED: dict[str, Any] = {}   # call expressions, parsed once
_JOBS: dict[bytes, dict[str, Any]] = {}   # the current batch's job.json, parsed once


class Reaper:
    """PID 1 of the worker's namespace: kills and reaps everything a run left behind."""

    def __init__(self) -> None:
        to_reaper_r, to_reaper_w = os.pipe()
        from_reaper_r, from_reaper_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(to_reaper_w)
            os.close(from_reaper_r)
            self._serve(to_reaper_r, from_reaper_w)
        os.close(to_reaper_r)
        os.close(from_reaper_w)
        self.requests, self.replies = to_reaper_w, from_reaper_r

    @staticmethod
    def _serve(read_fd: int, write_fd: int) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            ready, _, _ = select.select([read_fd], [], [], 1.0)
            if ready:
                if not os.read(read_fd, 1):
                    os._exit(0)
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _reap_all()
            if ready:
                os.write(write_fd, b"d")

    def stop(self) -> None:
        """Tell the reaper to exit (end of its pipe) and wait for it: the worker leaves nothing running."""
        os.close(self.requests)
        os.waitpid(self.pid, 0)

    def sweep(self) -> None:
        """Kill every process left in the namespace; returns once they are gone."""
        os.write(self.requests, b"k")
        os.read(self.replies, 1)


def _reap_all() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def enter_namespaces() -> tuple[list[str], Reaper | None]:
    """Unshare PID, network, IPC and mount namespaces; returns what worked and the reaper."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS
    if uid != 0:
        flags |= CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        return [], None
    if uid != 0:
        for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                           ("/proc/self/gid_map", f"{gid} {gid} 1")):
            with open(path, "w") as fh:
                fh.write(text)
    names = ["pid-namespace", "network-namespace"]
    # Mounts made from here on are the worker's own: nobody else sees them, and they
    # vanish with the worker even if it is killed.
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0:
        names.append("mount-namespace")
    return names, Reaper()


def mount_box(box: str, staged: str, size_mb: int, max_files: int) -> bool:
    """A fresh size- and inode-limited tmpfs at ``box`` holding a copy of ``staged``."""
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"size={size_mb}m,nr_inodes={max_files},mode=0700".encode()
    if libc.mount(b"grader-box", box.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        return False
    shutil.copytree(staged, box, dirs_exist_ok=True, symlinks=True)
    return True


def unmount_box(box: str) -> None:
    ctypes.CDLL(None, use_errno=True).umount2(box.encode(), MNT_DETACH)


def main() -> None:
    config = json.loads(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global NAMESPACES, GROUP
    namespaces, reaper = enter_namespaces() if config.get("namespaces", True) else ([], None)
    NAMESPACES = namespaces
    # torch.cuda.is_available() / device_count() in a preloaded module then ask NVML, which leaves
    # CUDA uninitialised: a worker that initialised it would fork children that cannot use it.
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    for name in (*PRELOAD_STDLIB, *config.get("preload", ["numpy", "torch"])):
        try:
            with no_fork_poisoning():
                importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional module just is not preloaded
            pass
    from grader.sandbox import child, tasks  # import now, before any sandbox exists

    cgroup.remove_stale()
    if cgroup.parent_dir() is not None:
        try:
            GROUP = MemoryCgroup.enter(f"grader-{os.getpid()}")
        except OSError:
            GROUP = None   # a plan that asks for a cgroup then fails closed

    del child
    tasks.warm_up()

    gc.collect()
    gc.freeze()
    _reply({"ready": True, "pid": os.getpid(), "namespaces": namespaces,
            "preloaded": sorted(m for m in config.get("preload", []) if m in sys.modules)})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = run(request, reaper)
        except Exception as exc:  # noqa: BLE001 - report, never die on one request
            reply = {"outcome": "worker-error", "error": f"{type(exc).__name__}: {exc}"}
        reply["id"] = request.get("id")
        _reply(reply)
    if reaper is not None:
        reaper.stop()
    if GROUP is not None:
        GROUP.leave()
    # Nothing is left to clean up: skip the interpreter's teardown of torch and d2l (a second or
    # more under load, which `grader check` waits for, issue 19).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def run(request: dict[str, Any], reaper: Reaper | None) -> dict[str, Any]:
    """Fork one sandboxed child for a job and supervise it to the end."""
    # Imported by main() once the worker is in its namespaces with its modules preloaded (they import NumPy).
    from grader.sandbox.child import ChildPlan

    job, inputs, parsed = _job(request)
    plan = ChildPlan(**request["plan"])
    # Both held until every process of the run is gone.
    lease = UidLease.take() if plan.uid is not None else None
    try:
        if plan.memory_cgroup:   # fails closed: the plan promised one budget for all the child's processes
            if GROUP is None:
                raise OSError("the worker could not make its memory cgroup")
            GROUP.limit_next(plan.memory_bytes + plan.shm_bytes + (int(request.get("box_mb", 0)) << 20) + CGROUP_MARGIN)
        reply = _run(request, dataclasses.replace(plan, uid=lease.uid) if lease else plan, (job, inputs, parsed), reaper)
        if plan.memory_cgroup and GROUP is not None:
            reply["memory_peak_kb"] = (GROUP.peak_bytes() or 0) >> 10
        return reply
    finally:
        if lease is not None:
            lease.release()


def _run(request: dict[str, Any], plan: ChildPlan, prepared: tuple[dict[str, Any], Any, dict[str, Any]],
         reaper: Reaper | None) -> dict[str, Any]:
    """:func:`run` once the child's uid is leased: ``prepared`` is the job, its inputs and parsed calls."""
    from grader.sandbox.child import enter_sandbox
    from grader.sandbox.tasks import run_job

    job, inputs, parsed = prepared
    rundir = request["rundir"]
    entered = time.monotonic()
    mounted = _fill_box(plan.box, request)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    data_fd = os.open(os.path.join(rundir, "data.bin"), flags, 0o600)
    out_fd = os.open(os.path.join(rundir, "stdout.txt"), flags, 0o600)
    err_fd = os.open(os.path.join(rundir, "stderr.txt"), flags, 0o600)
    control_read, control_write = os.pipe()
    hidden = HiddenChannel.open(rundir, flags) if request.get("hidden") else None
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child((control_read, control_write, data_fd, out_fd, err_fd), hidden,
               functools.partial(enter_sandbox, plan), functools.partial(run_job, job, inputs=inputs, parsed=parsed))
    # ------------------------------------------------------------------ worker
    os.close(control_write)
    if hidden:
        hidden.close_child_side()
    streams = Streams(rundir, out_fd, err_fd, data_fd, hidden)
    try:
        reply = supervise(pid, control_read, streams, request, started)
    finally:
        if reaper is not None:
            reaper.sweep()
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        streams.close()   # after every process of the run is gone: nothing writes past the handshake any more
        os.close(control_read)
        if mounted:
            unmount_box(plan.box)
    reply["box"] = "tmpfs" if mounted else "directory"
    reply["overhead_s"] = {"before_fork": started - entered, "after_exit": time.monotonic() - started - reply["wall_s"]}
    return reply


def _job(request: dict[str, Any]) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """The job, its inputs and its parsed calls, cached across the batch: every child inherits them."""
    # Imported by main() once the worker is in its namespaces with its modules preloaded (they import NumPy).
    from grader.calls import parse
    from grader.sandbox.tasks import load_inputs, task_expressions

    with open(request["job"], "rb") as fh:
        text = fh.read()
    if text not in _JOBS:   # the same job for every submission of a batch: parsed once
        _JOBS.clear()
        _JOBS[text] = json.loads(text)
    # the submission's own: its file names, whether its code mentions cuda
    job = {**_JOBS[text], "box": request["plan"]["box"], "names": request.get("names"), "cuda": request.get("cuda")}
    if job["inputs"] not in _INPUTS:
        _INPUTS.clear()
        _INPUTS[job["inputs"]] = load_inputs(job["inputs"])
    inputs = _INPUTS[job["inputs"]]
    if job.get("datasets"):
        from grader import datasets  # after the preload, like the modules above
        for name, root in job["datasets"]:
            datasets.load_in_worker(name, root)
    parsed = {}
    for task in job["tasks"]:  # the public tasks: the hidden ones never reach the worker
        for expr in task_expressions(task):
            if expr not in _PARSED:
                _PARSED[expr] = parse(expr)
            parsed[expr] = _PARSED[expr]
    return job, inputs, parsed


def _fill_box(box: str, request: dict[str, Any]) -> bool:
    """Put the staged submission in the box: a tmpfs of its own where mounts are possible
    (whether it was mounted), else a copy into the folder."""
    mounted = False
    if request.get("staged") and "mount-namespace" in NAMESPACES:
        mounted = mount_box(box, request["staged"], request["box_mb"], request["box_files"])
    if request.get("staged") and not mounted:
        shutil.copytree(request["staged"], box, dirs_exist_ok=True, symlinks=True)
    return mounted


def _child(fds: tuple[int, int, int, int, int], hidden: HiddenChannel | None,
           enter_sandbox: Callable[..., list[str]], run_job: Callable[..., None]) -> NoReturn:
    """The forked child: enter the sandbox, report its layers, run the job; never returns.

    ``fds``: the control pipe's two ends, then the result stream, stdout and stderr files.
    """
    control_read, control_write, data_fd, out_fd, err_fd = fds
    try:
        os.close(control_read)
        channels = Channels(control_write, *(hidden.child_fds() if hidden else (None, None, None)))
        keep = (control_write, data_fd, *(fd for fd in channels[1:] if fd is not None))
        layers = enter_sandbox(keep, out_fd, err_fd)
        os.write(control_write, f"L {','.join(layers)}\n".encode())
        with os.fdopen(data_fd, "wb", buffering=1 << 16) as data:
            run_job(data=data, channels=channels)
        os._exit(0)
    except BaseException:  # noqa: BLE001
        try:
            os.write(2, traceback.format_exc().encode()[-4000:])
        finally:
            os._exit(70)


if __name__ == "__main__":
    main()
