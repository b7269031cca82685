"""One sandboxed run of a submission: the grader's side of talking to its child.

Every task runs in one child of a warm worker; after a task that stops the child, a fresh
child goes on from the next check. What the child wrote comes back through the result
stream (:mod:`grader.sandbox.protocol`) as validated plain data, split at the handshake:
only what came before it can be a public verdict or be shown to the student, and that is
read from the copies the worker made at the handshake, never from the child's own files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import script_data, wire
from grader.checks.base import Evaluation
from grader.errors import GraderError
from grader.explain import explain_cpu_fallback, explain_partial_import, failure
from grader.sandbox import cpu_fallback, protocol, runner
from grader.sandbox.handover import LIVE_FILES, PUBLIC_COPIES
from grader.submission import Submission, stage

if TYPE_CHECKING:   # annotations only: the engine imports this module
    from grader.engine.pool import Pool
    from grader.engine.prepare import Prepared

OUTPUT_KEEP = 16_000
SCRIPT_GRACE_S = 15.0    # run: main: past the script's budget, the child stops it itself; the supervisor after this


@dataclass
class Run:
    """What one sandboxed run of a submission produced."""

    evaluations: list[Evaluation]
    load_error: Evaluation | None
    layers: list[str]
    output: dict[str, str]          # stdout/stderr of public checks; hidden_stdout/hidden_stderr for instructors
    box: str = "directory"
    notes: list[str] = field(default_factory=list)   # for the student: how the run went (data staged, ...)
    import_problem: Evaluation | None = None          # import_errors: continue, and the import raised


@dataclass
class _Progress:
    """The run so far: each task's evaluation once known, and where the next child starts."""

    evaluations: list[Evaluation | None]
    start: int = 0
    load_error: Evaluation | None = None
    import_problem: Evaluation | None = None
    data_note: str | None = None                      # how Fashion-MNIST reached a script, when it did
    cpu_note: str | None = None                       # the code asked for CUDA and ran on the CPU
    layers: list[str] = field(default_factory=list)
    box: str = "directory"
    output: dict[str, str] = field(default_factory=lambda: dict.fromkeys(
        ("stdout", "stderr", "hidden_stdout", "hidden_stderr"), ""))


@dataclass
class _Place:
    """Where a run happens: the staged submission, its box, what it may read, its run folders."""

    staged: Path
    box: Path
    data_paths: list[str]
    rundirs: list[Path] = field(default_factory=list)
    names: dict[str, dict[str, object]] = field(default_factory=dict)   # how tracebacks name the staged files
    cuda: bool = False                                                   # the code mentions cuda


def run(pool: Pool, prepared: Prepared, submission: Submission, extra: dict[str, bytes],
        reference_run: bool) -> tuple[Run, Path | None]:
    """Run every task in sandboxed children; the run, and the last child's result stream."""
    staged = pool.new_dir("staged", 0o700)
    stage(submission, staged, extra)
    data_paths, data_note = pool.stage_data(submission, staged)
    place = _Place(staged, pool.new_dir("boxes", 0o700), data_paths, names=submission.shown(),
                   cuda=cpu_fallback.mentions_cuda(submission.files))
    progress = _Progress([None] * len(prepared.tasks))
    kind = pool.kind_for(submission, reference_run, prepared.harness)
    worker = pool.take(kind)
    last_data: Path | None = None
    try:
        while True:
            worker, last_data, more = _one_child(pool, worker, prepared, place, progress, reference_run)
            if not more:
                break
    finally:
        pool.put_back(kind, worker)
        shutil.rmtree(place.box, ignore_errors=True)
        shutil.rmtree(place.staged, ignore_errors=True)
        for done in place.rundirs if not reference_run else place.rundirs[:-1]:  # the reference's stream feeds the cache
            shutil.rmtree(done, ignore_errors=True)
    return _finish(progress, prepared, data_note, main_files(prepared, submission)), last_data


def _one_child(pool: Pool, worker: runner.Worker, prepared: Prepared, place: _Place, progress: _Progress,
               reference_run: bool) -> tuple[runner.Worker, Path, bool]:
    """One child from ``progress.start``: (the worker now, its result stream, whether another child must go on)."""
    job = job_text(prepared, progress.start, reference_run)
    rundir, reply, worker = _request_with_retry(pool, worker, prepared, place, job, (progress.start, reference_run))
    progress.layers = reply["layers"]
    progress.box = reply.get("box", "directory")
    handshake = protocol.Handshake.from_reply(reply)
    _keep_output(progress.output, rundir, handshake,
                 shown=reference_run or progress.start < prepared.hidden_from)
    data = rundir / "data.bin"
    saw_load = _read_results(progress, data, handshake, prepared.hidden_from)
    if progress.start == 0 and progress.load_error is None and not saw_load:
        progress.load_error = (
            failure(reply, "load", load_limit(prepared)) if handshake is None
            else Evaluation(False, status="error", error=protocol.INTERFERED_LOAD))  # nothing from after the handshake
    if progress.load_error is not None:
        return worker, data, False
    return worker, data, _skip_stopped_check(progress, prepared, reply, handshake)


def _read_results(progress: _Progress, data: Path, handshake: protocol.Handshake | None, hidden_from: int) -> bool:
    """Fill in what this child's result stream holds; whether it reported the import."""
    evaluations, start, n = progress.evaluations, progress.start, len(progress.evaluations)
    try:
        public_frames, hidden_frames = _frames(data, handshake)
        load = protocol.collect(public_frames, evaluations, range(start, hidden_from), take_load=start == 0)
        protocol.collect(hidden_frames, evaluations, range(max(start, hidden_from), n), take_load=False)
    except wire.WireError as exc:
        bad = Evaluation(False, status="error", error=f"the submission's results were unreadable: {exc}")
        for i in range(start, n):
            evaluations[i] = evaluations[i] or bad
        return True
    progress.load_error = load.error
    if load.seen and start == 0:
        progress.data_note = script_data.data_path_note(load.data_path)
        progress.cpu_note = explain_cpu_fallback(load.cuda_at, load.cuda_code) if load.cuda_at else None
    if load.partial:   # import_errors: continue: the checks ran on what the module defined
        progress.import_problem, progress.load_error = load.error, None
    return load.seen


def _frames(data: Path, handshake: protocol.Handshake | None) -> tuple[Iterator[wire.Frame], Iterator[wire.Frame]]:
    """The result stream split at the handshake: the public phase from the worker's copy made then
    (the child's own file may have been rewritten since), the hidden phase from what followed.
    Both are parsed lazily, one frame at a time, as :func:`grader.sandbox.protocol.collect` reads them."""
    if handshake is None:
        return protocol.read_frames(data, None)
    copy = data.parent / PUBLIC_COPIES["data"]
    public = protocol.read_frames(copy, None)[0] if copy.exists() else iter(())
    live = memoryview(wire.read_bytes(str(data), protocol.MAX_RESULT_BYTES))
    return public, wire.parse(live[min(handshake.data, len(live)):])


def _skip_stopped_check(progress: _Progress, prepared: Prepared, reply: dict[str, Any],
                        handshake: protocol.Handshake | None) -> bool:
    """After a child that stopped early: its unfinished checks fail with why; whether tasks remain after them.

    The next child starts after the check of the last task this one announced: a task's
    time limit is granted once per submission, however often its children stop.
    """
    evaluations, n = progress.evaluations, len(progress.evaluations)
    missing = next((i for i in range(progress.start, n) if evaluations[i] is None), None)
    if missing is None:
        return False
    last = reply.get("last_task")
    stopped_at = last if isinstance(last, int) and missing < last < n else missing
    check_id = prepared.tasks[stopped_at].check_id
    limits = timeouts(prepared)
    start = missing
    while start < n and (start <= stopped_at or prepared.tasks[start].check_id == check_id):
        if evaluations[start] is None:
            evaluations[start] = (
                Evaluation(False, status="error", error=protocol.INTERFERED)   # nothing from after the handshake
                if handshake is not None and start < prepared.hidden_from else failure(reply, start, limits[start]))
        start += 1
    progress.start = start
    return start < n


def main_files(prepared: Prepared, submission: Submission) -> str:
    """The student's own names for the assignment's .py files, for messages."""
    return ", ".join(submission.own_name(f) for f in prepared.assignment.spec.files if f.endswith(".py"))


def _finish(progress: _Progress, prepared: Prepared, data_note: str | None, files: str) -> Run:
    evaluations = progress.evaluations
    if progress.load_error is not None:
        evaluations = [e or progress.load_error for e in evaluations]
    notes = [*([data_note] if data_note else []), *([progress.data_note] if progress.data_note else []),
             *([progress.cpu_note] if progress.cpu_note else []),
             *([explain_partial_import(progress.import_problem, prepared.assignment, files)] if progress.import_problem else [])]
    return Run([e or Evaluation(False, status="error", error="not run") for e in evaluations],
               progress.load_error, progress.layers, {k: v[:OUTPUT_KEEP] for k, v in progress.output.items() if v},
               progress.box, notes, progress.import_problem)


def _request_with_retry(pool: Pool, worker: runner.Worker, prepared: Prepared, place: _Place, job: str,
                        start: tuple[int, bool]) -> tuple[Path, dict[str, Any], runner.Worker]:
    """One run of ``job``. A worker that died (killed from outside, out of memory) is replaced
    and the run tried once more; a second failure is reported."""
    for attempt in (1, 2):
        rundir = pool.new_dir("runs", 0o700)
        place.rundirs.append(rundir)
        (rundir / "job.json").write_text(job)
        try:
            reply = _request(pool, worker, prepared, place, rundir, start)
            break
        except GraderError:
            if attempt == 2:
                raise
            worker = pool.respawn(worker)
    if reply.get("outcome") == "worker-error":
        raise GraderError(f"the sandbox worker failed: {reply.get('error')}")
    if not reply.get("layers"):
        tail = protocol.head(rundir / "stderr.txt", 600)
        raise GraderError(f"the sandbox could not start a child process ({tail.strip() or reply})")
    return rundir, reply, worker


def _keep_output(output: dict[str, str], rundir: Path, handshake: protocol.Handshake | None, shown: bool) -> None:
    """What the run printed: up to the handshake for the student (when ``shown``), after it for the instructor."""
    public = "" if shown else "hidden_"
    files = PUBLIC_COPIES if handshake else LIVE_FILES   # after a handshake, the worker's copies made then
    output[public + "stdout"] += protocol.head(rundir / files["stdout"], OUTPUT_KEEP)
    output[public + "stderr"] += protocol.head(rundir / files["stderr"], OUTPUT_KEEP)
    output["hidden_stdout"] += protocol.head(rundir / "hidden_stdout.txt", OUTPUT_KEEP)
    output["hidden_stderr"] += protocol.head(rundir / "hidden_stderr.txt", OUTPUT_KEEP)


def _request(pool: Pool, worker: runner.Worker, prepared: Prepared, place: _Place, rundir: Path,
             start: tuple[int, bool]) -> dict[str, Any]:
    """One child's run from task ``start[0]`` (of the reference when ``start[1]``)."""
    first, reference_run = start
    sandbox = prepared.assignment.spec.sandbox
    plan = runner.plan(place.box, [*map(Path, place.data_paths)], sandbox, worker.index, pool.layers, pool.private_shm,
                       load_s=load_limit(prepared))
    request = {
        "job": str(rundir / "job.json"), "rundir": str(rundir), "plan": runner.plan_dict(plan),
        "timeouts": {"load": load_limit(prepared), "tasks": timeouts(prepared), "start": first},
        "output_cap": sandbox.max_output_kb << 10,
        "staged": str(place.staged), "box_mb": sandbox.disk_mb, "box_files": sandbox.max_files,
        "names": place.names, "cuda": place.cuda,
    }
    if prepared.hidden_jobs:  # opened by the worker only when the child asks, and passed as descriptors
        request["hidden"] = {"job": str(prepared.hidden_jobs[reference_run]), "inputs": str(prepared.hidden_inputs_path)}
    return worker.run(request)


def timeouts(prepared: Prepared) -> list[float]:
    """Each task's time limit: its check's, else the assignment's."""
    by_id = {c.id: c for c in prepared.assignment.checks}
    default = prepared.assignment.spec.sandbox.timeout_s
    return [by_id[t.check_id].timeout_s or default for t in prepared.tasks]


def job_text(prepared: Prepared, start: int, reference_run: bool) -> str:
    """``job.json``'s text, built once per batch for each (start, reference_run)."""
    key = (start, reference_run)
    if key not in prepared.job_texts:
        prepared.job_texts[key] = json.dumps(protocol.public_job(
            inputs=prepared.inputs_path, tasks=prepared.tasks, seeds=prepared.task_seeds, forms=prepared.forms,
            harnesses=prepared.harness, hidden_from=prepared.hidden_from, modules=prepared.assignment.modules,
            start=start, import_seed=prepared.assignment.spec.seed, reference_run=reference_run,
            keep_going=prepared.assignment.spec.import_errors == "continue", main=main_job(prepared)))
    return prepared.job_texts[key]


def main_job(prepared: Prepared) -> dict[str, Any] | None:
    """What the child needs to run the main file once as ``__main__`` (``run: main``); None for ``run: import``."""
    spec = prepared.assignment.spec
    if spec.run != "main":
        return None
    return {"budget_s": spec.sandbox.script_timeout_s, "stdin": spec.stdin, "max_chars": spec.sandbox.max_output_kb << 10}


def load_limit(prepared: Prepared) -> float:
    """The wall-clock limit of the load step: the import's, or the script's budget plus the time the
    child needs to notice it ran out and report what the script had done (``run: main``)."""
    sandbox = prepared.assignment.spec.sandbox
    if prepared.assignment.spec.run == "main":
        return sandbox.script_timeout_s + SCRIPT_GRACE_S
    return sandbox.import_timeout_s


def decode_stream(path: Path, n: int) -> list[Evaluation | None] | None:
    """A stored result stream's evaluations of ``n`` tasks; None when it cannot be read."""
    evaluations: list[Evaluation | None] = [None] * n
    try:
        protocol.collect(list(wire.read(str(path), protocol.MAX_RESULT_BYTES)), evaluations, range(n), take_load=False)
    except (wire.WireError, OSError):
        return None
    return evaluations
