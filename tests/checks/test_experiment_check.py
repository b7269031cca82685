"""experiment: several configurations of one call, properties of the outcomes judged in the grader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import write_assignment, write_submission
from pydantic import ValidationError

from grader import spec as specs
from grader.checks.base import Evaluation, JudgeContext
from grader.checks.experiment import Experiment, ExperimentSpec
from grader.errors import SpecError
from grader.values import ArrayValue


def losses(*values) -> tuple:
    return (ArrayValue(np.zeros(2), "numpy.ndarray"), [v for v in values])


def spec(properties, **kw) -> ExperimentSpec:
    return ExperimentSpec(id="lr", kind="experiment", call="train(w, lr)", names=["w", "losses"],
                          configs={"tiny": {"lr": 1e-5}, "huge": {"lr": 100.0}}, properties=properties, **kw)


def judge(s: ExperimentSpec, got, expected=None, inputs=None):
    from grader.values import ScalarValue
    wrap = lambda v: (v[0], [ScalarValue(float(x), "float") for x in v[1]])  # noqa: E731
    expected = expected or got
    ctx = JudgeContext([Evaluation(True, wrap(g)) for g in got], [Evaluation(True, wrap(e)) for e in expected],
                       inputs or [{"lr": np.asarray(1e-5), "w": np.zeros(2)}, {"lr": np.asarray(100.0), "w": np.zeros(2)}],
                       {}, None, None)
    return Experiment().judge(s, ctx)


PROPS = [
    {"of": "tiny.losses[-1]", "close_to": "tiny.losses[0]", "rtol": 0.01, "atol": 0, "label": "the last loss with lr = 1e-5"},
    {"of": "huge.losses", "diverges": True, "label": "the losses with lr = 100"},
    {"of": "huge.losses[1]", "greater_than": "tiny.losses[1]"},
]


def test_properties_across_configurations_hold() -> None:
    outcome = judge(spec(PROPS), [losses(1.0, 0.999, 0.998), losses(1.0, 50.0, float("inf"))])
    assert outcome.status == "passed" and outcome.message.startswith("All 3 properties hold")


def test_each_failing_property_is_named_with_its_own_message() -> None:
    outcome = judge(spec(PROPS), [losses(1.0, 0.9, 0.5), losses(1.0, 0.8, 0.6)])
    assert outcome.status == "failed" and outcome.message.startswith("3 of 3 properties fail")
    assert "the last loss with lr = 1e-5 should match tiny.losses[0] within 0.01·|target|" in outcome.message
    assert "the losses with lr = 100 should blow up (reach inf, NaN or |value| > 1e+06), but stays finite" in outcome.message
    assert "huge.losses[1] should be above tiny.losses[1] (0.9), but is 0.8" in outcome.message


def test_partial_credit_and_inputs_of_each_configuration() -> None:
    props = [*PROPS[:1], {"expr": "huge.lr == 100 and tiny.lr == 1e-5", "message": "configs got their own lr"}]
    outcome = judge(spec(props), [losses(1.0, 0.9, 0.5), losses(1.0, 0.8, 0.6)])
    assert outcome.status == "partial" and outcome.score_fraction == 0.5


def test_reference_outcomes_are_reachable() -> None:
    props = [{"of": "huge.losses[-1]", "like_reference": True, "rtol": 0.1}, {"of": "tiny.losses", "close_to": "ref.tiny.losses"}]
    outcome = judge(spec(props), [losses(1.0, 1.0), losses(1.0, 9.0)], expected=[losses(1.0, 1.0), losses(1.0, 20.0)])
    assert outcome.score_fraction == 0.5 and "huge.losses[-1] should match the reference's" in outcome.message


def test_repetitions_are_judged_separately() -> None:
    got = [losses(1.0, 1.0), losses(1.0, np.nan), losses(1.0, 1.0), losses(1.0, 2.0)]
    inputs = [{"lr": np.asarray(v)} for v in (1e-5, 100.0, 1e-5, 100.0)]
    outcome = judge(spec([PROPS[1]]), got, inputs=inputs)
    assert outcome.message.endswith("(repetition 2 of 2).")


def test_config_values_are_validated() -> None:
    with pytest.raises(ValidationError, match="configuration names must be Python identifiers"):
        ExperimentSpec(id="e", kind="experiment", call="f(x)", configs={"bad-name": {"x": 1}}, properties=[{"finite": True}])
    with pytest.raises(ValidationError, match="configuration 'a', input 'x'"):
        ExperimentSpec(id="e", kind="experiment", call="f(x)", configs={"a": {"x": {"unifrom": [0, 1]}}},
                       properties=[{"finite": True}])


GOOD = """\
name: exp
title: Experiments end to end
files: [m.py]
inputs:
  base:
    cases: 2
    w: {normal: [0, 1], shape: [3]}
    lr: 0.1
    act: relu
checks:
  - id: steps
    kind: experiment
    call: run(w, lr, act)
    inputs: base
    names: [w_end, act_seen]
    configs:
      small: {lr: 1.0e-6}
      large: {lr: 10.0}
      sig: {act: sigmoid}
      fresh: {w: {uniform: [5, 6], shape: [3]}}
    properties:
      - {of: small.w_end, close_to: w, rtol: 1.0e-4}
      - {of: "large.w_end", close_to: "w * (1 - large.lr)"}
      - {expr: "sig.act_seen == 'sigmoid' and small.act_seen == 'relu'", message: "the act input reaches the code"}
      - {of: fresh.w_end, range: [4, 6]}
      - {expr: "all(small.w == large.w)", message: "configurations share the base draw"}
"""
REFERENCE = {"m.py": "def run(w, lr, act):\n    return w - lr * w, act\n"}


def test_end_to_end_one_case_per_configuration(tmp_path: Path, engine) -> None:
    assignment = specs.load(write_assignment(tmp_path / "a", GOOD, REFERENCE))
    prepared = engine.prepare(assignment)
    cases = prepared.case_inputs["steps"]
    assert len(cases) == 8 and [float(c["lr"]) for c in cases[:4]] == [1e-6, 10.0, 0.1, 0.1]
    assert str(cases[2]["act"]) == "sigmoid" and np.all(cases[3]["w"] >= 5)
    assert not np.array_equal(cases[0]["w"], cases[4]["w"])        # two repetitions, two draws
    assert engine.grade(prepared, assignment.reference_dir).score == 1.0
    wrong = write_submission(tmp_path / "wrong", {"m.py": "def run(w, lr, act):\n    return w - w * min(lr, 1.0), 'relu'\n"})
    check = engine.grade(prepared, wrong).checks[0]
    assert check.status == "partial" and check.score == pytest.approx(0.6)
    assert "large.w_end should match w * (1 - large.lr)" in check.message
    assert "the act input reaches the code" in check.message


def test_call_names_must_come_from_the_base_set(tmp_path: Path) -> None:
    bad = GOOD.replace("    call: run(w, lr, act)", "    call: run(w, lr, beta)")
    with pytest.raises(SpecError, match="beta not among the check's inputs"):
        specs.load(write_assignment(tmp_path / "a", bad, REFERENCE))
