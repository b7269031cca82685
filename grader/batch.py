"""What a batch grades and how one item of it is graded, shared by the executors and the engine hosts.

:mod:`grader.executors` hands items out; :mod:`grader.hosts` grades them in processes of
their own. Both import this module and neither imports the other's internals through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.engine import Engine, Prepared
from grader.redaction import Graded
from grader.spec import Assignment


@dataclass(frozen=True)
class BatchItem:
    """One submission to grade, with the id its result will carry."""

    submission_id: str
    path: Path


@dataclass(frozen=True)
class EngineOptions:
    workers: int = 1            # engines (hosts) grading at once: the CLI's --jobs
    insecure: bool = False
    secret: str | None = None
    cache_dir: Path | None = None
    stand_in: bool = False      # grader demo only: train on the offline stand-in when a dataset is missing
    data_dir: Path | None = None   # the datasets' folder (--data-dir); None: datasets.data_dir()'s default


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


def grade_item(engine: Engine, prepared: Prepared, item: BatchItem) -> Graded:
    """One submission's result and instructor record, under the id the batch gave it."""
    return engine.graded(prepared, item.path).renamed(item.submission_id)
