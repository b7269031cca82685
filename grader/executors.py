"""Executors: where submissions are graded. One small interface, two implementations.

An executor takes (assignment folder, submission paths) and yields plain-data
results (``result.json`` dicts) as they finish; the caller writes them. The
local executor grades in this process with ``--jobs 1``, and above that on
``jobs`` engine hosts (:mod:`grader.hosts`), processes that each keep a warm,
sandboxed engine, so that judging runs on every core too; the Dask executor
sends one task per submission to a Dask distributed cluster, where each Dask
worker process keeps its own warm, sandboxed engine. Another engine (Ray, a
batch queue) would implement the same ``run`` method.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grader.engine import Engine, Prepared
from grader.errors import GraderError
from grader.hosts import run_on_hosts
from grader.spec import Assignment


@dataclass(frozen=True)
class Job:
    """One submission to grade, with the id its result will carry."""

    submission_id: str
    path: Path


@dataclass(frozen=True)
class EngineOptions:
    jobs: int = 1
    insecure: bool = False
    secret: str | None = None
    cache_dir: Path | None = None
    stand_in: bool = False      # grader demo only: train on the offline stand-in when a dataset is missing
    data_dir: Path | None = None   # the datasets' folder (--data-dir); None: datasets.data_dir()'s default


class Executor(Protocol):
    def run(self, assignment: Assignment, jobs: Sequence[Job], options: EngineOptions) -> Iterator[dict[str, Any]]:
        """Grade every job; yield each result as a ``result.json`` dict as soon as it is ready."""
        ...


class LocalExecutor:
    """Warm sandboxed workers on this machine, ``options.jobs`` submissions at a time."""

    def run(self, assignment: Assignment, jobs: Sequence[Job], options: EngineOptions) -> Iterator[dict[str, Any]]:
        if not jobs:
            return
        if options.jobs > 1 and len(jobs) > 1:
            yield from run_on_hosts(assignment, jobs, options)
            return
        engine, prepared = engine_for(assignment, options)
        with engine:
            pool = ThreadPoolExecutor(max_workers=1)
            pending: set[Future[Any]] = set()
            queue = iter(jobs)
            try:
                for job in _take(queue, 2):   # one in flight, one waiting: the caller writes a result meanwhile
                    pending.add(pool.submit(grade_job, engine, prepared, job))
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        for job in _take(queue, 1):   # refill first: the caller writes this result meanwhile
                            pending.add(pool.submit(grade_job, engine, prepared, job))
                        yield future.result()
            finally:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=False, cancel_futures=True)


def engine_for(assignment: Assignment, options: EngineOptions) -> tuple[Engine, Prepared]:
    """A warm engine with one sandbox slot, and the assignment prepared on it."""
    sandbox = assignment.spec.sandbox
    engine = Engine(1, insecure=options.insecure, secret=options.secret, cache_dir=options.cache_dir,
                    require=sandbox.require, preload=sandbox.preload, stand_in=options.stand_in,
                    data_dir=options.data_dir)
    try:
        return engine, engine.prepare(assignment)
    except BaseException:
        engine.close()
        raise


def _take(iterator: Iterator[Job], n: int) -> list[Job]:
    out = []
    for _ in range(n):
        try:
            out.append(next(iterator))
        except StopIteration:
            break
    return out


def grade_job(engine: Engine, prepared: Prepared, job: Job) -> dict[str, Any]:
    """One submission's ``result.json`` dict, under the id the batch gave it."""
    result = engine.grade(prepared, job.path)
    result.submission = job.submission_id
    return result.to_dict()


# ------------------------------------------------------------------------ Dask

_DASK_ENGINES: dict[tuple[str, str | None, bool, bool, Path | None], tuple[Engine, Prepared]] = {}
_DASK_LOCK = threading.Lock()


def _dask_engine(assignment_root: str, options: EngineOptions) -> tuple[Engine, Prepared]:
    from grader import spec

    key = (assignment_root, options.secret, options.insecure, options.stand_in, options.data_dir)
    if key not in _DASK_ENGINES:
        _DASK_ENGINES[key] = engine_for(spec.load(Path(assignment_root)), options)
    return _DASK_ENGINES[key]


def warm_dask_worker(assignment_root: str, options: EngineOptions) -> bool:
    """Start this Dask worker's engine ahead of the tasks (``client.run`` it on every worker)."""
    with _DASK_LOCK:
        _dask_engine(assignment_root, options)
    return True


def grade_on_dask_worker(assignment_root: str, job: Job, options: EngineOptions) -> dict[str, Any]:
    """The task a Dask worker runs: a warm engine per worker process, prepared once per assignment."""
    with _DASK_LOCK:
        engine, prepared = _dask_engine(assignment_root, options)
        return grade_job(engine, prepared, job)


class DaskExecutor:
    """One task per submission on a Dask distributed cluster (``grader grade --executor dask``).

    Every Dask worker needs this package and the same paths (a shared file
    system) for the assignment and the submissions; results come back here.
    """

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise GraderError("the Dask executor needs the 'dask' extra: pip install 'grader[dask]'") from None
        try:
            self.client = scheduler if hasattr(scheduler, "submit") else Client(scheduler, timeout="10s")
        except OSError as exc:
            raise GraderError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one or check the address") from None

    def run(self, assignment: Assignment, jobs: Sequence[Job], options: EngineOptions) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        self.client.run(warm_dask_worker, str(assignment.root), options)
        futures = [self.client.submit(grade_on_dask_worker, str(assignment.root), job, options, pure=False,
                                      key=f"grade-{assignment.name}-{job.submission_id}-{i}")
                   for i, job in enumerate(jobs)]
        for future in as_completed(futures):
            yield future.result()
            future.release()
