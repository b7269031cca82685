"""The typed result: result.json round-trips through it unchanged, the score is computed in one
place (overrides and the late penalty together), and "crash" comes from the crash signal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import api, late, overrides, spec
from grader.results import CheckResult, Result, checks_total, load_result, total

SPEC = """\
name: typed
title: Doubling
files: [work.py]
sandbox: {timeout_s: 10, preload: [numpy]}
late:
  due: 2026-12-01T23:59:00+01:00
  per_day: 0.1
checks:
  - id: work
    kind: compare
    points: 2
    inputs: {x: [1.0, 2.0]}
    call: work(x)
  - id: again
    kind: compare
    visibility: hidden
    inputs: {x: [3.0, 5.0]}
    call: work(x)
  - id: explain
    kind: manual
    title: Why doubling?
    points: 2
    prompt: State why work doubles its input.
"""
HONEST = "def work(x):\n    return 2 * x\n"
WRONG = "def work(x):\n    return 3 * x\n"
SEGFAULT = "import ctypes\n\n\ndef work(x):\n    return ctypes.string_at(0)\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Result], Path]:
    """Three submissions graded through the API, with an overrides file and late times."""
    tmp_path = tmp_path_factory.mktemp("typed")
    assignment = spec.load(write_assignment(tmp_path / "typed", SPEC, {"work.py": HONEST}))
    subs = [write_submission(tmp_path / "subs" / name, {"work.py": code})
            for name, code in (("alice", HONEST), ("bob", WRONG), ("carl", SEGFAULT))]
    scores = tmp_path / "scores.csv"
    scores.write_text("submission,check,points,comment\nalice,explain,1.5,Reason fine.\nbob,work,0.5,Close.\n")
    times = tmp_path / "times.csv"
    times.write_text("submission,submitted_at\nalice,2026-12-03T10:00:00+01:00\nbob,2026-12-01T20:00:00+01:00\n"
                     "carl,2026-12-02T10:00:00+01:00\n")
    results = api.grade(assignment, subs, tmp_path / "out", jobs=1, secret="typed", cache_dir=tmp_path / "cache",
                        overrides=scores, submitted_at=times)
    return {r.submission: r for r in results}, tmp_path / "out"


def test_result_json_round_trips_through_the_model_unchanged(graded: tuple[dict[str, Result], Path]) -> None:
    results, out = graded
    for name, result in results.items():
        text = (out / name / "result.json").read_text(encoding="utf-8")
        again = Result.from_json(text)
        assert json.loads(again.to_json()) == json.loads(text)        # JSON equal
        assert again.to_json() == text                                # and the same text
        assert load_result(out / name / "result.json") == result == again
    stored = json.loads((out / "alice" / "result.json").read_text(encoding="utf-8"))
    explain = next(c for c in stored["checks"] if c["id"] == "explain")
    assert explain["override"] == {"points": 1.5, "comment": "Reason fine.", "from": "scores.csv:2",
                                   "original": {"status": "pending", "score": 0.0,
                                                "message": "Awaiting instructor grading."}}
    assert "override" not in explain["details"] and "signal" not in explain
    assert list(stored)[:6] == ["schema", "assignment", "submission", "status", "score", "max_score"]


def test_the_score_is_total_of_the_checks_overrides_and_penalty(graded: tuple[dict[str, Result], Path]) -> None:
    results, out = graded
    alice, bob = results["alice"], results["bob"]
    # alice: 2 + 1 automatic, 1.5 from the instructor, 2 days late (-20 %): (2 + 1 + 1.5) * 0.8
    assert alice.late is not None and (alice.late.days_late, alice.late.penalty) == (2, 0.2)
    assert alice.late.score_before_penalty == 4.5 and alice.score == 3.6
    # bob: wrong everywhere, 0.5 by hand for work, on time
    assert bob.late is not None and bob.late.days_late == 0 and bob.score == 0.5
    for result in results.values():
        assert result.late is not None
        assert result.score == total(result.checks, result.late)
        assert result.late.score_before_penalty == checks_total(result.checks) == result.raw_score
        assert json.loads((out / result.submission / "result.json").read_text())["score"] == result.score
    # The policies in either order, applied again or undone, agree with the one computation.
    loaded = overrides.load(out.parent / "scores.csv", spec.load(out.parent / "typed"))
    policy = spec.load(out.parent / "typed").spec.late
    stamp = late.read_manifest(out.parent / "times.csv")["alice"]
    bare = late.apply(overrides.apply(alice, None), None, None)
    assert bare.score == 3.0 and bare.late is None and not overrides.overridden(bare)
    assert late.apply(overrides.apply(bare, loaded), policy, stamp) == alice
    assert overrides.apply(late.apply(bare, policy, stamp), loaded) == alice
    assert overrides.apply(alice, loaded) == alice


def test_a_crash_is_flagged_from_the_signal(graded: tuple[dict[str, Result], Path]) -> None:
    results, _ = graded
    carl = results["carl"]
    crashed = [c for c in carl.checks if c.status == "error"]
    assert crashed and all(c.signal == "SIGSEGV" for c in crashed)
    assert carl.flags == ["crash"]
    assert all(c.signal is None for r in (results["alice"], results["bob"]) for c in r.checks)

    def check(status: str, message: str, signal: str | None = None) -> CheckResult:
        return CheckResult(id="c", kind="compare", visibility="public", status=status, score=0.0, max_score=1.0,
                           message=message, signal=signal)

    def flags(*checks: CheckResult, status: str = "graded") -> list[str]:
        return list(Result(assignment="a", submission="s", status=status, score=0.0, max_score=1.0,
                           checks=list(checks)).flags)

    assert flags(check("error", "the child stopped", "SIGSEGV")) == ["crash"]            # the signal, not the words
    assert flags(check("error", "work(x) raised ValueError: crashed with a segmentation fault")) == ["error"]
    assert flags(check("memory", ""), check("timeout", ""), check("error", "", "SIGBUS"), check("error", ""),
                 status="error") == ["ungraded", "crash", "timeout", "memory", "error"]


def test_an_override_written_in_details_by_an_older_grader_is_read_into_its_field() -> None:
    record = {"points": 1, "comment": "", "from": "s.csv:2", "original": {"status": "failed", "score": 0.0, "message": "no"}}
    check = CheckResult.model_validate({"id": "c", "kind": "compare", "visibility": "public", "status": "passed",
                                        "score": 1, "max_score": 1, "message": "ok",
                                        "details": {"override": record, "kept": 1}})
    assert check.override is not None and check.override.to_dict() == record and check.details == {"kept": 1}
