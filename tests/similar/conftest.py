"""The similarity example batch (``submissions/similar-bp/``) graded once per session, written as
``grade`` writes it (``result.json`` and ``instructor.json`` per submission), for ``grader similar``."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT

from grader import api
from grader.engine import Engine

BATCH = ROOT / "submissions" / "similar-bp"
ASSIGNMENT = ROOT / "assignments" / "similar-bp"


@pytest.fixture(scope="session")
def similar_results(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder holding every example of the batch, graded by the session's engine.

    Graded under the spec with longer time limits (a copy): the ranking is about the values the code
    returns, and a machine loaded by other work must not turn a slow check into a timeout."""
    copy = tmp_path_factory.mktemp("similar-bp") / "similar-bp"
    shutil.copytree(ASSIGNMENT, copy)
    spec = copy / "assignment.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(re.sub(r"(\n  (import_)?timeout_s:) \d+", r"\1 120", text), encoding="utf-8")
    assignment = api.load_assignment(copy)
    assert assignment.spec.sandbox.timeout_s == 120 and assignment.spec.sandbox.import_timeout_s == 120
    prepared = engine.prepare(assignment)
    out = tmp_path_factory.mktemp("similar-results")
    paths = sorted(BATCH.iterdir())
    with ThreadPoolExecutor(2) as pool:
        for graded in pool.map(lambda p: engine.graded(prepared, p), paths):
            api.write_submission(graded.result, out, graded.instructor)
    return out
