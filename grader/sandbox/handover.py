"""Handing a child the hidden part of its job only once it has finished the public checks.

One child runs all of a submission's checks, public first. Whatever it prints while the
public checks run is shown to the student, so until then it must hold nothing hidden.
When it reaches the first hidden task it points its stdout and stderr at the hidden
output files (instructors only) and writes ``H`` on its control pipe. The worker then
notes how much the public output and the result stream hold — the engine reads no
further than that as public — and sends the hidden job and inputs over a unix socket
as two open file descriptors (``SCM_RIGHTS``). The worker never reads them itself,
so no worker, and no later child forked from one, holds a hidden value in memory.
Before it sends them, the worker copies the public output and result stream, as they
are then, into files the child never had a descriptor for (``public_*``); the engine
reads the public phase from those copies only. Whatever is still written to the
child's public files after the handshake (a descriptor the submission duplicated, a
process it started, ``pwrite`` at offset 0) changes nothing a student sees.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

HIDDEN_STDOUT = "hidden_stdout.txt"
HIDDEN_STDERR = "hidden_stderr.txt"
PUBLIC_COPIES = {"stdout": "public_stdout.txt", "stderr": "public_stderr.txt", "data": "public_data.bin"}
LIVE_FILES = {"stdout": "stdout.txt", "stderr": "stderr.txt", "data": "data.bin"}


class Channels(NamedTuple):
    """The descriptors a child keeps besides its result stream."""

    control: int                 # child -> worker: "L <layers>", "B <task>", "H"
    hidden: int | None = None    # unix socket on which the hidden part arrives
    hidden_stdout: int | None = None
    hidden_stderr: int | None = None


@dataclass
class HiddenChannel:
    """The worker's and the child's ends of one run's hidden hand-over."""

    worker_end: int
    child_end: int
    stdout: int
    stderr: int

    @classmethod
    def open(cls, rundir: str, flags: int) -> HiddenChannel:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ours.setblocking(False)   # a child that never reads must not stall its supervisor
        out = os.open(os.path.join(rundir, HIDDEN_STDOUT), flags, 0o600)
        err = os.open(os.path.join(rundir, HIDDEN_STDERR), flags, 0o600)
        return cls(ours.detach(), theirs.detach(), out, err)

    def child_fds(self) -> tuple[int, int, int]:
        return self.child_end, self.stdout, self.stderr

    def close_child_side(self) -> None:
        os.close(self.child_end)


class Streams:
    """The worker's view of one run's output files, and the handshake when it comes."""

    def __init__(self, rundir: str, stdout: int, stderr: int, data: int, hidden: HiddenChannel | None) -> None:
        self.rundir = rundir
        self.stdout, self.stderr, self.data, self.hidden = stdout, stderr, data, hidden
        self.handshake: dict[str, int] | None = None

    def hand_over(self, paths: dict[str, Any]) -> None:
        """Copy the public output and results aside, then pass the hidden job and inputs as
        descriptors (never read here): nothing hidden is in the child before the copies exist."""
        assert self.hidden is not None
        self.handshake = {"stdout": _size(self.stdout), "stderr": _size(self.stderr), "data": _size(self.data)}
        try:
            for key, size in self.handshake.items():
                snapshot(os.path.join(self.rundir, LIVE_FILES[key]), os.path.join(self.rundir, PUBLIC_COPIES[key]), size)
        except OSError:
            return   # no copies (a full disk): the child gets no hidden part, and nothing counts as public
        opened: list[int] = []
        sock = socket.socket(fileno=os.dup(self.hidden.worker_end))
        try:
            opened = [os.open(str(Path(paths[key])), os.O_RDONLY | os.O_CLOEXEC) for key in ("job", "inputs")]
            socket.send_fds(sock, [b"H"], opened)
        except OSError:
            pass   # the child's hidden tasks then find nothing and are reported as not finished
        finally:
            sock.close()
            for fd in opened:
                os.close(fd)

    def largest_output(self) -> int:
        fds = [self.stdout, self.stderr, *((self.hidden.stdout, self.hidden.stderr) if self.hidden else ())]
        return max(_size(fd) for fd in fds)

    def close(self) -> None:
        """Close every descriptor (once every process of the run is gone)."""
        fds = [self.stdout, self.stderr, self.data]
        if self.hidden:
            fds += [self.hidden.worker_end, self.hidden.stdout, self.hidden.stderr]
        for fd in fds:
            os.close(fd)


def receive(channels: Channels) -> tuple[int, int]:
    """In the child: announce the handshake and wait for the (job, inputs) descriptors."""
    assert channels.hidden is not None
    os.write(channels.control, b"H\n")
    sock = socket.socket(fileno=channels.hidden)
    try:
        sock.setblocking(True)   # whatever the submission set on it
        _, fds, _, _ = socket.recv_fds(sock, 16, 2)
    finally:
        sock.detach()
    if len(fds) != 2:
        raise RuntimeError("the grader's worker did not hand over the hidden checks")
    return fds[0], fds[1]


def _size(fd: int) -> int:
    return os.fstat(fd).st_size


def snapshot(source: str, target: str, size: int) -> None:
    """The first ``size`` bytes of ``source`` into a new file ``target`` (in the kernel: the bytes are never parsed here)."""
    src = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        offset = 0
        while offset < size:
            try:
                copied = os.copy_file_range(src, dst, size - offset, offset, offset)
            except OSError:   # a file system without it: through memory, in bounded pieces
                chunk = os.pread(src, min(size - offset, 1 << 20), offset)
                copied = os.pwrite(dst, chunk, offset) if chunk else 0
            if copied <= 0:   # the file shrank meanwhile: the copy holds what there was
                break
            offset += copied
    finally:
        os.close(src)
        os.close(dst)


def pack_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """The hidden inputs as one file: a length-prefixed JSON table, then each array's raw bytes.

    Read back in a few microseconds per array (an ``.npz`` of a few hundred small arrays
    takes tens of milliseconds), which every submission's child pays once.
    """
    table, blobs, offset = [], [], 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array)
        table.append({"name": name, "dtype": data.dtype.str, "shape": list(data.shape), "offset": offset,
                      "size": data.nbytes})
        blobs.append(data.tobytes())
        offset += data.nbytes
    header = json.dumps(table).encode()
    with open(path, "wb") as fh:
        fh.write(struct.pack(">Q", len(header)) + header)
        for blob in blobs:
            fh.write(blob)


def unpack_arrays(fh: BinaryIO) -> dict[str, np.ndarray]:
    """Inverse of :func:`pack_arrays` (the grader wrote the file; the child reads it)."""
    data = fh.read()
    (size,) = struct.unpack(">Q", data[:8])
    body = memoryview(data)[8 + size:]
    return {entry["name"]: np.frombuffer(body[entry["offset"]:entry["offset"] + entry["size"]],
                                         dtype=np.dtype(entry["dtype"])).reshape(entry["shape"])
            for entry in json.loads(data[8:8 + size])}
