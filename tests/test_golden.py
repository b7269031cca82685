"""Example submissions double as golden tests: their scores and verdicts are pinned."""


import pytest
from conftest import ROOT

EXAMPLES = ROOT / "submissions" / "bp-manual"

# submission -> (score, {check id: status} for every check that does not pass)
GOLDEN = {
    "correct": (10.0, {}),
    "utf8-bom": (10.0, {}),            # a byte-order mark, as some Windows editors write
    "张三-gbk-crlf": (10.0, {}),       # GBK with Chinese comments and strings, CRLF line endings, a CJK folder name
    "output-layer-uses-hidden-derivative": (5.5, {"gradients-given": "failed", "gradients-hidden": "failed", "train-hidden": "failed"}),
    "hidden-layer-missing-derivative": (5.5, {"gradients-given": "failed", "gradients-hidden": "failed", "train-hidden": "failed"}),
    "update-sign-error": (8.0, {"update-given": "failed", "update-hidden": "failed", "train-hidden": "failed"}),
    "hardcoded": (4.0, {"forward-hidden": "failed", "loss-hidden": "failed", "gradients-hidden": "failed",
                        "update-hidden": "failed", "train-hidden": "failed"}),
    "crash-at-import": (1.0, {c: "error" for c in ("forward-given", "loss-given", "gradients-given", "update-given", "forward-hidden",
                                                  "loss-hidden", "gradients-hidden", "update-hidden", "train-hidden")}),
    "infinite-loop": (9.0, {"train-hidden": "timeout"}),
    "asks-input": (1.0, {c: "error" for c in ("forward-given", "loss-given", "gradients-given", "update-given", "forward-hidden",
                                             "loss-hidden", "gradients-hidden", "update-hidden", "train-hidden")}),
}


@pytest.fixture(scope="module")
def graded(engine, bp_prepared):
    return {path.name: engine.grade(bp_prepared, path) for path in sorted(EXAMPLES.iterdir())}


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(GOLDEN)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_score_and_statuses(graded, name: str) -> None:
    score, not_passed = GOLDEN[name]
    result = graded[name]
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == not_passed
    assert result.score == score


def test_reference_scores_full_marks(engine, bp_prepared, bp_manual) -> None:
    result = engine.grade(bp_prepared, bp_manual.reference_dir)
    assert result.score == result.max_score == 10.0


def test_output_layer_bug_message_points_at_first_layer_gradient(graded) -> None:
    check = next(c for c in graded["output-layer-uses-hidden-derivative"].checks if c.id == "gradients-given")
    assert check.message.startswith("Wrong gradient: ∂E/∂w1, ∂E/∂w2, ∂E/∂w3, ∂E/∂w4")
    assert "w5, w6, w7, w8 are right" in check.message


def test_missing_hidden_derivative_is_about_four_times_too_big(graded) -> None:
    check = next(c for c in graded["hidden-layer-missing-derivative"].checks if c.id == "gradients-given")
    assert "∂E/∂w1, ∂E/∂w2, ∂E/∂w3, ∂E/∂w4" in check.message and "about 4.01× the true values" in check.message


def test_crash_at_import_names_the_error_and_line(graded) -> None:
    check = graded["crash-at-import"].checks[0]
    assert "bp.py could not be imported: NameError: name 'foward' is not defined" in check.message
    assert 'File "bp.py", line' in check.message


def test_input_call_is_explained(graded) -> None:
    assert "calls input() when imported" in graded["asks-input"].checks[0].message


def test_infinite_loop_times_out_with_a_reason(graded) -> None:
    check = next(c for c in graded["infinite-loop"].checks if c.id == "train-hidden")
    assert "did not finish within 5 s" in check.message


def test_hardcoded_answers_pass_public_checks_only(graded) -> None:
    result = graded["hardcoded"]
    assert all(c.status == "passed" for c in result.checks if c.visibility == "public")
    assert all(c.status == "failed" for c in result.checks if c.visibility == "hidden")


def test_hidden_messages_and_details_reveal_no_expected_values(graded) -> None:
    for result in graded.values():
        for check in result.checks:
            if check.visibility == "hidden":
                assert "expected_at_worst" not in check.details
                assert "expected " not in check.message


def test_results_record_the_sandbox_layers(graded) -> None:
    layers = graded["correct"].sandbox["layers"]
    assert {"lifecycle", "resources", "network", "filesystem", "seccomp"} <= set(layers)


def test_a_gbk_source_is_read_as_gbk_and_the_result_says_so(graded) -> None:
    result = graded["张三-gbk-crlf"]
    assert result.submission == "张三-gbk-crlf"
    assert result.notes == ["bp.py is not UTF-8; it was read as GBK (GB18030). "
                            "Save it as UTF-8 to be sure every character means what you wrote."]
    assert graded["utf8-bom"].notes == [] and graded["correct"].notes == []
