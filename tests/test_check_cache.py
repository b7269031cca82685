"""``grader check`` reuses the reference's cached evaluations: a second check runs only the submission."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from conftest import ROOT

from grader import api

prepare = importlib.import_module("grader.engine.prepare")   # the package exports a function of that name

EXAMPLES = ROOT / "submissions" / "bp-manual"


def test_a_second_check_does_not_run_the_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    real = prepare._run_reference

    def counted(pool, prepared, cached):   # type: ignore[no-untyped-def]
        runs.append(prepared.assignment.name)
        return real(pool, prepared, cached)

    monkeypatch.setattr(prepare, "_run_reference", counted)
    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    first = api.check(assignment, EXAMPLES / "correct", cache_dir=tmp_path)
    assert runs == ["bp-manual"]
    assert list(tmp_path.glob("reference-bp-manual-*.bin")), "the reference's stream is cached"
    second = api.check(assignment, EXAMPLES / "correct", cache_dir=tmp_path)
    assert runs == ["bp-manual"], "the second check ran the reference again"
    third = api.check(assignment, EXAMPLES / "hidden-layer-missing-derivative", cache_dir=tmp_path)
    assert runs == ["bp-manual"]
    assert first.score == second.score == first.max_score
    assert third.score < third.max_score
    assert [c.status for c in first.checks] == [c.status for c in second.checks]


def test_check_caches_apart_from_grade_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its streams hold the public tasks only: they never stand in for a full grade's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    api.check(assignment, EXAMPLES / "correct")
    assert list((tmp_path / "grader" / "check").glob("reference-bp-manual-*.bin"))
    assert not list((tmp_path / "grader").glob("reference-*.bin"))
