"""Engine hosts: a warm :class:`~grader.engine.Engine` in a process of its own.

With ``--jobs N`` above 1 the local executor runs N hosts. Each host is grader
code (never student code): it loads the assignment, prepares it (the reference
comes from the on-disk cache, computed by whichever host gets there first),
starts its own warm sandbox workers and grades one submission at a time. The
grader's process only hands out submissions and writes results. Reading a child's
results and judging them costs about 10 ms of Python per submission; done in
threads of one process they would queue on its GIL and cap a batch's speed
however many cores there are.

The protocol is JSON lines: the parent writes one ``init`` object, then one submission
per line; the host answers ``{"ready": true}`` (or ``{"error": ...}``) and then
one ``{"graded": {"result": ..., "instructor": ...}}`` per submission. Nothing is pickled.

Run as ``python -m grader.hosts``; see :class:`Host` for the parent's side.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import selectors
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

import grader
from grader import spec
from grader.batch import BatchItem, EngineOptions, engine_for, grade_item
from grader.errors import GraderError
from grader.paths import remove_stale_workdirs
from grader.redaction import Graded

_PR_SET_PDEATHSIG = 1


class HostDied(GraderError):
    """The host process exited while it held a submission (killed from outside, out of memory)."""


class Host:
    """The parent's handle on one host process. Not thread-safe: one caller drives it."""

    def __init__(self, assignment_root: Path, spec_hash: str, options: EngineOptions, index: int) -> None:
        self.index = index
        self.item: BatchItem | None = None   # the submission it holds, if any
        self._buffer = b""
        package_parent = str(Path(grader.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)}
        self.process = subprocess.Popen([sys.executable, "-m", "grader.hosts"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, close_fds=True)
        init = {"assignment": str(assignment_root), "spec_hash": spec_hash, "parent": os.getpid(),
                "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()}}
        self._send(init)

    @property
    def fd(self) -> int:
        assert self.process.stdout is not None
        return self.process.stdout.fileno()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            raise HostDied(f"an engine host exited unexpectedly (exit status {self.process.poll()})") from None

    def submit(self, item: BatchItem) -> Host:
        self.item = item
        self._send({"id": item.submission_id, "path": str(item.path)})
        return self

    def read_message(self, block: bool = True) -> dict[str, Any] | None:
        """The host's next whole message; None when ``block`` is false and only part of one has arrived."""
        while b"\n" not in self._buffer:
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise HostDied(f"an engine host exited unexpectedly (exit status {self.process.wait()}); "
                               "see the messages above, or grade again with --jobs 1")
            self._buffer += chunk
            if not block and b"\n" not in self._buffer:
                return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        message: dict[str, Any] = json.loads(line)
        if "error" in message:
            raise GraderError(message["error"])
        return message

    def wait_ready(self) -> Host:
        self.read_message()
        return self

    def close(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                try:
                    assert self.process.stdin is not None
                    self.process.stdin.close()
                    self.process.wait(timeout=30)
                except (OSError, subprocess.TimeoutExpired):
                    self.process.kill()
        self.process.wait()


def run_on_hosts(assignment: spec.Assignment, items: Sequence[BatchItem], options: EngineOptions) -> Iterator[Graded]:
    """Grade ``items`` on ``options.workers`` hosts, yielding each result as it arrives.

    A host that dies holding an item is replaced and the item given to the new host once;
    a second death of the same item stops the batch (what is written stays written)."""
    start_host = functools.partial(Host, assignment.root.resolve(), assignment.spec_hash, options)
    queue = list(reversed(items))
    hosts: list[Host] = []
    retried: set[str] = set()
    selector = selectors.DefaultSelector()
    finished = False
    try:
        for index in range(min(options.workers, len(items))):   # all start at once: each takes seconds to warm up
            hosts.append(start_host(index))
        for host in hosts:
            host.wait_ready().submit(queue.pop())
            selector.register(host.fd, selectors.EVENT_READ, host)
        while selector.get_map():
            for key, _ in selector.select():
                host = key.data
                try:
                    message = host.read_message(block=False)
                except HostDied:
                    assert host.item is not None
                    if host.item.submission_id in retried:
                        raise
                    retried.add(host.item.submission_id)
                    selector.unregister(host.fd)
                    hosts[host.index] = _replace(host, start_host)
                    selector.register(hosts[host.index].fd, selectors.EVENT_READ, hosts[host.index])
                    continue
                if message is None:
                    continue
                host.item = None
                if queue:              # refill first: the caller writes this result meanwhile
                    host.submit(queue.pop())
                else:
                    selector.unregister(host.fd)
                yield Graded.from_dict(message["graded"])   # the hosts' boundary: plain data over a pipe
        finished = True
    finally:
        selector.close()
        for host in hosts:   # an interrupted batch (Ctrl-C, an error, the caller stopping) kills at once
            host.close(kill=not finished)
        if not finished:
            remove_stale_workdirs()   # a killed host's scratch folders


def _replace(dead: Host, start_host: Callable[[int], Host]) -> Host:
    """A fresh host in the dead one's place, given the item it held."""
    dead.close(kill=True)
    fresh = start_host(dead.index).wait_ready()
    assert dead.item is not None
    fresh.submit(dead.item)
    return fresh


# ------------------------------------------------------------ host process

def _serve(init: dict[str, Any], out: BinaryIO) -> None:
    fields: dict[str, Any] = {k: Path(v) if k in ("cache_dir", "data_dir") and v else v for k, v in init["options"].items()}
    options = EngineOptions(**fields)
    assignment = spec.load(Path(init["assignment"]))
    if assignment.spec_hash != init["spec_hash"]:
        raise GraderError(f"{assignment.name} changed on disk after grading began (its spec or reference); "
                          "grade again")
    engine, prepared = engine_for(assignment, options)
    with engine:
        _write(out, {"ready": True})
        for line in sys.stdin:
            request = json.loads(line)
            graded = grade_item(engine, prepared, BatchItem(request["id"], Path(request["path"])))
            _write(out, {"graded": graded.to_dict()})


def _write(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write((json.dumps(message, allow_nan=False) + "\n").encode())
    out.flush()


def main() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides what an interrupt stops
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                                  # a stray print must not corrupt the protocol
    init = json.loads(sys.stdin.readline() or "{}")
    if init.get("parent") != os.getppid():          # the parent died before the death signal was set
        sys.exit(1)
    try:
        _serve(init, out)
    except GraderError as exc:
        _write(out, {"error": str(exc)})
    except Exception:   # noqa: BLE001 - the parent reports it; the batch stops with what was written kept
        _write(out, {"error": f"an engine host failed:\n{traceback.format_exc()}"})


if __name__ == "__main__":
    main()
