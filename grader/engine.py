"""The engine: (assignment, submission) -> result, with the reference computed once per batch.

Data flows one way: the spec's inputs are drawn here (NumPy only), the
submission runs in a sandboxed child of a warm worker, what it returned comes
back as validated plain data, each check kind judges it against the
reference's evaluations, and the engine turns outcomes into a :class:`Result`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import grader
from grader import datasets, jobs, script_data, wire
from grader.checks import CHECKS
from grader.checks.base import Evaluation, JudgeContext, Outcome, Task
from grader.checks.gradient import GradientSpec, oracle_module
from grader.errors import GraderError
from grader.inputs import draw_set
from grader.results import CheckResult, Result
from grader.sandbox import handover, runner
from grader.settings import boxes_root, default_secret, derive_seed, remove_stale_workdirs, scratch_root
from grader.spec import Assignment, check_inputs, missing_requirements
from grader.submission import Submission, read, stage
from grader.verdicts import describe, explain, explain_load, explain_partial_import, failure, hidden_details

_MENTIONS_TORCH = re.compile(rb"\btorch\b")
OUTPUT_KEEP = 16_000


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` for the block; no lock where the folder cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")  # noqa: SIM115 - held for the block, closed by the with below
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@dataclass
class Prepared:
    """What every submission of one assignment shares within a batch."""

    assignment: Assignment
    inputs_path: Path               # the public checks' inputs: warm workers cache them, every child inherits them
    forms: dict[str, dict[str, str]]
    tasks: list[Task]
    task_seeds: list[int]
    expected: list[Evaluation]
    case_inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    harness: dict[str, dict[str, Any]] = field(default_factory=dict)  # check id -> what the child runs around its call
    hidden_from: int = 0  # tasks are ordered public first; a child gets the hidden ones only after the public ones
    hidden_inputs_path: Path | None = None  # handed to the child at its handshake, never read by a worker
    hidden_jobs: dict[bool, Path] = field(default_factory=dict)  # reference_run -> the hidden part of the job
    job_texts: dict[tuple[int, bool], str] = field(default_factory=dict)  # (start, reference_run) -> job.json


@dataclass
class RunOutcome:
    evaluations: list[Evaluation]
    load_error: Evaluation | None
    layers: list[str]
    output: dict[str, str]          # stdout/stderr of public checks; hidden_stdout/hidden_stderr for instructors
    box: str = "directory"
    notes: list[str] = field(default_factory=list)   # for the student: how the run went (data staged, ...)
    import_problem: Evaluation | None = None          # import_errors: continue, and the import raised


class Engine:
    """Grades submissions in sandboxes; holds ``jobs`` warm workers until closed."""

    def __init__(self, jobs: int = 1, *, insecure: bool = False, secret: str | None = None,
                 cache_dir: Path | None = None, require: list[str] | None = None,
                 preload: list[str] | None = None, namespaces: bool = True, stand_in: bool = False,
                 data_dir: Path | None = None) -> None:
        """``stand_in`` is for ``grader demo`` only: a training check whose dataset is missing trains
        on the offline stand-in (see :meth:`grader.checks.train.Train.stand_in`) instead of reporting an error."""
        from grader.spec import ALL_LAYERS
        self.insecure = insecure
        self.stand_in = stand_in
        self.data_dir = data_dir   # the datasets' folder; None: datasets.data_dir()'s default
        self.required = list(require if require is not None else ALL_LAYERS)
        self.layers = runner.require(self.required, insecure)
        self.secret = secret or default_secret()
        self.cache_dir = cache_dir
        remove_stale_workdirs()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"grader-{os.getpid()}-", dir=scratch_root()))
        os.chmod(self.workdir, 0o711)
        for sub, mode in (("boxes", 0o711), ("staged", 0o700), ("runs", 0o700), ("inputs", 0o711)):
            (self.workdir / sub).mkdir(mode=mode)
            os.chmod(self.workdir / sub, mode)
        preload = list(preload if preload is not None else ["numpy", "torch"])
        # Two warm images per slot when torch is preloaded: forking a process that has
        # imported torch costs ~25 ms, one with NumPy alone ~3 ms, so submissions that
        # never mention torch run in the light one.
        self._kinds = {"full": preload}
        if "torch" in preload:   # light: what does not import torch (d2l.torch and torchvision do)
            self._kinds["light"] = [m for m in preload if m.split(".")[0] not in ("torch", "torchvision", "d2l")]
        self._pools: dict[str, queue.Queue[runner.Worker]] = {kind: queue.Queue() for kind in self._kinds}
        self._workers: list[runner.Worker] = []
        self._namespaces = namespaces
        self._counter = itertools.count(1)
        self._data_lock = threading.Lock()
        self._script_data_by_folder: dict[str, tuple[Path | None, list[str], str | None]] = {}
        self.boxes = self.workdir / "boxes"
        self.private_shm = False
        try:
            for index in range(max(1, jobs)):
                for kind, modules in self._kinds.items():
                    worker = runner.Worker(index, modules, namespaces=namespaces, log_dir=self.workdir)
                    self._workers.append(worker)
                    self._pools[kind].put(worker)
            for worker in self._workers:
                worker.wait_ready()
            self.boxes = self._boxes_dir()
            if self.required and not insecure:
                self._verify_layers()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ lifecycle
    def _kind_for(self, submission: Submission, reference_run: bool, prepared: Prepared | None = None) -> str:
        """The lightest warm image that can run this submission without importing anything late."""
        if reference_run or "light" not in self._kinds or (
                prepared is not None and any("dataset" in h for h in prepared.harness.values())):  # training needs torch
            return "full"
        for name, data in submission.files.items():
            if name.endswith(".py") and _MENTIONS_TORCH.search(data):
                return "full"
        return "light"

    def close(self, kill: bool = False) -> None:
        """Stop the workers (at once with ``kill``: their children die with them) and remove scratch files."""
        for worker in self._workers:
            worker.close(kill=kill)
        self._workers.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.boxes, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(kill=exc_type is not None)

    def _boxes_dir(self) -> Path:
        """Where the boxes go. With mount namespaces each child gets a private, empty ``/dev/shm``
        (what ``multiprocessing`` and DataLoader workers need), so its box must lie elsewhere:
        a box is a tmpfs of its own anyway, wherever its mount point is."""
        root = boxes_root()
        if root is None or not all("mount-namespace" in w.namespaces for w in self._workers):
            return self.workdir / "boxes"
        boxes = Path(tempfile.mkdtemp(prefix=f"grader-{os.getpid()}-boxes-", dir=root))
        os.chmod(boxes, 0o711)
        self.private_shm = True
        return boxes

    def _new_dir(self, kind: str, mode: int) -> Path:
        path = (self.boxes if kind == "boxes" else self.workdir / kind) / str(next(self._counter))
        path.mkdir(mode=mode)
        os.chmod(path, mode)
        return path

    # ----------------------------------------------------------- self-test
    def self_test(self) -> dict[str, bool]:
        """Run the sandbox probe through the normal path; layer -> whether its guarantee held."""
        from grader import spec as spec_module
        from grader.sandbox import selftest

        # Beside the boxes, where a child can name it: only the sandbox may stop it being read
        # (not a private /dev/shm hiding the grader's own folder).
        probe = selftest.Probe.create(self.boxes / f"selftest-{next(self._counter)}")
        try:
            assignment = spec_module.load(probe.folder)
            prepared = self._prepare_inputs(assignment)
            outcome, _ = self._run(prepared, read(assignment.reference_dir, assignment.spec.files), {}, reference_run=True)
            evaluation = outcome.evaluations[0]
            if not evaluation.ok or not isinstance(evaluation.value, dict):
                raise GraderError(f"the sandbox self-test could not run ({evaluation.error}); run `grader doctor`")
            probed = {k: bool(getattr(v, "value", False)) for k, v in evaluation.value.items()}
            return selftest.verdicts(probed, probe, os.geteuid() == 0)
        finally:
            probe.close()
            shutil.rmtree(probe.folder, ignore_errors=True)

    def _verify_layers(self) -> None:
        """Fail closed: a required layer that is present but does not hold is as bad as a missing one."""
        held = self.self_test()
        broken = [name for name in self.required if self.layers.get(name) and not held.get(name, False)]
        if broken:
            self.layers = {**self.layers, **{name: None for name in broken}}
            runner.require(self.required, self.insecure, self.layers)

    # ------------------------------------------------------------- prepare
    def prepare(self, assignment: Assignment) -> Prepared:
        """Draw every check's inputs and compute the reference's evaluations (cached by content hash)."""
        missing = missing_requirements(assignment)
        if missing:
            raise GraderError(missing[0])
        prepared = self._prepare_inputs(assignment)
        if assignment.expected is not None:  # a student bundle: no reference here, its answers come with it
            from grader.authoring.bundle import load_expected
            prepared.expected = load_expected(assignment, prepared.tasks)
        else:
            prepared.expected = self._reference(prepared)
        return prepared

    def _prepare_inputs(self, assignment: Assignment) -> Prepared:
        tasks: list[Task] = []
        seeds: list[int] = []
        arrays: dict[str, np.ndarray] = {}
        hidden_arrays: dict[str, np.ndarray] = {}
        forms: dict[str, dict[str, str]] = {}
        case_inputs: dict[str, list[dict[str, Any]]] = {}
        harness: dict[str, dict[str, Any]] = {}
        hidden_from = 0
        for check in sorted(assignment.checks, key=lambda c: c.visibility != "public"):
            secret = self.secret if check.visibility == "hidden" else "public"
            seed = derive_seed(secret, assignment.spec.seed, check.id)
            kind = CHECKS[check.kind]
            if hasattr(kind, "draw"):  # kinds with their own cases (e.g. one per configuration)
                cases = kind.draw(check, assignment, seed)
            else:
                input_set = check_inputs(assignment, check)
                cases = draw_set(input_set.values, seed, input_set.cases)
            case_inputs[check.id] = [{k: v.value for k, v in case.items()} for case in cases]
            if hasattr(kind, "harness"):  # e.g. train: datasets and a prediction step around the call
                harness[check.id] = kind.harness(check, assignment, data_dir=self.data_dir)
                if self.stand_in and hasattr(kind, "stand_in"):   # the demo: a missing dataset's offline stand-in
                    with self._data_lock:
                        harness[check.id] = kind.stand_in(check, harness[check.id], self.workdir / "stand-in")
            check_tasks = CHECKS[check.kind].tasks(check, len(cases))
            if check.visibility == "public":
                hidden_from += len(check_tasks)
            for task in check_tasks:
                forms[task.input_key] = {name: value.form for name, value in cases[task.case].items()}
                for name, value in cases[task.case].items():
                    (arrays if check.visibility == "public" else hidden_arrays)[f"{task.input_key}/{name}"] = \
                        np.asarray(value.value)
                tasks.append(task)
                seeds.append(derive_seed(secret, assignment.spec.seed, check.id, task.case, "run"))
        # Apart: until it has finished the public checks a child holds no hidden input, call or check id,
        # not even in memory it inherited, since whatever it prints then is shown to the student.
        # None of these files is readable inside the sandbox; the hidden ones reach a child as descriptors.
        inputs_dir = self._new_dir("inputs", 0o700)
        inputs_path, hidden_path = inputs_dir / "public.npz", inputs_dir / "hidden.bin"
        np.savez(inputs_path, **arrays)
        handover.pack_arrays(hidden_path, hidden_arrays)
        hidden_jobs = jobs.write_hidden_parts(inputs_dir, tasks, seeds, forms, harness, hidden_from) \
            if hidden_from < len(tasks) else {}
        return Prepared(assignment, inputs_path, forms, tasks, seeds, [], case_inputs, harness, hidden_from,
                        hidden_path if hidden_jobs else None, hidden_jobs)

    def _reference(self, prepared: Prepared) -> list[Evaluation]:
        assignment = prepared.assignment
        key = hashlib.sha256(json.dumps([grader.__version__, assignment.spec_hash,
                                         derive_seed(self.secret, "cache")]).encode()).hexdigest()[:24]
        cached = self.cache_dir / f"reference-{assignment.name}-{key}.bin" if self.cache_dir else None
        if cached is None:
            return self._run_reference(prepared, None)
        with _locked(cached.with_suffix(".lock")):   # engine hosts start together: one computes, the rest read
            if cached.is_file():
                evaluations = self._decode_stream(cached, len(prepared.tasks))
                if evaluations is not None and all(e is not None and e.ok for e in evaluations):
                    return evaluations  # type: ignore[return-value]
            return self._run_reference(prepared, cached)

    def _run_reference(self, prepared: Prepared, cached: Path | None) -> list[Evaluation]:
        assignment = prepared.assignment
        reference = read(assignment.reference_dir, assignment.spec.files)
        extra = {}
        for check in assignment.checks:
            if isinstance(check, GradientSpec) and check.autograd:
                file, module, _ = oracle_module(check.autograd.function)
                source = assignment.root / file
                if not source.is_file():
                    raise GraderError(f"{assignment.name}: check {check.id!r} names {file}, which does not exist")
                extra[f"{module}.py"] = source.read_bytes()
        outcome, data_file = self._run(prepared, reference, extra, reference_run=True)
        if outcome.import_problem is not None and not self.stand_in:   # the demo's stand-in: a demonstration
            raise GraderError(f"the reference solution of {assignment.name} raised when imported "
                              f"({outcome.import_problem.error}); fix the reference")
        problems = [(t, e) for t, e in zip(prepared.tasks, outcome.evaluations) if not e.ok]
        if outcome.load_error or problems:
            task, bad = (prepared.tasks[0], outcome.load_error) if outcome.load_error else problems[0]
            raise GraderError(f"the reference solution of {assignment.name} fails check {task.check_id!r} "
                              f"({bad.error}); fix the reference or the spec")
        if cached and data_file:
            try:
                tmp = cached.with_suffix(".tmp")
                shutil.copyfile(data_file, tmp)
                os.replace(tmp, cached)
            except OSError:
                pass
        return outcome.evaluations

    # --------------------------------------------------------------- grade
    def grade(self, prepared: Prepared, path_or_submission: Path | Submission) -> Result:
        """Grade one submission against a prepared assignment. Never raises for a bad submission."""
        started = time.perf_counter()
        assignment = prepared.assignment
        try:
            submission = path_or_submission if isinstance(path_or_submission, Submission) else \
                read(Path(path_or_submission), assignment.spec.files)
        except GraderError as exc:
            sub_id = Path(path_or_submission).stem if not isinstance(path_or_submission, Submission) else path_or_submission.id
            return self._error_result(assignment, sub_id, "", str(exc), started)
        missing = submission.missing(assignment.spec.files)
        if missing:
            found = ", ".join(sorted(submission.files)[:10]) or "nothing"
            return self._error_result(assignment, submission.id, submission.hash,
                                      f"the submission has no {', '.join(missing)} (found: {found})", started)
        try:
            outcome, _ = self._run(prepared, submission, {}, reference_run=False)
        except GraderError as exc:
            return self._error_result(assignment, submission.id, submission.hash,
                                      f"the grader could not run this submission ({exc}); grade it again", started)
        checks = self._judge(prepared, submission, outcome)
        score = round(sum(c.score for c in checks), 4)
        return Result(
            assignment=assignment.name, submission=submission.id, status="graded",
            score=score, max_score=assignment.max_score, checks=checks,
            sandbox=self._sandbox_record(outcome.layers, outcome.box, assignment), timing={"wall_s": round(time.perf_counter() - started, 4)},
            grader_version=grader.__version__, spec_hash=assignment.spec_hash, submission_hash=submission.hash,
            output=outcome.output, notes=[*submission.notes, *outcome.notes],
        )

    def _sandbox_record(self, child_layers: list[str], box: str, assignment: Assignment) -> dict[str, Any]:
        layers = [name for name in ("lifecycle", "resources") if name in child_layers]
        namespaces = self._workers[0].namespaces if self._workers else []
        if "network-namespace" in namespaces or "seccomp" in child_layers:
            layers.append("network")
        layers += [name for name in ("filesystem", "uid", "seccomp") if name in child_layers]
        if os.geteuid() != 0 and "uid" not in layers:
            layers.append("uid")
        mechanisms = {k: v for k, v in self.layers.items() if k in layers}
        limits = assignment.spec.sandbox
        mechanisms["disk"] = (f"private tmpfs, {limits.disk_mb} MiB, {limits.max_files} files" if box == "tmpfs"
                              else f"directory, {limits.max_file_mb} MiB per file")
        if self.private_shm:
            mechanisms["disk"] += f"; private /dev/shm, {limits.shm_mb} MiB"
        return {"layers": layers, "mechanisms": mechanisms, "namespaces": namespaces, "insecure": self.insecure}

    def _error_result(self, assignment: Assignment, sub_id: str, sub_hash: str, message: str, started: float) -> Result:
        checks = [CheckResult(c.id, c.kind, c.visibility, "error", 0.0, c.points, message, c.title or c.id,
                              describe(c)) for c in assignment.checks]
        return Result(assignment.name, sub_id, "error", 0.0, assignment.max_score, checks,
                      {"layers": [], "insecure": self.insecure}, {"wall_s": round(time.perf_counter() - started, 4)},
                      grader.__version__, assignment.spec_hash, sub_hash, message=message)

    # ----------------------------------------------------------------- run
    def _run(self, prepared: Prepared, submission: Submission, extra: dict[str, bytes],
             reference_run: bool) -> tuple[RunOutcome, Path | None]:
        """Run every task in one sandboxed child; after a task that stops the child, a fresh one goes on from the next check."""
        assignment = prepared.assignment
        staged = self._new_dir("staged", 0o700)
        stage(submission, staged, extra)
        data_paths, data_note = self._stage_data(submission, staged)
        box = self._new_dir("boxes", 0o700)
        n = len(prepared.tasks)
        evaluations: list[Evaluation | None] = [None] * n
        load_error: Evaluation | None = None
        import_problem: Evaluation | None = None
        layers: list[str] = []
        output = {"stdout": "", "stderr": "", "hidden_stdout": "", "hidden_stderr": ""}
        box_kind = "directory"
        start = 0
        last_data: Path | None = None
        pool = self._pools[self._kind_for(submission, reference_run, prepared)]
        worker = pool.get()
        rundirs: list[Path] = []
        try:
            while True:
                job = self._job(prepared, start, reference_run)
                rundir, reply, worker = self._request_with_retry(worker, prepared, box, staged, data_paths, job,
                                                                 rundirs, reference_run)
                layers = reply["layers"]
                box_kind = reply.get("box", "directory")
                handshake = jobs.Handshake.from_reply(reply)
                self._keep_output(output, rundir, handshake, shown=reference_run or start < prepared.hidden_from)
                last_data = rundir / "data.bin"
                try:
                    public_frames, hidden_frames = jobs.read_frames(last_data, handshake)
                    load = jobs.collect(public_frames, evaluations, range(start, prepared.hidden_from), take_load=start == 0)
                    jobs.collect(hidden_frames, evaluations, range(max(start, prepared.hidden_from), n), take_load=False)
                    saw_load, load_error = load.seen, load.error
                    if load.partial:   # import_errors: continue: the checks ran on what the module defined
                        import_problem, load_error = load.error, None
                except wire.WireError as exc:
                    saw_load = True
                    bad = Evaluation(False, status="error", error=f"the submission's results were unreadable: {exc}")
                    for i in range(start, n):
                        evaluations[i] = evaluations[i] or bad
                if start == 0 and load_error is None and not saw_load:
                    load_error = failure(reply, "load", assignment.spec.sandbox.import_timeout_s) if handshake is None \
                        else Evaluation(False, status="error", error=jobs.INTERFERED_LOAD)  # nothing from after the handshake
                if load_error is not None:
                    break
                missing = next((i for i in range(start, n) if evaluations[i] is None), None)
                if missing is None:
                    break
                if handshake is not None and missing < prepared.hidden_from:
                    stopped = Evaluation(False, status="error", error=jobs.INTERFERED)  # nothing from after the handshake
                else:
                    stopped = failure(reply, missing, self._timeouts(prepared)[missing])
                check_id = prepared.tasks[missing].check_id
                start = missing
                while start < n and prepared.tasks[start].check_id == check_id:
                    evaluations[start] = evaluations[start] or stopped
                    start += 1
                if start >= n:
                    break
        finally:
            pool.put(worker)
            shutil.rmtree(box, ignore_errors=True)
            shutil.rmtree(staged, ignore_errors=True)
            for done in rundirs if not reference_run else rundirs[:-1]:  # the reference's stream feeds the cache
                shutil.rmtree(done, ignore_errors=True)
        if load_error is not None:
            evaluations = [e or load_error for e in evaluations]
        return RunOutcome([e or Evaluation(False, status="error", error="not run") for e in evaluations],
                          load_error, layers, {k: v[:OUTPUT_KEEP] for k, v in output.items() if v}, box_kind,
                          [*([data_note] if data_note else []),
                           *([explain_partial_import(import_problem, assignment)] if import_problem else [])],
                          import_problem), last_data

    def _request_with_retry(self, worker: runner.Worker, prepared: Prepared, box: Path, staged: Path,
                            data_paths: list[str], job: str, rundirs: list[Path],
                            reference_run: bool) -> tuple[Path, dict[str, Any], runner.Worker]:
        """One run of ``job``. A worker that died (killed from outside, out of memory) is replaced
        and the run tried once more; a second failure is reported."""
        for attempt in (1, 2):
            rundir = self._new_dir("runs", 0o700)
            rundirs.append(rundir)
            (rundir / "job.json").write_text(job)
            try:
                reply = self._request(worker, prepared, box, rundir, staged, data_paths, reference_run)
                break
            except GraderError:
                if attempt == 2:
                    raise
                worker = self._respawn(worker)
        if reply.get("outcome") == "worker-error":
            raise GraderError(f"the sandbox worker failed: {reply.get('error')}")
        if not reply.get("layers"):
            tail = jobs.head(rundir / "stderr.txt", 600)
            raise GraderError(f"the sandbox could not start a child process ({tail.strip() or reply})")
        return rundir, reply, worker

    @staticmethod
    def _keep_output(output: dict[str, str], rundir: Path, handshake: jobs.Handshake | None, shown: bool) -> None:
        """What the run printed: up to the handshake for the student (when ``shown``), after it for the instructor."""
        public = "" if shown else "hidden_"
        sizes = (handshake.stdout, handshake.stderr) if handshake else (None, None)
        output[public + "stdout"] += jobs.head(rundir / "stdout.txt", OUTPUT_KEEP, sizes[0])
        output[public + "stderr"] += jobs.head(rundir / "stderr.txt", OUTPUT_KEEP, sizes[1])
        output["hidden_stdout"] += jobs.head(rundir / "hidden_stdout.txt", OUTPUT_KEEP)
        output["hidden_stderr"] += jobs.head(rundir / "hidden_stderr.txt", OUTPUT_KEEP)

    def _request(self, worker: runner.Worker, prepared: Prepared, box: Path, rundir: Path, staged: Path,
                 data_paths: list[str], reference_run: bool) -> dict[str, Any]:
        sandbox = prepared.assignment.spec.sandbox
        plan = runner.plan(box, [*map(Path, data_paths)], sandbox, worker.index, self.layers, self.private_shm)
        request = {
            "job": str(rundir / "job.json"), "rundir": str(rundir), "plan": runner.plan_dict(plan),
            "timeouts": {"load": sandbox.import_timeout_s, "tasks": self._timeouts(prepared)},
            "output_cap": sandbox.max_output_kb << 10,
            "staged": str(staged), "box_mb": sandbox.disk_mb, "box_files": sandbox.max_files,
        }
        if prepared.hidden_jobs:  # opened by the worker only when the child asks, and passed as descriptors
            request["hidden"] = {"job": str(prepared.hidden_jobs[reference_run]), "inputs": str(prepared.hidden_inputs_path)}
        return worker.run(request)

    def _stage_data(self, submission: Submission, staged: Path) -> tuple[list[str], str | None]:
        """Script-style code that opens Fashion-MNIST itself finds it read-only in ``./data`` and ``../data``
        (see :mod:`grader.script_data`): the files the sandbox may read for it, and a note when there is none."""
        if not script_data.mentions_dataset(submission.files):
            return [], None
        mirror, readable, note = self._script_data()
        if mirror is not None:
            script_data.link_into(staged / "data", mirror)
        return readable, note

    def _script_data(self) -> tuple[Path | None, list[str], str | None]:
        """(mirror, files the sandbox may read, note), worked out once per data folder, not per submission.

        Never a download from here; ``grader demo`` stages its offline stand-in when the data
        folder holds no Fashion-MNIST.
        """
        key = str(datasets.data_dir(self.data_dir))
        with self._data_lock:
            if key not in self._script_data_by_folder:
                self._script_data_by_folder[key] = self._build_script_data()
            return self._script_data_by_folder[key]

    def _build_script_data(self) -> tuple[Path | None, list[str], str | None]:
        try:
            root = datasets.locate(datasets.FASHION_MNIST, root=self.data_dir, download=False)
        except datasets.DataMissing as exc:
            if not self.stand_in:
                return None, [], (f"This code loads Fashion-MNIST itself, but the grader has no copy to give it ({exc}); "
                                  "the sandbox has no network, so torchvision's download=True fails.")
            root, _ = datasets.stand_in(datasets.FASHION_MNIST, self.workdir / "stand-in")
        mirror = self.boxes / "data"   # ../data of every box
        readable = script_data.mirror(root, mirror)
        if os.geteuid() == 0 and not runner.reachable_by_sandbox_uid(readable):
            return None, [], (f"This code loads Fashion-MNIST itself, but the sandbox cannot reach {root} "
                              "(a folder only root may enter); put the data where every user can read it.")
        if datasets._present(root):
            return mirror, readable, None
        return mirror, readable, ("This code loaded the demo's offline stand-in for Fashion-MNIST (scikit-learn's "
                                  "handwritten digits at 28×28) where it asked for Fashion-MNIST: a demonstration, not a grade.")

    def _respawn(self, dead: runner.Worker) -> runner.Worker:
        dead.close(kill=True)
        fresh = runner.Worker(dead.index, dead.preload, namespaces=self._namespaces, log_dir=self.workdir).wait_ready()
        self._workers[self._workers.index(dead)] = fresh
        return fresh

    def _timeouts(self, prepared: Prepared) -> list[float]:
        by_id = {c.id: c for c in prepared.assignment.checks}
        default = prepared.assignment.spec.sandbox.timeout_s
        return [by_id[t.check_id].timeout_s or default for t in prepared.tasks]

    @staticmethod
    def _job(prepared: Prepared, start: int, reference_run: bool) -> str:
        """``job.json``'s text, built once per batch for each (start, reference_run)."""
        key = (start, reference_run)
        if key not in prepared.job_texts:
            prepared.job_texts[key] = json.dumps(jobs.public_job(
                inputs=prepared.inputs_path, tasks=prepared.tasks, seeds=prepared.task_seeds, forms=prepared.forms,
                harnesses=prepared.harness, hidden_from=prepared.hidden_from, modules=prepared.assignment.modules,
                start=start, import_seed=prepared.assignment.spec.seed, reference_run=reference_run,
                keep_going=prepared.assignment.spec.import_errors == "continue"))
        return prepared.job_texts[key]

    @staticmethod
    def _decode_stream(path: Path, n: int) -> list[Evaluation | None] | None:
        evaluations: list[Evaluation | None] = [None] * n
        try:
            jobs.collect(list(wire.read(str(path), jobs.MAX_RESULT_BYTES)), evaluations, range(n), take_load=False)
        except (wire.WireError, OSError):
            return None
        return evaluations

    # --------------------------------------------------------------- judge
    def _judge(self, prepared: Prepared, submission: Submission, outcome: RunOutcome) -> list[CheckResult]:
        assignment = prepared.assignment
        results = []
        for check in assignment.checks:
            indices = [i for i, t in enumerate(prepared.tasks) if t.check_id == check.id]
            got = [outcome.evaluations[i] for i in indices]
            expected = [prepared.expected[i] for i in indices]
            failed = next((e for e in got if not e.ok), None)
            if outcome.load_error is not None and indices:
                verdict = Outcome(outcome.load_error.status or "error", 0.0, explain_load(outcome.load_error, assignment),
                                  {"traceback": outcome.load_error.traceback} if outcome.load_error.traceback else {})
            elif failed is not None:
                verdict = Outcome(failed.status or "error", 0.0,
                                  explain(failed, check, got.index(failed), len(got), assignment.spec.sandbox.memory_mb),
                                  {"traceback": failed.traceback} if failed.traceback else {})
            else:
                named = {k: v for k, v in submission.files.items() if k in assignment.spec.files}
                ctx = JudgeContext(got, expected, prepared.case_inputs.get(check.id, []), named,
                                   assignment.spec.tolerance.rtol, assignment.spec.tolerance.atol,
                                   prepared.harness.get(check.id))
                try:
                    verdict = CHECKS[check.kind].judge(check, ctx)
                except Exception as exc:  # noqa: BLE001 - a judging bug must not lose the batch
                    verdict = Outcome("error", 0.0, f"the grader could not judge this check ({type(exc).__name__}: {exc})")
            details = verdict.details if check.visibility == "public" else hidden_details(verdict.details)
            results.append(CheckResult(
                id=check.id, kind=check.kind, visibility=check.visibility, status=verdict.status,
                score=round(check.points * verdict.score_fraction, 4), max_score=check.points,
                message=verdict.message, title=check.title or check.id, description=describe(check), details=details,
            ))
        return results

