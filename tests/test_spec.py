"""Spec errors name the file, the line and the key path, and suggest fixes."""

import shutil
from pathlib import Path

import pytest

from grader import spec
from grader.errors import SpecError

from conftest import ROOT, write_assignment

GOOD = """\
name: tiny
title: A tiny assignment
files: [m.py]
inputs:
  given:
    x: [1.0, 2.0]
checks:
  - id: double
    kind: compare
    call: double(x)
    inputs: given
"""
REFERENCE = {"m.py": "def double(x):\n    return 2 * x\n"}


def load_with(tmp_path: Path, text: str, reference=REFERENCE) -> spec.Assignment:
    return spec.load(write_assignment(tmp_path / "a", text, reference))


def error_of(tmp_path: Path, text: str, reference=REFERENCE) -> str:
    with pytest.raises(SpecError) as info:
        load_with(tmp_path, text, reference)
    return str(info.value)


def test_good_spec_loads(tmp_path: Path) -> None:
    assignment = load_with(tmp_path, GOOD)
    assert assignment.name == "tiny" and assignment.max_score == 1.0
    assert assignment.checks[0].visibility == "public"


def test_bp_manual_loads() -> None:
    assignment = spec.load(ROOT / "assignments" / "bp-manual")
    assert assignment.max_score == 10.0
    assert {c.kind for c in assignment.checks} == {"compare", "gradient", "source"}


def test_unknown_key_names_line_path_and_suggestion(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("    inputs: given", "    inputs: given\n    rtoll: 0.1"))
    assert message.endswith("assignment.yaml:12: checks[0].rtoll: unknown key for a compare check; did you mean 'rtol'?")


def test_wrong_type_names_line_and_path(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("    inputs: given", "    inputs: given\n    rtol: lots"))
    assert "assignment.yaml:12: checks[0].rtol: expected a number" in message


def test_unknown_top_level_key_suggests(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD + "chekcs: []\n")
    assert "assignment.yaml:12: chekcs: unknown key; did you mean 'checks'?" in message


def test_nested_sandbox_key(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD + "sandbox:\n  timeout: 3\n")
    assert "assignment.yaml:13: sandbox.timeout: unknown key; did you mean 'timeout_s'?" in message


def test_unknown_kind_suggests(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("kind: compare", "kind: compar"))
    assert "assignment.yaml:9: checks[0].kind: unknown kind 'compar'; did you mean 'compare'?" in message


def test_missing_required_key(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("title: A tiny assignment\n", ""))
    assert ": title: required key is missing" in message


def test_missing_reference_file(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD, reference={"other.py": ""})
    assert "assignment.yaml:3: files[0]: the reference has no m.py" in message


def test_bad_call_expression(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("call: double(x)", "call: double(x) + 1"))
    assert "assignment.yaml:10: checks[0].call: BinOp is not allowed" in message


def test_call_uses_unknown_input(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("call: double(x)", "call: double(z)"))
    assert "checks[0].call: z not among the check's inputs (x)" in message


def test_unknown_input_set_suggests(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("    inputs: given", "    inputs: gven"))
    assert "checks[0].inputs: no input set 'gven' under inputs; did you mean 'given'?" in message


def test_bad_generator(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("x: [1.0, 2.0]", "x: {uniform: [0, 1], shape: [2], sahpe: 1}"))
    assert "assignment.yaml:6: inputs.given.x.sahpe: unknown key" in message


def test_duplicate_check_ids(tmp_path: Path) -> None:
    text = GOOD + "  - id: double\n    kind: source\n"
    assert "checks[1].id: duplicate check id 'double'" in error_of(tmp_path, text)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("files: [m.py]", "files: [m.py"))
    assert "assignment.yaml:" in message and "not valid YAML" in message


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        spec.load(tmp_path)


def test_find_suggests_close_names(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "assignments" / "bp-manual", tmp_path / "assignments" / "bp-manual")
    with pytest.raises(SpecError, match="did you mean 'bp-manual'"):
        spec.find("bp-manual2", tmp_path)
    assert spec.find("bp-manual", tmp_path) == tmp_path / "assignments" / "bp-manual"
