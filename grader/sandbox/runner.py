"""The grader's side of the sandbox: warm worker processes and what they may do.

A :class:`Worker` is a long-lived ``python -m grader.sandbox.worker`` process
with a scrubbed environment; :meth:`Worker.run` hands it one job and returns
the supervisor's report. :func:`available_layers` says which isolation layers
this machine offers; :func:`plan` decides the per-child limits and paths.
"""

from __future__ import annotations

import functools
import json
import os
import site
import stat
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

import grader
from grader.errors import GraderError, SandboxUnavailable
from grader.sandbox import cgroup, landlock, seccomp, uids
from grader.sandbox.child import ChildPlan

SANDBOX_UID_BASE = uids.UID_BASE
LAYER_LOSS = {
    "lifecycle": "runaway processes could outlive their time limit",
    "resources": "a submission could exhaust memory, CPU or disk",
    "network": "submissions could reach the network",
    "filesystem": "submissions could read the reference solution, hidden checks and other submissions (Landlock is missing)",
    "uid": "submissions would run with the grader's own privileges",
    "seccomp": "submissions could use dangerous system calls such as ptrace and mount (libseccomp is missing)",
}


def worker_env() -> dict[str, str]:
    """The worker's whole environment: nothing of the grader's own (secrets stay out)."""
    package_parent = str(Path(grader.__file__).resolve().parent.parent)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "PYTHONPATH": package_parent, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
    }


class Worker:
    """One warm worker process; not thread-safe (a pool gives each thread its own)."""

    def __init__(self, index: int, preload: list[str], namespaces: bool = True, log_dir: Path | None = None) -> None:
        self.index = index
        self._lock = threading.Lock()
        self.log_path = log_dir / f"worker-{index}-{'-'.join(preload) or 'bare'}.log" if log_dir else None
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - closed once Popen has it
        config = json.dumps({"preload": preload, "namespaces": namespaces})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.worker", config],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=worker_env(), cwd="/",
            close_fds=True,
        )
        if not isinstance(log, int):   # an open log file, not DEVNULL
            log.close()
        self.preload = list(preload)
        self.namespaces: list[str] = []
        self._ready = False
        self._next = 0

    def wait_ready(self) -> Worker:
        """Block until the worker has imported its preloads (workers start in parallel)."""
        if not self._ready:
            ready = self._read()
            if not ready.get("ready"):
                raise GraderError(f"the sandbox worker failed to start: {ready}")
            self.namespaces = ready.get("namespaces", [])
            self._ready = True
        return self

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.poll()
            tail = ""
            if self.log_path and self.log_path.is_file():
                lines = self.log_path.read_text(errors="replace").strip().splitlines()
                tail = f": {lines[-1][:300]}" if lines else ""
            raise GraderError(f"the sandbox worker exited unexpectedly (exit status {code}){tail}")
        return json.loads(line)

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        with self._lock:
            self.wait_ready()
            self._next += 1
            request = {**request, "id": self._next}
            try:
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()
            except OSError as exc:
                raise GraderError(f"the sandbox worker is gone ({exc.strerror or exc})") from None
            return self._read()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self, kill: bool = False) -> None:
        """Stop the worker and wait for it. Closing its stdin lets it stop its reaper and wait for
        that too, so nothing it started is left running or unreaped; ``kill`` stops it at once
        (its reaper then dies by its parent-death signal, reaped by whoever adopts it)."""
        if kill and self.process.poll() is None:
            self.process.kill()
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def available_layers() -> dict[str, str | None]:
    """Each layer -> the mechanism that provides it here, or None when it is missing."""
    root = os.geteuid() == 0
    abi = landlock.abi_version()
    has_seccomp = seccomp.available()
    network = []
    if root or _userns_possible():
        network.append("network namespace")
    if abi >= 4:
        network.append("Landlock TCP rules")
    if has_seccomp:
        network.append("seccomp socket filter")
    return {
        "lifecycle": "own session, wall-clock kill" + (", PID namespace" if root or _userns_possible() else ""),
        "resources": (f"memory: {cgroup.mechanism()}; " if cgroup.mechanism() else "memory: rlimits, per process; ")
                     + "rlimits (memory, CPU, processes, file size, open files, no core)",
        "network": " + ".join(network) or None,
        "filesystem": f"Landlock ABI {abi}" if abi >= 1 else None,
        "uid": (f"one unprivileged uid per running child ({uids.UID_BASE}-{uids.UID_BASE + uids.UID_COUNT - 1}, "
                f"leased in {uids.lock_dir()})") if root else "grader itself is unprivileged",
        "seccomp": "libseccomp denylist" if has_seccomp else None,
    }


def _userns_possible() -> bool:
    try:
        return int(Path("/proc/sys/user/max_user_namespaces").read_text()) > 0
    except (OSError, ValueError):
        return False


def require(layers: list[str], insecure: bool, available: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Refuse (fail closed) when a required layer is missing, unless ``insecure``."""
    available = available if available is not None else available_layers()
    missing = [name for name in layers if not available.get(name)]
    if missing and not insecure:
        lost = "; ".join(f"{name}: {LAYER_LOSS[name]}" for name in missing)
        raise SandboxUnavailable(f"refusing to run untrusted code because required sandbox layers are missing ({lost}); "
                                 "run `grader doctor` for details, or pass --insecure to accept the risk")
    return available


@functools.lru_cache(maxsize=8)
def _all_traversable(paths: tuple[str, ...]) -> bool:
    return all(_traversable_by_others(p) for p in paths)


def _traversable_by_others(path: str) -> bool:
    parts = Path(path).resolve().parts
    for i in range(1, len(parts)):
        try:
            mode = os.stat(os.path.join(*parts[:i + 1])).st_mode
        except OSError:
            return True
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return True


def reachable_by_sandbox_uid(paths: list[str]) -> bool:
    """Whether a child that dropped to the sandbox uid can reach these paths: by their modes,
    or because the plan keeps CAP_DAC_READ_SEARCH anyway (the interpreter lives under a 0700 home)."""
    read_only, executable = system_paths()
    return _all_traversable(tuple(paths)) or not _all_traversable(read_only + executable)


@functools.lru_cache(maxsize=1)
def system_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(read-only, executable) paths a child needs: the interpreter, its packages, the grader."""
    package = str(Path(grader.__file__).resolve().parent)
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    packages = {os.path.realpath(p) for p in [*site.getsitepackages(), site.getusersitepackages()] if os.path.isdir(p)}
    executable = tuple(sorted({*prefixes, "/usr", "/bin", "/lib", "/lib64", "/sbin"}))
    read_only = tuple(sorted({*packages, package, "/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group",
                              "/etc/nsswitch.conf", "/etc/matplotlibrc", "/etc/fonts", "/usr/share"}))
    return read_only, executable


def plan(box: Path, readable: list[Path], spec_sandbox: Any, worker_index: int, layers: dict[str, str | None],
         private_shm: bool = False, load_s: float | None = None) -> ChildPlan:
    """The per-child limits and paths for one run (``private_shm``: the child mounts its own ``/dev/shm``;
    ``load_s``: the load step's wall-clock limit, the import's by default)."""
    read_only, executable = system_paths()
    root = os.geteuid() == 0
    return ChildPlan(
        box=str(box),
        readable=tuple(str(p) for p in readable),
        system_read=read_only,
        system_exec=executable,
        memory_bytes=spec_sandbox.memory_mb << 20,
        cpu_seconds=int((load_s or spec_sandbox.import_timeout_s) + spec_sandbox.timeout_s * 50) + 5,
        max_file_bytes=spec_sandbox.max_file_mb << 20,
        max_processes=spec_sandbox.max_processes,
        max_open_files=256,
        uid=SANDBOX_UID_BASE if root else None,   # the worker leases a uid of the child's own (sandbox.uids)
        keep_read_search=root and not _all_traversable(read_only + executable),
        use_landlock=bool(layers.get("filesystem")),
        use_seccomp=bool(layers.get("seccomp")),
        shm_bytes=spec_sandbox.shm_mb << 20 if private_shm else 0,
        threads=spec_sandbox.threads,
        memory_cgroup=cgroup.mechanism() is not None,
    )


def plan_dict(p: ChildPlan) -> dict[str, Any]:
    return asdict(p)
