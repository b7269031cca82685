"""property: invariants judged from the student's returned values, each with its own message."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import write_assignment, write_submission
from pydantic import ValidationError

from grader import spec as specs
from grader.checks import expr as ex
from grader.checks.base import Evaluation, JudgeContext
from grader.checks.property import Property, PropertySpec
from grader.errors import SpecError
from grader.values import ArrayValue, OpaqueValue, ScalarValue


def arr(*rows) -> ArrayValue:
    return ArrayValue(np.asarray(rows, dtype=np.float64), "numpy.ndarray")


def judge(properties, got, expected=None, inputs=None, visibility="public", names=None):
    got = got if isinstance(got, list) else [got]
    expected = expected if isinstance(expected, list) else [expected if expected is not None else g for g in got]
    spec = PropertySpec(id="p", kind="property", call="softmax(Z)", properties=properties, visibility=visibility,
                        names=names)
    ctx = JudgeContext([Evaluation(True, g) for g in got], [Evaluation(True, e) for e in expected],
                       inputs or [{} for _ in got], {}, None, None)
    return Property().judge(spec, ctx)


SOFTMAX = [{"finite": True}, {"range": [0, 1]}, {"sums_to": 1, "atol": 1e-9, "label": "each row of softmax(Z)"}]


def test_all_properties_hold() -> None:
    outcome = judge(SOFTMAX, arr([0.2, 0.8], [0.5, 0.5]))
    assert outcome.status == "passed" and outcome.score_fraction == 1.0
    assert outcome.message.startswith("All 3 properties hold")
    assert [p["passed"] for p in outcome.details["properties"]] == [True, True, True]


def test_each_failing_property_has_its_own_message_and_share_of_points() -> None:
    outcome = judge(SOFTMAX, arr([0.2, 0.9], [0.5, 0.5]))
    assert outcome.status == "partial" and outcome.score_fraction == pytest.approx(2 / 3)
    assert "each row of softmax(Z) should sum to 1 along axis -1, but sums to 1.1 (index [0]" in outcome.message
    outcome = judge(SOFTMAX, arr([math.nan, 1.0], [0.5, 0.5]))
    assert outcome.status == "failed" and outcome.score_fraction == 0
    assert "softmax(Z) has NaN at [0, 0] (1 of 4 values are not finite)" in outcome.message
    assert outcome.message.startswith("3 of 3 properties fail")


def test_range_names_an_offending_value() -> None:
    outcome = judge([{"range": [0, 1], "label": "p"}], arr(0.2, 1.5))
    assert outcome.message == "p should lie in [0, 1], but 1 of 2 values do not (e.g. 1.5 at [1])."


def test_shape_like_an_input_and_dtype() -> None:
    z = np.zeros((2, 3))
    outcome = judge([{"shape": "shape(Z)"}, {"dtype": "float64"}], arr(1.0, 2.0), inputs=[{"Z": z}])
    assert outcome.score_fraction == 0.5
    assert "softmax(Z) should have shape (2, 3), but has shape (2,)" in outcome.message


def test_monotonic_names_the_step() -> None:
    outcome = judge([{"monotonic": "decreasing", "label": "the losses"}], arr(3.0, 2.0, 2.5))
    assert outcome.message == "the losses should be decreasing, but rises from 2 to 2.5 at step 2."


def test_reason_is_appended_and_message_template_replaces() -> None:
    outcome = judge([{"of": "out[1]", "close_to": 0, "atol": 0, "rtol": 0, "label": "w2", "reason": "h2 is dead"}],
                    arr(0.3, 0.1))
    assert outcome.message == "w2 should match 0 exactly, but 1 of 1 values do not (got 0.1, expected 0; max abs err 0.1) — h2 is dead."
    outcome = judge([{"expr": "all(out >= 0)", "message": "negative entries: {sum(out < 0)} of {size(out)}"}], arr(-1.0, 2.0, -3.0))
    assert outcome.message == "negative entries: 2 of 3."


def test_like_reference_uses_the_reference_value_and_hides_it_when_hidden() -> None:
    outcome = judge([{"like_reference": True, "rtol": 0.01, "atol": 0}], arr(1.0, 2.0), expected=arr(1.0, 2.5))
    assert outcome.status == "failed" and "expected 2.5" in outcome.message
    hidden = judge([{"like_reference": True, "rtol": 0.01, "atol": 0}], arr(1.0, 2.0), expected=arr(1.0, 2.5),
                   visibility="hidden")
    # the student's value is not quoted either: its code ran on the hidden inputs and could write them into it
    assert "2.5" not in hidden.message and "got 2" not in hidden.message and "1 of 2 values do not" in hidden.message


def test_every_case_must_hold_and_the_failing_case_is_named() -> None:
    outcome = judge([{"finite": True}], [arr(1.0), arr(math.inf), arr(2.0)])
    assert outcome.message.endswith("(case 2 of 3).")


def test_an_opaque_or_wrongly_shaped_value_fails_without_crashing() -> None:
    outcome = judge([{"finite": True}], OpaqueValue("builtins.function", "<function f>"))
    assert outcome.status == "failed" and "is a builtins.function, not numbers" in outcome.message
    outcome = judge([{"of": "out[5]", "finite": True}], arr(1.0, 2.0))
    assert outcome.status == "failed" and "IndexError" in outcome.message


def test_names_label_tuple_parts_and_inputs_are_visible() -> None:
    got = (arr(0.5, 0.5), ScalarValue(0.25, "float"))
    outcome = judge([{"of": "h", "sums_to": "total"}, {"of": "loss", "less_than": "limit"}], got,
                    names=["h", "loss"], inputs=[{"total": np.float64(1.0), "limit": np.asarray(0.1)}])
    assert outcome.score_fraction == 0.5 and "loss should be below limit (0.1), but is 0.25" in outcome.message


def test_same_along_and_differ_along() -> None:
    same = arr([1.0, 1.0], [2.0, 2.0])
    assert judge([{"same_along": 1}], same).status == "passed"
    outcome = judge([{"differ_along": 1, "atol": 1e-9, "label": "W1"}], same)
    assert "W1 should differ along axis 1, but slices 0 and 1 agree" in outcome.message


def test_diverges() -> None:
    assert judge([{"diverges": True}], arr(1.0, math.nan)).status == "passed"
    outcome = judge([{"diverges": True, "label": "the loss"}], arr(1.0, 2.0))
    assert "the loss should blow up" in outcome.message and "largest |value| 2" in outcome.message


def test_spec_rejects_ambiguous_or_unsafe_properties() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        PropertySpec(id="p", kind="property", call="f(x)", properties=[{"finite": True, "range": [0, 1]}])
    with pytest.raises(ValidationError, match="needs a message"):
        PropertySpec(id="p", kind="property", call="f(x)", properties=[{"expr": "all(out > 0)"}])
    with pytest.raises(ValidationError, match="not an allowed function"):
        PropertySpec(id="p", kind="property", call="f(x)", properties=[{"of": "__import__('os')", "finite": True}])
    with pytest.raises(ValidationError, match="not allowed"):
        PropertySpec(id="p", kind="property", call="f(x)", properties=[{"of": "out.__class__", "finite": True}])
    with pytest.raises(ValidationError, match="not allowed"):
        PropertySpec(id="p", kind="property", call="f(x)", properties=[{"of": "[v for v in out]", "finite": True}])


def test_expressions_reach_only_namespaces() -> None:
    with pytest.raises(ex.ExprError, match="has no attributes"):
        ex.evaluate("out.shape", {"out": np.zeros(2)})
    assert ex.evaluate("ref.out[1] + 1", {"ref": ex.Namespace({"out": np.array([1.0, 2.0])}, "ref")}) == 3.0
    assert ex.render("{x:.2f} and {{braces}} and {x[1:]}", {"x": np.array([1.0, 2.5])}) == \
        "[1.00, 2.50] and {braces} and [2.5]"


def test_statistical_bounds() -> None:
    assert ex.z_bound(0.05) == pytest.approx(1.959964, abs=1e-5)
    assert ex.z_bound(1e-7) == pytest.approx(5.326724, abs=1e-5)
    assert ex.hoeffding(10_000, 1.0, 1e-7) == pytest.approx(math.sqrt(math.log(2e7) / 20_000))
    low, high = ex.chi2_low(10_000, 1e-7), ex.chi2_high(10_000, 1e-7)
    assert 0.9 < low < 1 < high < 1.1
    # Empirically, a correct sample never leaves the bounds (they are conservative).
    rng = np.random.default_rng(0)
    samples = rng.normal(0, 1, (200, 10_000))
    ratios = (samples ** 2).mean(axis=1)
    assert np.all((ratios > low) & (ratios < high))


GOOD = """\
name: props
title: Properties end to end
files: [m.py]
inputs:
  logits:
    cases: 3
    Z: {uniform: [-1000, 1000], shape: [4, 5]}
  words:
    kind: relu
checks:
  - id: softmax-props
    kind: property
    call: softmax(Z)
    inputs: logits
    properties:
      - {finite: true}
      - {sums_to: 1, atol: 1.0e-9}
      - {shape: "shape(Z)"}
  - id: string-input
    kind: property
    call: echo(kind)
    inputs: words
    properties:
      - {expr: "out == 'relu' and kind == 'relu'", message: "echo(kind) should return the string it got"}
"""
REFERENCE = {"m.py": """\
import numpy as np
def softmax(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
def echo(kind):
    assert isinstance(kind, str)
    return kind
"""}


def test_end_to_end_with_the_engine(tmp_path: Path, engine) -> None:
    assignment = specs.load(write_assignment(tmp_path / "a", GOOD, REFERENCE))
    prepared = engine.prepare(assignment)
    assert engine.grade(prepared, assignment.reference_dir).score == 2.0
    naive = write_submission(tmp_path / "naive", {"m.py": """\
import numpy as np
def softmax(Z):
    return np.exp(Z) / np.exp(Z).sum(axis=-1, keepdims=True)
def echo(kind):
    return kind.upper()
"""})
    result = engine.grade(prepared, naive)
    check = {c.id: c for c in result.checks}
    assert check["softmax-props"].status == "partial" and check["softmax-props"].score == pytest.approx(1 / 3, abs=1e-4)
    assert "softmax(Z) has NaN" in check["softmax-props"].message
    assert check["string-input"].message == "echo(kind) should return the string it got."


def test_spec_errors_name_the_line_and_key(tmp_path: Path) -> None:
    bad = GOOD.replace("      - {shape: \"shape(Z)\"}", "      - {shap: \"shape(Z)\"}")
    with pytest.raises(SpecError, match=r"assignment.yaml:\d+: checks\[0\]\.properties\[2\]"):
        specs.load(write_assignment(tmp_path / "a", bad, REFERENCE))
