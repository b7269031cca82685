"""The worker's watch over one child: its control pipe, its deadlines, its output cap.

The child says on its control pipe which step it begins (``B load``, ``B <task>``); the
supervisor turns that into deadlines but never lets it buy time: every child has one
hard wall-clock budget, fixed at the fork, that nothing it writes extends.
"""

from __future__ import annotations

import os
import select
import signal
import time
from typing import Any

from grader.sandbox.handover import Streams

CONTROL_CAP = 1 << 16


class Control:
    """What the child said on its control pipe: its layers, the step it began last, and that step's deadline.

    The child cannot buy time: ``final`` (setup, import and the limits of the tasks from the
    job's start) is fixed at the fork, ``load`` is announced at most once, task indices
    only ever go up, and each announced task gets its own limit once.
    """

    SETUP_S = 5.0

    def __init__(self, started: float, timeouts: dict[str, Any]) -> None:
        self.timeouts = timeouts
        self.task_limits: list[float] = timeouts["tasks"]
        self.start = int(timeouts.get("start", 0))
        self.final = started + self.SETUP_S + timeouts["load"] + sum(self.task_limits[self.start:])
        self.deadline = started + self.SETUP_S + timeouts["load"]
        self.pending = b""
        self.received = 0
        self.layers: list[str] | None = None
        self.current: str | None = None
        self.last_task: int | None = None   # the highest task index announced

    def feed(self, chunk: bytes, streams: Streams, hidden: dict[str, Any] | None) -> None:
        """Act on the whole lines in ``chunk``; beyond ``CONTROL_CAP`` bytes the child is not listened to."""
        self.received += len(chunk)
        if self.received > CONTROL_CAP:
            return
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        for raw in lines:
            text = raw.decode("ascii", "replace")
            if text.startswith("L ") and self.layers is None:
                self.layers = [p for p in text[2:].split(",") if p]
            elif text == "H" and self.layers is not None and streams.hidden and streams.handshake is None and hidden:
                streams.hand_over(hidden)
            elif text.startswith("B ") and self.layers is not None:
                self.begin(text[2:], time.monotonic())

    def begin(self, step: str, now: float) -> None:
        """A step the child says it begins: a new deadline only for a step not seen before, in order."""
        if step == "load":
            if self.current is None:
                self.current, self.deadline = step, now + self.timeouts["load"]
        elif step.isdigit():
            index = int(step)
            if self.start <= index < len(self.task_limits) and (self.last_task is None or index > self.last_task):
                self.current, self.last_task = step, index
                self.deadline = now + self.task_limits[index]
        elif step == "done":
            self.current = step

def supervise(pid: int, control: int, streams: Streams, request: dict[str, Any], started: float) -> dict[str, Any]:
    """Watch the child ``pid`` until it exits or is killed (deadline passed, output over the cap); the reply."""
    said = Control(started, request["timeouts"])
    output_cap = int(request["output_cap"])
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.register(control, select.POLLIN)
    outcome = "exited"
    try:
        while True:
            now = time.monotonic()
            wait = max(0.0, min(said.deadline, said.final) - now)
            events = poller.poll(min(wait, 0.05) * 1000)
            exited = any(fd == pidfd for fd, _ in events)
            if any(fd == control for fd, _ in events):
                chunk = os.read(control, 4096)
                if not chunk:
                    poller.unregister(control)
                said.feed(chunk, streams, request.get("hidden"))
            if exited:
                break
            if streams.largest_output() > output_cap:
                outcome = "output"
            elif time.monotonic() >= min(said.deadline, said.final):
                outcome = "timeout"
            else:
                continue
            os.kill(pid, signal.SIGKILL)
            break
        _, status, usage = os.wait4(pid, 0)
    finally:
        os.close(pidfd)
    reply: dict[str, Any] = {
        "outcome": outcome, "current": said.current, "last_task": said.last_task, "layers": said.layers or [],
        "wall_s": time.monotonic() - started, "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
    }
    if streams.handshake is not None:
        reply["public"] = streams.handshake
    if os.WIFSIGNALED(status):
        reply["signal"] = signal.Signals(os.WTERMSIG(status)).name
    else:
        reply["code"] = os.WEXITSTATUS(status)
    return reply
