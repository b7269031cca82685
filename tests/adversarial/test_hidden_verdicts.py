"""Hidden verdicts leak nothing: a wrong answer built to carry a hidden value out through the verdict
(an error size, a relative error, a factor) gets a student no number computed from hidden inputs or
expected values, in ``result.json``, ``report.html`` or the Gradescope export; ``instructor.json``
keeps the full details. Graded in one batch between two honest controls."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import pytest
from conftest import write_assignment, write_submission

from grader import api, spec
from grader.engine import Engine
from grader.exports.gradescope import to_gradescope
from grader.results import Result
from grader.values import ArrayValue, ScalarValue

SECRET = "hidden-verdicts"
SPEC = """\
name: verdicts
title: Hidden verdicts
files: [work.py]
sandbox: {timeout_s: 5, import_timeout_s: 5, preload: [numpy]}
checks:
  - id: work
    kind: compare
    inputs: {x: [1.0, 2.0, 3.0]}
    call: work(x)
  - id: work-hidden
    kind: compare
    visibility: hidden
    inputs: {x: {uniform: [0.5, 5], shape: [3]}}
    call: work(x)
  - id: loss-hidden
    kind: compare
    visibility: hidden
    inputs: {o: {uniform: [-3, 3], shape: [4]}, y: {uniform: [-3, 3], shape: [4]}}
    call: loss(o, y)
  - id: grads-hidden
    kind: gradient
    visibility: hidden
    inputs: {w: {uniform: [0.5, 3], shape: [8]}, x: {uniform: [0.5, 3], shape: [8]}}
    call: grads(w, x)
    names: [w1, w2, w3, w4, w5, w6, w7, w8]
"""
HONEST = """\
import numpy as np


def work(x):
    return 2 * np.asarray(x)


def loss(o, y):
    return float(0.5 * np.sum((np.asarray(o) - np.asarray(y)) ** 2))


def grads(w, x):
    return np.asarray(w) * np.asarray(x) + 1.0
"""
ATTACKS = {
    # the error size is 1e6·(2 + x[0]) give or take 2·x: x[0] to six digits
    "input-in-error": HONEST.replace("return 2 * np.asarray(x)", "return np.full(3, 1e6 * (2 + x[0])) if x[0] != 1.0 "
                                     "else 2 * np.asarray(x)"),
    # the error size is the true loss itself
    "zero-loss": HONEST.replace("return float(0.5 * np.sum", "return 0.0 if o[0] != 1e9 else float(0.5 * np.sum"),
    # every relative error |1 - g|/|g| gives a true gradient g
    "constant-gradient": HONEST.replace("return np.asarray(w) * np.asarray(x) + 1.0", "return np.ones(8)"),
}
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][-+]?\d+)?")


def _decoders() -> dict[str, Callable[[float], list[float]]]:
    """How each attack would read a hidden value back from a number it was shown."""
    return {"input-in-error": lambda t: [t, t / 1e6 - 2],
            "zero-loss": lambda t: [t],
            "constant-gradient": lambda t: [t, 1 / (1 + t), 1 / (1 - t) if t != 1 else 0.0]}


def _plain(value: object) -> list[float]:
    if isinstance(value, ArrayValue):
        return [float(v) for v in value.array.ravel()]
    if isinstance(value, ScalarValue):
        return [float(value.value)]  # type: ignore[arg-type]
    return []


def _leaked(text: str, secrets: list[float], decode: Callable[[float], list[float]]) -> list[tuple[str, float]]:
    """Every number in ``text`` (with a decimal point or an exponent) that gives a secret to 4 significant digits."""
    found = []
    for token in NUMBER.findall(text):
        for candidate in decode(float(token)):
            found += [(token, s) for s in secrets if abs(s) > 1e-3 and abs(candidate - s) <= 5e-4 * abs(s)]
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdicts")
    folder = write_assignment(root / "a", SPEC, {"work.py": HONEST})
    assignment = spec.load(folder)
    with Engine(workers=1, secret=SECRET, preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(assignment)
    secrets: dict[str, list[float]] = {}
    for index, task in enumerate(prepared.tasks):
        if task.check_id.endswith("-hidden"):
            inputs = prepared.case_inputs[task.check_id][task.case]
            values = [float(v) for a in inputs.values() for v in np.ravel(a)]
            secrets[task.check_id] = values + _plain(prepared.expected[index].value)
    paths = [write_submission(root / "subs" / "control-first", {"work.py": HONEST})]
    paths += [write_submission(root / "subs" / name, {"work.py": code}) for name, code in ATTACKS.items()]
    paths.append(write_submission(root / "subs" / "control-last", {"work.py": HONEST}))
    out = root / "out"
    results = {r.submission: r for r in api.grade(assignment, paths, out, jobs=1, secret=SECRET)}
    return results, out, secrets


def test_controls_keep_full_marks(graded) -> None:
    results, _, _ = graded
    for name in ("control-first", "control-last"):
        assert results[name].score == results[name].max_score, [c.message for c in results[name].checks]


ATTACKED = {"input-in-error": "work-hidden", "zero-loss": "loss-hidden", "constant-gradient": "grads-hidden"}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_the_attack_fails_its_hidden_check(graded, name: str) -> None:
    results, _, _ = graded
    by_id = {c.id: c for c in results[name].checks}
    assert by_id[ATTACKED[name]].status == "failed"
    assert all(c.status == "passed" for c in results[name].checks if c.id != ATTACKED[name])


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_no_hidden_number_reaches_the_student(graded, name: str) -> None:
    _, out, secrets = graded
    hidden = secrets[ATTACKED[name]]
    decode = _decoders()[name]
    shown = {"result.json": (out / name / "result.json").read_text(),
             "report.html": (out / name / "report.html").read_text(),
             "gradescope": json.dumps(to_gradescope(Result.from_json((out / name / "result.json").read_text())))}
    for where, text in shown.items():
        assert _leaked(text, hidden, decode) == [], where


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_instructors_keep_the_full_details(graded, name: str) -> None:
    results, out, secrets = graded
    record = json.loads((out / name / "instructor.json").read_text())
    assert record["schema"] == "grader.instructor/1" and record["submission"] == name
    details = {c["id"]: c["details"] for c in record["checks"]}[ATTACKED[name]]
    assert _leaked(json.dumps(details), secrets[ATTACKED[name]], _decoders()[name])   # the numbers are there
    student = {c.id: c for c in results[name].checks}[ATTACKED[name]].details
    assert "max_abs_err" not in student and "error_band" in student


def test_the_band_and_the_wrong_names_still_reach_the_student(graded) -> None:
    results, _, _ = graded
    check = {c.id: c for c in results["constant-gradient"].checks}["grads-hidden"]
    assert check.details["wrong"] == [f"w{i}" for i in range(1, 9)]
    assert set(check.details["error_bands"]) <= set(check.details["wrong"])
    assert "Wrong gradient" in check.message and "worst" in check.message
