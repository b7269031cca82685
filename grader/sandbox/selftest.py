"""The sandbox proves itself before it runs untrusted code.

A probe runs through exactly the path a submission takes and tries what the
layers must stop: connect to a listener the grader opens on loopback, read a
file planted outside its box, write beside it, allocate past the memory limit,
keep root, call ``unshare``. Each layer's verdict comes from what the probe
could *not* do (and, for the network, from the listener having accepted
nothing).
"""

from __future__ import annotations

import socket
import textwrap
from dataclasses import dataclass
from pathlib import Path

PROBE_MEMORY_MB = 128

SPEC = f"""\
name: sandbox-self-test
title: Sandbox self-test
files: [probe.py]
sandbox:
  timeout_s: 10
  memory_mb: {PROBE_MEMORY_MB}
  preload: [numpy]
checks:
  - id: probe
    kind: compare
    call: probe()
"""

PROBE = '''\
import ctypes
import os
import socket


def _blocked(action):
    try:
        action()
    except (OSError, MemoryError):
        return True
    return False


def probe():
    libc = ctypes.CDLL(None, use_errno=True)
    return {{
        "network": _blocked(lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2).close()),
        "filesystem": _blocked(lambda: open({planted!r}).read()) and _blocked(lambda: open({beside!r}, "w").close()),
        "resources": _blocked(lambda: bytearray({too_much})),
        "uid": os.getuid() != 0,
        "seccomp": libc.unshare(0x10000000) != 0,  # a user namespace: allowed to anyone but seccomp
    }}
'''


@dataclass
class Probe:
    """A listener and a planted file for one self-test; close it afterwards."""

    folder: Path
    listener: socket.socket

    @classmethod
    def create(cls, folder: Path) -> Probe:
        # World-readable and world-writable on purpose: only the sandbox, not file modes,
        # may stop the probe, or the test would prove nothing.
        folder.mkdir()
        folder.chmod(0o755)
        (folder / "open").mkdir()
        (folder / "open").chmod(0o777)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        planted = folder / "planted.txt"
        planted.write_text("the sandbox must not read this\n")
        planted.chmod(0o644)
        (folder / "reference").mkdir()
        source = PROBE.format(port=listener.getsockname()[1], planted=str(planted),
                              beside=str(folder / "open" / "written-by-probe"), too_much=(PROBE_MEMORY_MB + 64) << 20)
        (folder / "reference" / "probe.py").write_text(source)
        (folder / "assignment.yaml").write_text(textwrap.dedent(SPEC))
        return cls(folder, listener)

    def accepted_nothing(self) -> bool:
        try:
            connection, _ = self.listener.accept()
        except BlockingIOError:
            return True
        connection.close()
        return False

    def close(self) -> None:
        self.listener.close()


def verdicts(probed: dict[str, bool], probe: Probe, as_root: bool) -> dict[str, bool]:
    """Layer -> whether its guarantee held in the probe."""
    held = dict(probed)
    held["network"] = bool(held.get("network")) and probe.accepted_nothing()
    held["filesystem"] = bool(held.get("filesystem")) and not (probe.folder / "open" / "written-by-probe").exists()
    if not as_root:
        held["uid"] = True  # the grader itself is unprivileged: nothing to drop
    held["lifecycle"] = True  # the probe came back, within its wall-clock limit, from a fresh child
    return held
