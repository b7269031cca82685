"""Spec errors name the file, the line and the key path, and suggest fixes."""

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment

from grader import spec
from grader.errors import SpecError

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
    assert assignment.max_score == 10.0   # one form's points: the functions' and the script's are 10 each
    assert {c.kind for c in assignment.checks} == {"compare", "gradient", "source", "output"}
    assert list(assignment.spec.forms) == ["functions", "script"]
    functions = set(assignment.spec.forms["functions"])
    assert {c.kind for c in assignment.checks if c.id in functions} == {"compare", "gradient", "source"}


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


# ------------------------------------------------------------------ include:
BASE = """\
name: base
title: The base assignment
files: [m.py]
seed: 4
sandbox:
  timeout_s: 3
  memory_mb: 512
tolerance: {rtol: 1.0e-6, atol: 1.0e-6}
inputs:
  given:
    x: [1.0, 2.0]
    k: 2.0
  random:
    cases: 5
    x: {uniform: [-1, 1], shape: [3]}
checks:
  - id: double
    kind: compare
    title: Doubles the given x
    points: 1
    inputs: given
    call: double(x)
  - id: double-random
    kind: compare
    visibility: hidden
    points: 2
    inputs: random
    call: double(x)
  - id: no-torch
    kind: source
    forbid_imports: [torch]
"""
REFERENCE2 = {"m.py": "def double(x):\n    return 2 * x\n\ndef scale(x, k):\n    return k * x\n"}


def include_pair(tmp_path: Path, text: str, base: str = BASE) -> Path:
    """assignments/base (included) and assignments/child (including, with ``text``)."""
    write_assignment(tmp_path / "assignments" / "base", base, REFERENCE2)
    return write_assignment(tmp_path / "assignments" / "child", text, REFERENCE2)


def include_error(tmp_path: Path, text: str, base: str = BASE) -> str:
    with pytest.raises(SpecError) as info:
        spec.load(include_pair(tmp_path, text, base))
    return str(info.value)


def test_include_overrides_appends_and_merges(tmp_path: Path) -> None:
    child = include_pair(tmp_path, """\
        include: ../base/assignment.yaml
        name: child
        title: The child assignment
        sandbox: {memory_mb: 1024}
        tolerance: {atol: null}
        inputs:
          given: {k: 3.0}
          random: {cases: 7}
        checks:
          - {id: double-random, points: 1.5}
          - {id: no-torch, remove: true}
          - id: scale
            kind: compare
            inputs: given
            call: scale(x, k)
        """)
    loaded = spec.load(child)
    assert (loaded.name, loaded.spec.title, loaded.spec.seed, loaded.spec.files) == ("child", "The child assignment", 4, ["m.py"])
    assert (loaded.spec.sandbox.timeout_s, loaded.spec.sandbox.memory_mb) == (3.0, 1024)   # key by key
    assert (loaded.spec.tolerance.rtol, loaded.spec.tolerance.atol) == (1e-6, None)        # null removes
    assert [c.id for c in loaded.checks] == ["double", "double-random", "scale"]           # in place, removed, appended
    merged = loaded.checks[1]
    assert (merged.points, merged.visibility, merged.call, merged.inputs) == (1.5, "hidden", "double(x)", "random")
    assert loaded.max_score == 3.5
    assert loaded.input_sets["given"].values["k"] == 3.0 and list(loaded.input_sets["given"].values) == ["x", "k"]
    assert loaded.input_sets["random"].cases == 7 and "x" in loaded.input_sets["random"].values
    assert loaded.root == child.resolve()          # the reference and hidden/ files are the including assignment's


def test_include_by_assignment_name_and_chains(tmp_path: Path) -> None:
    include_pair(tmp_path, "include: base\nname: child\ntitle: Child\n")
    grandchild = write_assignment(tmp_path / "assignments" / "grandchild",
                                  "include: child\nname: grandchild\nchecks:\n  - {id: double, points: 4}\n", REFERENCE2)
    loaded = spec.load(grandchild)
    assert (loaded.name, loaded.spec.title, loaded.max_score) == ("grandchild", "Child", 7.0)


def test_a_check_of_another_kind_replaces_the_included_one(tmp_path: Path) -> None:
    loaded = spec.load(include_pair(tmp_path, """\
        include: ../base
        name: child
        checks:
          - {id: double, kind: source, forbid_calls: [print]}
        """))
    check = loaded.checks[0]
    assert check.kind == "source" and check.points == 1.0 and check.title is None


def test_an_error_in_the_included_spec_names_that_file_and_line(tmp_path: Path) -> None:
    message = include_error(tmp_path, "include: ../base/assignment.yaml\nname: child\n",
                            base=BASE.replace("    call: double(x)\n  - id: double-random",
                                              "    call: double(x)\n    rtoll: 0.1\n  - id: double-random"))
    assert message.endswith(f"{tmp_path}/assignments/base/assignment.yaml:23: checks[0].rtoll: "
                            "unknown key for a compare check; did you mean 'rtol'?"), message


def test_an_error_in_a_merged_check_names_the_file_each_key_came_from(tmp_path: Path) -> None:
    text = "include: ../base\nname: child\nchecks:\n  - id: double\n    points: lots\n"
    assert "assignments/child/assignment.yaml:5: checks[0].points: " in include_error(tmp_path, text)
    text = "include: ../base\nname: child\ninputs:\n  given:\n    k: {uniform: [0, 1], sahpe: 1}\n"
    assert "assignments/child/assignment.yaml:5: inputs.given.k.sahpe: unknown key" in include_error(tmp_path, text)
    text = "include: ../base\nname: child\ninputs:\n  given: {k: 3.0}\nchecks:\n  - {id: double, call: double(y)}\n"
    assert "assignments/child/assignment.yaml:6: checks[0].call: y not among the check's inputs (k, x)" \
        in include_error(tmp_path, text)


def test_include_errors(tmp_path: Path) -> None:
    assert "child/assignment.yaml:1: include: no spec to include at" in include_error(tmp_path, "include: ../nothere\nname: c\n")
    assert "child/assignment.yaml:1: include: expected the path" in include_error(tmp_path, "include: [a]\nname: c\n")
    message = include_error(tmp_path, "include: base\nname: c\nchecks:\n  - {id: nope, remove: true}\n")
    assert "child/assignment.yaml:4: checks[0].id: no included check 'nope' to remove" in message
    message = include_error(tmp_path, "include: base\nname: c\nchecks:\n  - {id: double, remove: true, points: 1}\n")
    assert "child/assignment.yaml:4: checks[0].remove: write {id: <check id>, remove: true}" in message
    message = include_error(tmp_path, "include: base\nname: c\n", base=BASE.replace("files: [m.py]", "files: [m.py"))
    assert "assignments/base/assignment.yaml:" in message and "not valid YAML" in message


def test_an_include_cycle_is_an_error(tmp_path: Path) -> None:
    write_assignment(tmp_path / "assignments" / "a", "include: b\nname: a\n", REFERENCE2)
    write_assignment(tmp_path / "assignments" / "b", "include: ../a/assignment.yaml\nname: b\n" + BASE.split("\n", 1)[1], REFERENCE2)
    with pytest.raises(SpecError) as info:
        spec.load(tmp_path / "assignments" / "a")
    message = str(info.value)
    assert "assignments/b/assignment.yaml:1: include: including" in message and "would make a cycle" in message
    assert message.count("assignment.yaml") >= 4 and "\n" not in message
    write_assignment(tmp_path / "assignments" / "self", "include: ../self\nname: s\n", REFERENCE2)
    with pytest.raises(SpecError, match="would make a cycle"):
        spec.load(tmp_path / "assignments" / "self")


def test_the_spec_hash_covers_included_specs(tmp_path: Path) -> None:
    child = include_pair(tmp_path, "include: base\nname: child\n")
    before = spec.load(child).spec_hash
    base_file = tmp_path / "assignments" / "base" / "assignment.yaml"
    base_file.write_text(base_file.read_text().replace("timeout_s: 3", "timeout_s: 4"))
    assert spec.load(child).spec_hash != before
    plain = write_assignment(tmp_path / "plain", GOOD, REFERENCE)
    assert spec.load(plain).spec_hash == spec._hash_folder(plain)         # no include: the hash is as before


def test_activation_relu_builds_on_bp_manual() -> None:
    relu = spec.load(ROOT / "assignments" / "activation-relu")
    bp = spec.load(ROOT / "assignments" / "bp-manual")
    assert relu.spec.include == "../bp-manual/assignment.yaml"
    assert relu.spec.sandbox == bp.spec.sandbox and relu.spec.tolerance == bp.spec.tolerance
    shared = [c.id for c in bp.checks if c.id not in bp.spec.forms["script"]]   # the script form is removed there
    assert [c.id for c in relu.checks][:len(shared)] == shared
    assert not relu.spec.forms and not set(bp.spec.forms["script"]) & {c.id for c in relu.checks}
    by_id = {c.id: c for c in relu.checks}
    assert (by_id["forward-hidden"].points, by_id["gradients-hidden"].points) == (1.0, 2.0)
    assert relu.input_sets["random"].cases == 20 and "z" in relu.input_sets["random"].values
    assert by_id["compare-with-sigmoid"].kind == "manual" and relu.max_score == 13.0


def test_a_spec_with_several_mistakes_lists_every_one(tmp_path: Path) -> None:
    """Three mistakes in three places: one run names all three, in the spec's order (it used to stop at the first)."""
    text = (GOOD.replace("    inputs: given", "    inputs: given\n    rtoll: 0.1\n    points: many")
            + "  - id: double\n    kind: compar\n")
    message = error_of(tmp_path, text)
    lines = message.splitlines()
    assert lines[0] == "3 problems in the spec:"
    assert lines[1].endswith("assignment.yaml:12: checks[0].rtoll: unknown key for a compare check; did you mean 'rtol'?")
    assert "assignment.yaml:13: checks[0].points: expected a number" in lines[2]
    assert lines[3].endswith("checks[1].kind: unknown kind 'compar'; did you mean 'compare'?")


def test_a_misspelt_required_key_is_one_problem_not_two(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("call: double(x)", "cal: double(x)"))
    assert message.endswith("checks[0].cal: unknown key for a compare check; did you mean 'call'?"), message
    assert "\n" not in message and "required key is missing" not in message
