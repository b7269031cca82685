"""Preparation: what every submission of one assignment shares within a batch.

Every check's inputs are drawn here (NumPy only, seeded from the course secret for hidden
checks), written where warm workers and children can be given them, and the reference's
evaluations computed once: by running the reference in the sandbox, cached on disk by
content hash under a file lock, or read from a student bundle's precomputed answers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

import grader
from grader.checks import CHECKS
from grader.checks.base import CheckSpec, Evaluation, Harness, Task
from grader.checks.gradient import GradientSpec, oracle_module
from grader.checks.source import SourceSpec, guarded
from grader.engine.pool import Pool
from grader.errors import GraderError
from grader.expected import load_expected
from grader.inputs import InputValue, draw_set
from grader.sandbox import handover, protocol, session
from grader.secret import derive_seed
from grader.spec import Assignment, check_inputs, missing_requirements
from grader.submission import read


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
    harness: dict[str, Harness] = field(default_factory=dict)  # check id -> what the child runs around its call
    hidden_from: int = 0  # tasks are ordered public first; a child gets the hidden ones only after the public ones
    hidden_inputs_path: Path | None = None  # handed to the child at its handshake, never read by a worker
    hidden_jobs: dict[bool, Path] = field(default_factory=dict)  # reference_run -> the hidden part of the job
    job_texts: dict[tuple[int, bool], str] = field(default_factory=dict)  # (start, reference_run) -> job.json


def prepare(pool: Pool, assignment: Assignment, secret: str, cache_dir: Path | None) -> Prepared:
    """Draw every check's inputs and compute the reference's evaluations (cached by content hash)."""
    missing = missing_requirements(assignment)
    if missing:
        raise GraderError(missing[0])
    prepared = prepare_inputs(pool, assignment, secret)
    if assignment.expected is not None:  # a student bundle: no reference here, its answers come with it
        prepared.expected = load_expected(assignment, prepared.tasks)
    else:
        prepared.expected = _reference(pool, prepared, secret, cache_dir)
    return prepared


@dataclass
class _Drawn:
    """The inputs drawn so far, public and hidden apart."""

    tasks: list[Task] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    hidden_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    case_inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    harness: dict[str, Harness] = field(default_factory=dict)
    hidden_from: int = 0


def prepare_inputs(pool: Pool, assignment: Assignment, secret: str) -> Prepared:
    """Every check's inputs drawn and written; the reference's evaluations still to come."""
    drawn = _Drawn()
    for check in sorted(assignment.checks, key=lambda c: c.visibility != "public"):
        _draw_check(pool, drawn, assignment, check, secret if check.visibility == "hidden" else "public")
    # Apart: until it has finished the public checks a child holds no hidden input, call or check id,
    # not even in memory it inherited, since whatever it prints then is shown to the student.
    # None of these files is readable inside the sandbox; the hidden ones reach a child as descriptors.
    inputs_dir = pool.new_dir("inputs", 0o700)
    inputs_path, hidden_path = inputs_dir / "public.npz", inputs_dir / "hidden.bin"
    np.savez(inputs_path, **cast(dict[str, Any], drawn.arrays))   # mypy takes ** for savez's allow_pickle
    handover.pack_arrays(hidden_path, drawn.hidden_arrays)
    hidden_jobs = protocol.write_hidden_parts(inputs_dir, drawn.tasks, drawn.seeds, drawn.forms, drawn.harness,
                                              drawn.hidden_from) if drawn.hidden_from < len(drawn.tasks) else {}
    return Prepared(assignment=assignment, inputs_path=inputs_path, forms=drawn.forms, tasks=drawn.tasks,
                    task_seeds=drawn.seeds, expected=[], case_inputs=drawn.case_inputs, harness=drawn.harness,
                    hidden_from=drawn.hidden_from, hidden_inputs_path=hidden_path if hidden_jobs else None,
                    hidden_jobs=hidden_jobs)


def _draw_check(pool: Pool, drawn: _Drawn, assignment: Assignment, check: CheckSpec, secret: str) -> None:
    """One check's cases, tasks and harness, added to ``drawn``."""
    seed = derive_seed(secret, assignment.spec.seed, check.id)
    kind = CHECKS[check.kind]
    cases: list[dict[str, InputValue]] | None = kind.draw(check, assignment, seed)  # e.g. one per configuration
    if cases is None:
        input_set = check_inputs(assignment, check)
        cases = draw_set(input_set.values, seed, input_set.cases)
    drawn.case_inputs[check.id] = [{k: v.value for k, v in case.items()} for case in cases]
    harness = kind.harness(check, assignment, data_dir=pool.data_dir)   # e.g. train: datasets and a prediction step around the call
    if harness is not None:
        if pool.stand_in:   # the demo: a missing dataset's offline stand-in
            with pool.data_lock:
                harness = kind.stand_in(check, harness, pool.workdir / "stand-in")
        drawn.harness[check.id] = harness
    rules = [c for c in assignment.checks if isinstance(c, SourceSpec)]
    check_tasks = [dataclasses.replace(t, no_autograd=True) if guarded(rules, t, harness) else t
                   for t in kind.tasks(check, len(cases))]
    if check.visibility == "public":
        drawn.hidden_from += len(check_tasks)
    arrays = drawn.arrays if check.visibility == "public" else drawn.hidden_arrays
    for task in check_tasks:
        drawn.forms[task.input_key] = {name: value.form for name, value in cases[task.case].items()}
        for name, value in cases[task.case].items():
            arrays[f"{task.input_key}/{name}"] = np.asarray(value.value)
        drawn.tasks.append(task)
        drawn.seeds.append(derive_seed(secret, assignment.spec.seed, check.id, task.case, "run"))


def _reference(pool: Pool, prepared: Prepared, secret: str, cache_dir: Path | None) -> list[Evaluation]:
    assignment = prepared.assignment
    key = hashlib.sha256(json.dumps([grader.__version__, assignment.spec_hash,
                                     derive_seed(secret, "cache")]).encode()).hexdigest()[:24]
    cached = cache_dir / f"reference-{assignment.name}-{key}.bin" if cache_dir else None
    if cached is None:
        return _run_reference(pool, prepared, None)
    with _locked(cached.with_suffix(".lock")):   # engine hosts start together: one computes, the rest read
        if cached.is_file():
            evaluations = session.decode_stream(cached, len(prepared.tasks))
            if evaluations is not None and all(e is not None and e.ok for e in evaluations):
                return [e for e in evaluations if e is not None]
        return _run_reference(pool, prepared, cached)


def _run_reference(pool: Pool, prepared: Prepared, cached: Path | None) -> list[Evaluation]:
    assignment = prepared.assignment
    reference = read(assignment.reference_dir, assignment.spec.files)
    run, data_file = session.run(pool, prepared, reference, _oracle_files(assignment), reference_run=True)
    if run.import_problem is not None and not pool.stand_in:   # the demo's stand-in: a demonstration
        raise GraderError(f"the reference solution of {assignment.name} raised when imported "
                          f"({run.import_problem.error}); fix the reference")
    problems = [(t, e) for t, e in zip(prepared.tasks, run.evaluations) if not e.ok]
    if run.load_error or problems:
        task, bad = (prepared.tasks[0], run.load_error) if run.load_error else problems[0]
        raise GraderError(f"the reference solution of {assignment.name} fails check {task.check_id!r} "
                          f"({bad.error}); fix the reference or the spec")
    if cached and data_file:
        try:
            tmp = cached.with_suffix(".tmp")
            shutil.copyfile(data_file, tmp)
            os.replace(tmp, cached)
        except OSError:
            pass
    return run.evaluations


def _oracle_files(assignment: Assignment) -> dict[str, bytes]:
    """The modules gradient checks' autograd oracles come from, staged beside the reference."""
    extra = {}
    for check in assignment.checks:
        if isinstance(check, GradientSpec) and check.autograd:
            file, module, _ = oracle_module(check.autograd.function)
            source = assignment.root / file
            if not source.is_file():
                raise GraderError(f"{assignment.name}: check {check.id!r} names {file}, which does not exist")
            extra[f"{module}.py"] = source.read_bytes()
    return extra
