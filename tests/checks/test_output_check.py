"""output: numbers a script prints, found in order in the student's output, within the printed precision."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_assignment, write_submission
from pydantic import ValidationError

from grader import api
from grader.checks.base import Evaluation, JudgeContext
from grader.checks.output import Output, OutputSpec
from grader.checks.printed import extract, match, relation
from grader.errors import SpecError


def texts(text: str, **kw) -> list[str]:
    return [n.text for n in extract(text, **kw)]


def run(text: str, error: str | None = None, traceback: str | None = None) -> Evaluation:
    return Evaluation(True, {"stdout": [text[i:i + 4000] for i in range(0, len(text), 4000)], "truncated": False,
                             "error": error, "traceback": traceback, "memory": False})


def judge(reference: str, student: str, rtol=None, atol=None, **spec_fields):
    spec = OutputSpec(id="prints", kind="output", rtol=rtol, atol=atol, **spec_fields)
    ctx = JudgeContext([student if isinstance(student, Evaluation) else run(student)], [run(reference)], [{}], {}, None, None)
    return Output().judge(spec, ctx)


HOMEWORK = "pred=tensor([0.4769, 0.5287])\nMSE loss=0.2097\n"


# ------------------------------------------------------------------ numbers

def test_numbers_in_tensor_and_array_reprs() -> None:
    assert texts("pred=tensor([0.4769, 0.5287], grad_fn=<SigmoidBackward0>)") == ["0.4769", "0.5287"]
    assert texts("tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64, requires_grad=True)") == ["1.", "2.", "3.", "4."]
    assert texts("x = tensor([0.5000], device='cuda:0')") == ["0.5000"]
    assert texts("[0.47694636 0.52869612]\narray([1, 2, 3])") == ["0.47694636", "0.52869612", "1", "2", "3"]
    assert texts("loss: tensor(0.2097, grad_fn=<MseLossBackward0>)") == ["0.2097"]


def test_scientific_notation_and_signs() -> None:
    assert texts("tensor([-1.0000e-05,  2.5000e+00]) 1E5 3e-7") == ["-1.0000e-05", "2.5000e+00", "1E5", "3e-7"]
    assert [n.value for n in extract("w=-0.5, b=+2, d=−4, s=.25 end 7.")] == [-0.5, 2.0, -4.0, 0.25, 7.0]
    assert texts("x-1 and [-3]") == ["1", "-3"]
    assert texts("loss nan then -inf, information infinity") == ["nan", "-inf"]


def test_digits_inside_identifiers_are_not_numbers() -> None:
    assert texts("w1 fc2.weight float64 conv2d 3x3 layer_4 Backward0 x2 2.5x 1e") == []
    assert texts("epoch 1/10: w1=0.5, version 1.2.3, at 12:30") == ["1", "10", "0.5", "1.2", "12", "30"]


def test_half_a_unit_in_the_last_printed_digit() -> None:
    units = {n.text: n.half_unit for n in extract("0.2097 1.5e-03 2.5000e+00 1. 42 -0.5")}
    assert units["0.2097"] == pytest.approx(5e-5)
    assert units["1.5e-03"] == pytest.approx(5e-5)
    assert units["2.5000e+00"] == pytest.approx(5e-5)
    assert units["1."] == pytest.approx(0.5)
    assert units["42"] == 0.0          # integers (counts, epochs) are exact
    assert units["-0.5"] == pytest.approx(0.05)


def test_labels_take_one_number_or_one_bracketed_value() -> None:
    text = "MSE loss = 0.2097 (epoch 3)\npred: tensor([0.4769,\n 0.5287])\nloss 9 train_loss 8 losses 7\n"
    found = extract(text, labels=["MSE loss=", "pred", "loss"])
    assert [(n.text, n.label) for n in found] == [("0.2097", "MSE loss="), ("0.4769", "pred"), ("0.5287", "pred"),
                                                   ("9", "loss")]


def test_patterns_take_the_numbers_of_their_group() -> None:
    text = "step 1 loss=0.5 acc=0.91\nstep 2 loss=0.25 acc=0.93\n"
    assert texts(text, patterns=[r"loss=(\S+)"]) == ["0.5", "0.25"]
    assert texts(text, patterns=[r"acc=\S+"]) == ["0.91", "0.93"]


# ----------------------------------------------------------------- matching

def test_in_order_with_extra_prints_in_between() -> None:
    expected = extract(HOMEWORK)
    got = extract("Epoch 1\npred = [0.47694636 0.52869612]\nsome 17 other 3.5 prints\nMSE loss = 0.209710\ndone\n")
    result = match(expected, got, rtol=0, atol=0)
    assert result.count == 3
    assert [got[i].text for i in result.found] == ["0.47694636", "0.52869612", "0.209710"]


def test_order_matters() -> None:
    result = match(extract("1.5 2.5 3.5"), extract("3.5 2.5 1.5"), rtol=0, atol=0)
    assert result.count == 1


def test_tolerance_comes_from_the_printed_precision() -> None:
    expected = extract("0.2097")
    assert match(expected, extract("0.20974"), 0, 0).count == 1
    assert match(expected, extract("0.20966"), 0, 0).count == 1
    assert match(expected, extract("0.20976"), 0, 0).count == 0
    assert match(expected, extract("0.20974"), 0, 0, rounding=False).count == 0
    assert match(expected, extract("0.2098"), 1e-3, 0).count == 1     # rtol on top of the half unit
    assert match(extract("3"), extract("3.2"), 0, 0).count == 0        # integers are exact
    assert match(extract("nan inf"), extract("nan -inf inf"), 0, 0).count == 2


def test_relation_in_words() -> None:
    assert relation(0.4194, 0.2097) == "about 2× too large"
    assert relation(0.05, 0.2) == "about 4× too small"
    assert relation(-0.2097, 0.2097) == "the right size but the wrong sign"
    assert relation(0.21, 0.2) == "5% too large"


# -------------------------------------------------------------------- judge

def test_everything_printed_passes() -> None:
    outcome = judge(HOMEWORK, "hello\npred=tensor([0.4769, 0.5287])\nE=0.2097\nMSE loss=0.2097\n")
    assert outcome.status == "passed" and outcome.score_fraction == 1
    assert outcome.message == "Your script printed all 3 expected numbers, in order."
    assert outcome.details["expected_numbers"] == ["0.4769", "0.5287", "0.2097"]


def test_a_wrong_number_is_named_with_the_closest_one() -> None:
    outcome = judge(HOMEWORK, "pred=tensor([0.4769, 0.5287])\nMSE loss=0.4194\n", labels=["pred=", "MSE loss="])
    assert outcome.status == "partial" and outcome.score_fraction == pytest.approx(2 / 3)
    assert outcome.message == ("Your script printed 2 of 3 expected numbers in order. Expected the number 0.2097 "
                               "(after 'MSE loss=') but your output never printed it; the closest was 0.4194 "
                               "(in 'MSE loss=0.4194') — about 2× too large.")
    assert outcome.details["not_found"] == ["0.2097"] and outcome.details["found"] == "2 of 3"


def test_without_labels_the_message_quotes_the_reference_line() -> None:
    outcome = judge("a 1.5\nb 2.5\nc 3.5\nd 4.5\n", "a 1.5\nb 2.5\nc 3.5\n")
    assert outcome.message.startswith("Your script printed 3 of 4 expected numbers in order. Expected the number 4.5 "
                                      "(the reference prints it in 'd 4.5') but your output never printed it")


def test_too_few_digits_is_told_to_print_more() -> None:
    outcome = judge(HOMEWORK, "pred=tensor([0.4769, 0.5287])\nMSE loss=0.21\n")
    assert "the closest was 0.21" in outcome.message and "looks rounded: print at least 4 decimals" in outcome.message


def test_nothing_printed_and_a_crash_say_so() -> None:
    outcome = judge(HOMEWORK, run("", "EOFError: EOF when reading a line", '  File "losses.py", line 4, in <module>\n    input()'))
    assert outcome.status == "failed"
    assert outcome.message.startswith("Your script printed nothing; expected 3 numbers, starting with 0.4769")
    assert "stopped with EOFError: EOF when reading a line at File \"losses.py\", line 4" in outcome.message
    assert "the grader gives no keyboard input" in outcome.message


def test_running_out_of_memory_is_a_memory_verdict() -> None:
    from grader.values import ScalarValue
    value = {"stdout": ["pred=tensor([0.4769, 0.5287])\n"], "truncated": ScalarValue(False, "bool"),
             "error": "MemoryError: ", "traceback": None, "memory": ScalarValue(True, "bool")}
    outcome = judge(HOMEWORK, Evaluation(True, value))
    assert outcome.status == "memory" and outcome.score_fraction == pytest.approx(2 / 3)


def test_hidden_messages_quote_no_expected_number() -> None:
    outcome = judge(HOMEWORK, "pred=tensor([0.4769, 0.5287])\nMSE loss=0.4194\n", visibility="hidden")
    assert outcome.message == "Your script printed 2 of 3 expected numbers in order. The 3rd expected number is missing or wrong."
    assert "expected_numbers" not in outcome.details and "0.2097" not in str(outcome.details)


def test_a_reference_without_numbers_is_an_error() -> None:
    assert judge("done\n", "1 2 3").status == "error"
    assert judge("loss=0.5", "loss=0.5", labels=["acc="]).message.startswith("the reference's output has no numbers")


def test_spec_validation() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        OutputSpec(id="o", kind="output", patterns=["loss=(["])
    with pytest.raises(ValidationError, match=r"expected a \.py file"):
        OutputSpec(id="o", kind="output", file="../reference/bp.py")


# --------------------------------------------------------- through the engine

REFERENCE = """
    import numpy as np

    def add(a, b):
        return a + b

    print("imported")          # prints at import time: not what the output check reads

    if __name__ == "__main__":
        o = np.array([0.476946, 0.528696])
        print("pred =", np.round(o, 4))
        print(f"MSE loss={0.2097103:.4f}")
"""

SPEC = """
    name: printer
    title: Printer
    files: [script.py]
    sandbox: {timeout_s: 5, preload: [numpy]}
    checks:
      - id: prints
        kind: output
        points: 2
      - id: add
        kind: compare
        call: add(a, b)
        inputs: {a: 1.0, b: 2.0}
"""


@pytest.fixture(scope="module")
def printer(engine, tmp_path_factory):
    folder = write_assignment(tmp_path_factory.mktemp("printer"), SPEC, {"script.py": REFERENCE})
    return engine.prepare(api.load_assignment(folder))


def grade(engine, prepared, tmp_path: Path, code: str):
    result = engine.grade(prepared, write_submission(tmp_path / "student", {"script.py": code}))
    return {c.id: c for c in result.checks}, result


def test_engine_runs_the_script_as_main_and_matches_its_numbers(engine, printer, tmp_path) -> None:
    checks, result = grade(engine, printer, tmp_path, """
        import sys
        def add(a, b):
            return a + b
        print("epoch 1 of 3")                      # top level, no __main__ guard: script style
        print("pred:", [0.47694636, 0.52869612])
        print("MSE loss =", 0.2097103)
        if __name__ == "__main__":
            sys.exit(0)                            # a clean exit ends the script, it is no error
    """)
    assert checks["prints"].status == "passed", checks["prints"].message
    assert checks["add"].status == "passed" and result.score == 3.0
    assert result.output["stdout"].count("epoch 1 of 3") == 2   # once at import, once run as __main__


def test_engine_reports_the_wrong_number(engine, printer, tmp_path) -> None:
    checks, _ = grade(engine, printer, tmp_path, """
        def add(a, b):
            return a + b
        if __name__ == "__main__":
            print("pred", [0.4769, 0.5287])
            print("MSE loss", 2 * 0.2097103)
            raise ValueError("oops")
    """)
    check = checks["prints"]
    assert check.status == "partial" and check.score == 1.3333
    assert "Expected the number 0.2097 (the reference prints it in 'MSE loss=0.2097')" in check.message
    assert "the closest was 0.4194206" in check.message and "about 2× too large" in check.message
    assert "The script stopped with ValueError: oops at File \"script.py\", line 7, in <module>" in check.message
    assert checks["add"].status == "passed"


def test_long_non_ascii_output_comes_back_whole(engine, printer, tmp_path) -> None:
    checks, _ = grade(engine, printer, tmp_path, """
        def add(a, b):
            return a + b
        if __name__ == "__main__":
            print("进度 " * 100_000)              # 700 kB of UTF-8, within the 1 MiB output cap
            print("pred = [0.4769 0.5287]\\nMSE loss=0.2097")
    """)
    assert checks["prints"].status == "passed", checks["prints"].message


def test_a_script_that_never_ends_is_named(tmp_path) -> None:
    from grader.explain import explain
    failed = Evaluation(False, status="timeout", error="did not finish within 5 s (an endless loop, or waiting for input?)")
    message = explain(failed, OutputSpec(id="o", kind="output", file="train.py"), 0, 1, 1024)
    assert message == "running train.py did not finish within 5 s (an endless loop, or waiting for input?)."


def test_the_file_must_be_one_of_the_assignments_files(engine, tmp_path) -> None:
    folder = write_assignment(tmp_path / "a", SPEC.replace("kind: output", "kind: output\n        file: train.py"),
                              {"script.py": REFERENCE})
    with pytest.raises(SpecError, match=r"file 'train\.py' is not among the assignment's files"):
        engine.prepare(api.load_assignment(folder))
