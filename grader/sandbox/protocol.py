"""The job a sandboxed child runs for one submission, and how what comes back is read.

A submission runs in one child: it imports the submission, runs the public checks,
then asks for the hidden part of its job (:mod:`grader.sandbox.worker` hands it over
only then, as file descriptors, after noting how much the child had written). Until
that moment the child holds nothing hidden, not even the hidden checks' names or calls:
``job.json`` lists the public tasks only. What the child writes after it — output,
result frames — is read as the hidden phase: its prints go to the instructor's
``hidden_stdout``, never to the student's report, and no public verdict or load error
can come from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import wire
from grader.checks.base import Evaluation, Harness, Task
from grader.explain import error_evaluation
from grader.secret import derive_seed

MAX_RESULT_BYTES = 256 << 20
_TEXT = frozenset({"error", "traceback", "origin"})
INTERFERED = ("did not finish: the run moved on to the hidden checks before this check's result was written "
              "(code in the submission interfered with the grader's control channel)")
INTERFERED_LOAD = ("the run moved on to the hidden checks before the import was reported "
                   "(code in the submission interfered with the grader's control channel)")


@dataclass(frozen=True)
class Handshake:
    """Sizes of the public output and result stream when the child asked for its hidden part."""

    stdout: int
    stderr: int
    data: int

    @classmethod
    def from_reply(cls, reply: dict[str, Any]) -> Handshake | None:
        public = reply.get("public")
        if not isinstance(public, dict):
            return None
        try:
            return cls(int(public["stdout"]), int(public["stderr"]), int(public["data"]))
        except (KeyError, TypeError, ValueError):
            return None


def task_entry(task: Task, seed: int, harness: Harness | None, reference_run: bool) -> dict[str, Any]:
    """One task as the child sees it."""
    return {"check": task.check_id, "expr": task.expr, "inputs": task.input_key, "seed": seed,
            "oracle": task.oracle if reference_run else None, "harness": harness.wire() if harness is not None else None,
            "no_autograd": task.no_autograd and not reference_run}


def harness_for(harnesses: dict[str, Harness], check_id: str, reference_run: bool) -> Harness | None:
    harness = harnesses.get(check_id)
    if harness is not None and reference_run and harness.skip_reference:
        return Harness(skip=True)  # the judge never looks at the reference's run (e.g. training)
    return harness


def hidden_part(tasks: list[Task], seeds: list[int], forms: dict[str, dict[str, str]],
                harnesses: dict[str, Harness], hidden_from: int, reference_run: bool) -> dict[str, Any]:
    """What a child receives at the handshake: the hidden tasks (indices from ``hidden_from``) and their input forms."""
    hidden = tasks[hidden_from:]
    keys = {t.input_key for t in hidden}
    return {"first": hidden_from, "forms": {k: v for k, v in forms.items() if k in keys},
            "tasks": [task_entry(t, s, harness_for(harnesses, t.check_id, reference_run), reference_run)
                      for t, s in zip(hidden, seeds[hidden_from:])]}


def write_hidden_parts(folder: Path, tasks: list[Task], seeds: list[int], forms: dict[str, dict[str, str]],
                       harnesses: dict[str, Harness], hidden_from: int) -> dict[bool, Path]:
    """The hidden part of the job for student runs and for the reference run (``{reference_run: path}``)."""
    paths = {}
    for reference_run in (False, True):
        path = folder / f"hidden-{'reference' if reference_run else 'student'}.json"
        path.write_text(json.dumps(hidden_part(tasks, seeds, forms, harnesses, hidden_from, reference_run)))
        paths[reference_run] = path
    return paths


def public_job(*, inputs: Path, tasks: list[Task], seeds: list[int], forms: dict[str, dict[str, str]],
               harnesses: dict[str, Harness], hidden_from: int, modules: list[str], start: int, import_seed: Any,
               reference_run: bool, keep_going: bool = False, main: dict[str, Any] | None = None,
               roles: dict[str, Any] | None = None) -> dict[str, Any]:
    """``job.json``: everything up to the hidden checks, which it only counts. The same for every
    submission of a batch (the run's box comes with the worker's request).

    ``main`` (``run: main``): the script's budget in seconds, its stdin and how much of its
    output to keep, as ``{"budget_s", "stdin", "max_chars"}``; None imports the modules."""
    public = tasks[:hidden_from]
    keys = {t.input_key for t in public}
    return {
        "inputs": str(inputs), "forms": {k: v for k, v in forms.items() if k in keys},
        "modules": modules, "start": start, "seed": derive_seed(import_seed, "import"), "keep_going": keep_going,
        "tasks": [task_entry(t, s, harness_for(harnesses, t.check_id, reference_run), reference_run)
                  for t, s in zip(public, seeds)],
        "hidden_tasks": len(tasks) - hidden_from, "main": main,
        "roles": roles or {},   # grader.roles: how the child finds what the submission names its own way
        # loaded by the worker before it forks, so every child inherits them
        "datasets": sorted({(h.dataset, h.root) for h in harnesses.values() if h.dataset is not None and h.child_data is not False}),
    }


def read_frames(path: Path, handshake: Handshake | None) -> tuple[Iterator[wire.Frame], Iterator[wire.Frame]]:
    """The result stream split at the handshake: (public-phase frames, hidden-phase frames).

    Frames are parsed as they are consumed (by :func:`collect`), so no more than one frame's
    header is held at a time; a malformed one raises :class:`~grader.wire.WireError` there."""
    data = memoryview(wire.read_bytes(str(path), MAX_RESULT_BYTES))
    split = min(handshake.data, len(data)) if handshake else len(data)
    return wire.parse(data[:split]), wire.parse(data[split:])


@dataclass
class Load:
    """What the first load frame said: whether there was one, and the import's error if any.

    ``partial``: the import raised, but the checks ran on what the module had defined
    (``import_errors: continue``), so the error is a note, not every check's verdict.
    """

    seen: bool = False
    error: Evaluation | None = None
    partial: bool = False
    data_path: object = None     # the child's record of how Fashion-MNIST reached a script (untrusted: a code)
    cuda_at: str | None = None   # where the code first asked for CUDA and ran on the CPU (the child's words)
    cuda_code: str | None = None


def collect(frames: Iterable[wire.Frame], evaluations: list[Evaluation | None], allowed: range, take_load: bool) -> Load:
    """Fill ``evaluations`` from result frames for tasks in ``allowed``; returns what the load frame said.

    Only the first load frame counts, and only when ``take_load``: a later one, or one
    written in the hidden phase, is the submission's own writing, never the grader's.
    """
    load = Load()
    for frame in frames:
        try:
            _take(frame, evaluations, allowed, take_load, load)
        except wire.WireError:
            raise
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise wire.WireError(f"a result frame could not be read ({type(exc).__name__})") from None
    return load


def _take(frame: wire.Frame, evaluations: list[Evaluation | None], allowed: range, take_load: bool, load: Load) -> None:
    """One frame into ``evaluations`` (or ``load``); see :func:`collect`."""
    # text fields are the child's: kept only as strings (a nested list's repr could recurse or be huge)
    header = {k: v for k, v in frame.header.items() if k not in _TEXT or isinstance(v, str)}
    if header.get("type") in ("load", "cuda") and take_load and load.cuda_at is None and isinstance(header.get("cuda_at"), str):
        load.cuda_at, load.cuda_code = str(header["cuda_at"])[:300], str(header.get("cuda_code", ""))[:200]
    if header.get("type") == "cuda":
        return
    if header.get("type") == "load":
        if take_load and not load.seen and not header.get("ok"):
            load.error, load.partial = error_evaluation(header), bool(header.get("partial"))
        if take_load and not load.seen:
            load.data_path = header.get("data_path") if isinstance(header.get("data_path"), str) else None
        load.seen = True
        return
    index = header.get("task")
    if header.get("type") != "result" or not isinstance(index, int) or index not in allowed \
            or evaluations[index] is not None:
        return
    evaluation = Evaluation(True, value=wire.decode(header.get("value"), frame.buffers)) if header.get("ok") \
        else error_evaluation(header)
    evaluation.found = _found(header.get("found"))
    evaluations[index] = evaluation


def _found(raw: object) -> dict[str, str] | None:
    """The child's account of how it found each role: short strings only (it is the child's text)."""
    if not isinstance(raw, dict) or not raw:
        return None
    return {k[:64]: v[:200] for k, v in list(raw.items())[:16] if isinstance(k, str) and isinstance(v, str)} or None



def head(path: Path, limit: int, size: int | None = None) -> str:
    """The first ``limit`` characters of an output file (of its first ``size`` bytes, when given)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1 if size is None else min(limit + 1, size))
    except OSError:
        return ""
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("\n[... output truncated ...]\n" if len(data) > limit else "")
