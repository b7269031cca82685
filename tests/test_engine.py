"""Engine behaviour beyond single checks: reference cache, fail-closed layers, seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import api, spec
from grader.engine import Engine
from grader.errors import SandboxUnavailable
from grader.sandbox import runner, session
from grader.secret import derive_seed


def test_reference_outputs_are_cached_by_content_hash(tmp_path: Path, bp_manual, monkeypatch) -> None:
    with Engine(workers=1, secret="cache-test", cache_dir=tmp_path, preload=["numpy", "torch"]) as engine:
        first = engine.prepare(bp_manual)
        cached = list(tmp_path.glob("reference-bp-manual-*.bin"))
        assert len(cached) == 1

        def no_reference_run(*args, **kwargs):
            raise AssertionError("the reference ran again despite an unchanged spec and cache")

        monkeypatch.setattr(session, "run", no_reference_run)
        second = engine.prepare(bp_manual)
    assert len(second.expected) == len(first.expected)
    assert all(e.ok for e in second.expected)


def test_a_different_secret_draws_different_hidden_inputs() -> None:
    assert derive_seed("a", 3, "forward-hidden") != derive_seed("b", 3, "forward-hidden")
    assert derive_seed("a", 3, "forward-hidden") == derive_seed("a", 3, "forward-hidden")


def test_missing_required_layer_refuses_unless_insecure(monkeypatch) -> None:
    layers = {**runner.available_layers(), "filesystem": None}
    monkeypatch.setattr(runner, "available_layers", lambda: layers)
    with pytest.raises(SandboxUnavailable, match="filesystem: submissions could read the reference solution"):
        runner.require(["filesystem", "network"], insecure=False)
    assert runner.require(["filesystem"], insecure=True)["filesystem"] is None


def test_public_inputs_do_not_depend_on_the_secret(engine, bp_manual) -> None:
    given = bp_manual.checks[0]
    assert given.visibility == "public"
    with Engine(workers=1, secret="another", preload=["numpy"]) as other:
        from grader.api import public_only
        a = other.prepare(public_only(bp_manual)).case_inputs[given.id][0]["w"]
    b = engine.prepare(public_only(bp_manual)).case_inputs[given.id][0]["w"]
    assert (a == b).all()


def test_a_dead_worker_is_replaced_and_the_batch_goes_on(bp_manual) -> None:
    from conftest import ROOT

    correct = ROOT / "submissions" / "bp-manual" / "correct"
    with Engine(workers=1, secret="respawn", preload=["numpy", "torch"], require=[]) as engine:
        prepared = engine.prepare(bp_manual)
        for worker in list(engine.pool.workers):
            worker.process.kill()
            worker.process.wait()
        result = engine.grade(prepared, correct)
        assert result.score == result.max_score
        assert all(w.alive for w in engine.pool.workers if w.preload == ["numpy"])


THREADS_SPEC = """\
name: threads
title: Threads
files: [work.py]
sandbox: {{threads: {threads}}}
checks:
  - id: threads
    kind: compare
    call: threads()
"""
REPORTS_THREADS = ("import os\n\nimport torch\n\n\n"
                   "def threads():\n    return [torch.get_num_threads(), int(os.environ['OMP_NUM_THREADS'])]\n")


@pytest.mark.parametrize("threads", [1, 3])
def test_a_child_computes_on_the_specs_thread_count(tmp_path: Path, threads: int) -> None:
    folder = write_assignment(tmp_path / "threads", THREADS_SPEC.format(threads=threads),
                              {"work.py": f"def threads():\n    return [{threads}, {threads}]\n"})
    submission = write_submission(tmp_path / "sub", {"work.py": REPORTS_THREADS})
    result = api.grade(spec.load(folder), [submission], tmp_path / "out", jobs=1, secret="threads")[0]
    assert result.score == 1.0, result.checks[0].message


def test_the_default_jobs_leave_one_core_per_thread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    folder = write_assignment(tmp_path / "threads", THREADS_SPEC.format(threads=3), {"work.py": "def threads():\n    return [3, 3]\n"})
    assert api.default_jobs(spec.load(folder)) == 2 and api.default_jobs() == 8
