"""Executors: where submissions are graded. One small interface, two implementations.

An executor takes (assignment folder, submission paths) and yields each
submission's :class:`~grader.batch.Graded` (its typed ``Result`` and the
instructor-only record) as it finishes; the caller writes them. What crosses a
process boundary travels as plain JSON data and is parsed back into models where
it arrives. The
local executor grades in this process with ``--jobs 1``, and above that on
``--jobs`` engine hosts (:mod:`grader.hosts`), processes that each keep a warm,
sandboxed engine, so that judging runs on every core too; the Dask executor
sends one task per submission to a Dask distributed cluster, where each Dask
worker process keeps its own warm, sandboxed engine. Another engine (Ray, a
batch queue) would implement the same ``run`` method.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Protocol

from grader.batch import BatchItem, EngineOptions, engine_for, grade_item
from grader.engine import Engine, Prepared
from grader.errors import GraderError
from grader.hosts import run_on_hosts
from grader.redaction import Graded
from grader.spec import Assignment, load


class Executor(Protocol):
    def run(self, assignment: Assignment, items: Sequence[BatchItem], options: EngineOptions) -> Iterator[Graded]:
        """Grade every item; yield each result (with its instructor record) as soon as it is ready."""
        ...


class LocalExecutor:
    """Warm sandboxed workers on this machine, ``options.workers`` submissions at a time."""

    def run(self, assignment: Assignment, items: Sequence[BatchItem], options: EngineOptions) -> Iterator[Graded]:
        if not items:
            return
        if options.workers > 1 and len(items) > 1:
            yield from run_on_hosts(assignment, items, options)
            return
        engine, prepared = engine_for(assignment, options)
        with engine:
            pool = ThreadPoolExecutor(max_workers=1)
            pending: set[Future[Any]] = set()
            queue = iter(items)
            try:
                for item in _take(queue, 2):   # one in flight, one waiting: the caller writes a result meanwhile
                    pending.add(pool.submit(grade_item, engine, prepared, item))
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        for item in _take(queue, 1):   # refill first: the caller writes this result meanwhile
                            pending.add(pool.submit(grade_item, engine, prepared, item))
                        yield future.result()
            finally:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=False, cancel_futures=True)


def _take(iterator: Iterator[BatchItem], n: int) -> list[BatchItem]:
    out = []
    for _ in range(n):
        try:
            out.append(next(iterator))
        except StopIteration:
            break
    return out


# ------------------------------------------------------------------------ Dask

_DASK_ENGINES: dict[tuple[str, str | None, bool, bool, Path | None], tuple[Engine, Prepared]] = {}
_DASK_LOCK = threading.Lock()


def _dask_engine(assignment_root: str, options: EngineOptions) -> tuple[Engine, Prepared]:
    key = (assignment_root, options.secret, options.insecure, options.stand_in, options.data_dir)
    if key not in _DASK_ENGINES:
        _DASK_ENGINES[key] = engine_for(load(Path(assignment_root)), options)
    return _DASK_ENGINES[key]


def warm_dask_worker(assignment_root: str, options: EngineOptions) -> bool:
    """Start this Dask worker's engine ahead of the tasks (``client.run`` it on every worker)."""
    with _DASK_LOCK:
        _dask_engine(assignment_root, options)
    return True


def grade_on_dask_worker(assignment_root: str, item: BatchItem, options: EngineOptions) -> dict[str, Any]:
    """The task a Dask worker runs: a warm engine per worker process, prepared once per assignment."""
    with _DASK_LOCK:
        engine, prepared = _dask_engine(assignment_root, options)
        return grade_item(engine, prepared, item).to_dict()   # plain data travels back to the client


class DaskExecutor:
    """One task per submission on a Dask distributed cluster (``grader grade --executor dask``).

    Every Dask worker needs this package and the same paths (a shared file
    system) for the assignment and the submissions; results come back here.
    """

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client  # optional: only the Dask executor needs it
        except ImportError:
            raise GraderError("the Dask executor needs the 'dask' extra: pip install 'grader[dask]'") from None
        try:
            self.client: Any = scheduler if hasattr(scheduler, "submit") else Client(scheduler, timeout="10s")
        except OSError as exc:
            raise GraderError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one or check the address") from None

    def run(self, assignment: Assignment, items: Sequence[BatchItem], options: EngineOptions) -> Iterator[Graded]:
        from distributed import as_completed  # optional, and heavy to import

        self.client.run(warm_dask_worker, str(assignment.root), options)
        futures = [self.client.submit(grade_on_dask_worker, str(assignment.root), item, options, pure=False,
                                      key=f"grade-{assignment.name}-{item.submission_id}-{i}")
                   for i, item in enumerate(items)]
        for future in as_completed(futures):
            yield Graded.from_dict(future.result())   # the Dask boundary: plain data back into models
            future.release()
