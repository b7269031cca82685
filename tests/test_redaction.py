"""One redaction policy: a hidden check's details are cut to the allow-list where verdicts become
results, and reports and exports apply the same policy to results written before it."""

from __future__ import annotations

from pathlib import Path

from report.samples import HIDDEN_EXPECTED, HIDDEN_INPUT, check, result

from grader import report
from grader.exports.gradescope import to_gradescope
from grader.redaction import HIDDEN_DETAILS, redact, student_details
from grader.results import CheckResult, Result

ROOT = Path(__file__).resolve().parent.parent
LEAKY = {"expected_at_worst": HIDDEN_EXPECTED, "got_at_worst": HIDDEN_INPUT, "expected_shape": [7, 3],
         "worst_index": [4, 1], "max_abs_err": 0.5, "wrong": ["w1"]}


def test_a_hidden_check_keeps_only_the_allow_listed_details() -> None:
    hidden = CheckResult.model_validate(check("h", "failed", 0, 1, "Wrong.", visibility="hidden", details=LEAKY))
    # an error size is computed from the expected values: a hidden check shows only its band
    assert redact(hidden).details == {"error_band": "outside the tolerance", "wrong": ["w1"]}
    banded = hidden.model_copy(update={"details": {**LEAKY, "max_rel_err": 0.05, "rel_err": {"w1": 3.0}}})
    assert redact(banded).details == {"error_band": "within 10%", "error_bands": {"w1": "off by 1× to 10×"},
                                      "wrong": ["w1"]}
    assert set(redact(hidden).details) <= HIDDEN_DETAILS
    public = hidden.model_copy(update={"visibility": "public"})
    assert redact(public) is public and student_details("public", LEAKY) == LEAKY


def test_the_judge_redacts_every_hidden_check_of_a_real_result(engine, bp_prepared) -> None:
    graded = engine.grade(bp_prepared, ROOT / "submissions" / "bp-manual" / "update-sign-error")
    hidden = [c for c in graded.checks if c.visibility == "hidden"]
    assert hidden and any(c.status != "passed" for c in hidden)
    assert all(set(c.details) <= HIDDEN_DETAILS for c in hidden)
    assert any(set(c.details) - HIDDEN_DETAILS for c in graded.checks if c.visibility == "public")  # public ones keep theirs


def test_reports_and_exports_apply_the_same_policy_to_an_older_result() -> None:
    old = Result.from_dict(result("mallory", [check("h", "failed", 0, 1, "Wrong.", kind="gradient", visibility="hidden", details=LEAKY)]))
    html = report.render_result(old)
    exported = str(to_gradescope(old))
    for secret in (HIDDEN_EXPECTED, HIDDEN_INPUT):
        assert str(secret) not in html and str(secret) not in exported
    assert "w1" in html and "w1" in exported
