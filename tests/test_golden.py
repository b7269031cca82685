"""Example submissions double as golden tests: one harness over ``tests/golden/<assignment>.yaml``.

Each file pins, per example submission under ``submissions/<assignment>/``: the score, the
status of every check that does not pass, and where given the notes, checks' statuses, scores,
details and message fragments; and what the reference scores. Every assignment's examples are
graded once per session (``golden_results`` in conftest); the per-assignment test modules
(``test_golden_<assignment>.py``) keep what is not "grade example X, assert Y" and reuse the
same results. Training assignments need Fashion-MNIST (they skip without it, and fail in CI).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import GOLDEN, ROOT, golden_pins

from grader.results import CheckResult, Result

ASSIGNMENTS = sorted(path.stem for path in GOLDEN.glob("*.yaml"))


def _marks(name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.slow] if golden_pins(name).get("slow") else []


def _by_assignment(having: str | None = None) -> list[Any]:
    return [pytest.param(name, id=name, marks=_marks(name)) for name in ASSIGNMENTS
            if having is None or having in golden_pins(name)]


def _by_example() -> list[Any]:
    return [pytest.param(name, sub, id=f"{name}/{sub}", marks=_marks(name))
            for name in ASSIGNMENTS for sub in golden_pins(name)["examples"]]


def test_every_assignment_with_examples_has_a_pinned_file() -> None:
    with_examples = sorted(p.name for p in (ROOT / "submissions").iterdir() if p.is_dir() and any(p.iterdir()))
    assert set(with_examples) <= set(ASSIGNMENTS), "no tests/golden/<assignment>.yaml for some examples"


@pytest.mark.parametrize("name", _by_assignment())
def test_every_example_is_pinned(name: str) -> None:
    pinned = golden_pins(name)
    assert pinned["assignment"] == name
    assert sorted(p.name for p in (ROOT / "submissions" / name).iterdir()) == sorted(pinned["examples"])


@pytest.mark.parametrize("name", _by_assignment(having="reference"))   # mlp-d2l: see test_golden_mlp_d2l.py
def test_reference(golden_results, name: str) -> None:
    pinned = golden_pins(name)["reference"]
    result = golden_results(name)["<reference>"]
    for field, value in pinned.items():
        assert getattr(result, field) == value, f"reference {field}"


@pytest.mark.parametrize(("name", "sub"), _by_example())
def test_example(golden_results, name: str, sub: str) -> None:
    pinned = golden_pins(name)
    expected = pinned["examples"][sub]
    result = golden_results(name)[sub]
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == expected["not_passed"]
    assert result.score == pytest.approx(expected["score"], rel=0, abs=pinned.get("score_tolerance", 0))
    if "max_score" in pinned:
        assert result.max_score == pinned["max_score"]
    _assert_result_pins(result, expected)
    for check_id, pins in expected.get("checks", {}).items():
        _assert_check(next(c for c in result.checks if c.id == check_id), pins)
    if "first_check" in expected:
        _assert_check(result.checks[0], expected["first_check"])


def _assert_result_pins(result: Result, expected: dict[str, Any]) -> None:
    if "notes" in expected:
        assert result.notes == expected["notes"]
    if "submission" in expected:
        assert result.submission == expected["submission"]
    if expected.get("full_marks"):
        assert result.score == result.max_score
    for visibility, status in expected.get("by_visibility", {}).items():
        assert all(c.status == status for c in result.checks if c.visibility == visibility), visibility
    if "sandbox_layers" in expected:
        assert set(expected["sandbox_layers"]) <= set(result.sandbox["layers"])


def _assert_check(check: CheckResult, pins: dict[str, Any]) -> None:
    """``status``, ``score``, ``message`` (all of it), ``starts``, ``contains`` and ``details`` (those keys' values)."""
    for field in ("status", "score", "message"):
        if field in pins:
            assert getattr(check, field) == pins[field], f"{check.id}: {field}"
    if "starts" in pins:
        assert check.message.startswith(pins["starts"]), check.message
    for fragment in pins.get("contains", []):
        assert fragment in check.message, f"{check.id}: {fragment!r} not in {check.message!r}"
    for key, value in pins.get("details", {}).items():
        assert check.details[key] == value, f"{check.id}: details[{key!r}]"


@pytest.mark.parametrize("name", _by_assignment(having="hidden_messages_never"))
def test_hidden_messages_and_details_reveal_no_expected_values(golden_results, name: str) -> None:
    never = golden_pins(name)["hidden_messages_never"]
    for result in golden_results(name).values():
        for check in result.checks:
            if check.visibility != "hidden":
                continue
            for pattern in never.get("regex", []):
                assert not re.search(pattern, check.message), (result.submission, check.id)
            for fragment in never.get("contains", []):
                assert fragment not in check.message, (result.submission, check.id)
            for key in never.get("details", []):
                assert key not in check.details, (result.submission, check.id)
