"""``run: main``: the main file runs once as ``__main__``, exactly like ``python file.py``, and the
checks read that run's globals and what it printed, however it stopped."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import spec
from grader.engine import Engine
from grader.errors import SpecError
from grader.results import Result

SPEC = """
    name: mainly
    title: A script run as __main__
    files: [work.py]
    run: main
    stdin: "{stdin}"
    sandbox: {{timeout_s: 10, import_timeout_s: 1, script_timeout_s: {budget}, preload: [numpy]}}
    inputs:
      given:
        x: {{value: [1.0, -2.0, 3.0]}}
    checks:
      - {{id: double, kind: compare, call: double(x), inputs: given}}
      - {{id: trained, kind: compare, call: TRAINED}}
      - {{id: argv, kind: compare, call: ARGV}}
      - {{id: prints, kind: output, patterns: ['runs (\\d+)', 'lr (\\S+)']}}
"""

REFERENCE = """
    import os
    import sys

    import numpy as np


    def double(x):
        return 2 * np.asarray(x)


    if __name__ == "__main__":
        ARGV = [os.path.basename(a) for a in sys.argv]
        with open("runs.txt", "a") as fh:       # the box is writable: count how often the file ran
            fh.write("x")
        with open("runs.txt") as fh:
            print(f"runs {len(fh.read())}")
        lr = float(input("lr? ") or 0.5)
        print(f"lr {lr}")
        TRAINED = [lr * 2, lr * 3]
"""


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(workers=1, secret="main", preload=["numpy"], require=[]) as eng:
        yield eng


def grade(engine: Engine, tmp_path: Path, code: str, stdin: str = "0.1\\n", budget: float = 30) -> Result:
    folder = write_assignment(tmp_path / "a", SPEC.format(stdin=stdin, budget=budget), {"work.py": REFERENCE})
    prepared = engine.prepare(spec.load(folder))
    return engine.grade(prepared, write_submission(tmp_path / "s", {"work.py": code}))


def by_id(result: Result) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status, c.message) for c in result.checks}


def test_main_blocks_run_once_with_argv_and_stdin(engine, tmp_path) -> None:
    result = grade(engine, tmp_path, REFERENCE)
    assert result.score == result.max_score, by_id(result)
    assert result.notes == []
    prints = next(c for c in result.checks if c.id == "prints")
    assert prints.details["printed_numbers"] == ["1", "0.1"]    # one run, whose output the check read


def test_a_script_that_raises_is_graded_on_what_it_defined_and_the_note_says_where(engine, tmp_path) -> None:
    code = REFERENCE.replace('        print(f"lr {lr}")\n', '        print(f"lr {lr}")\n        raise ValueError("done early")\n')
    result = grade(engine, tmp_path, code)
    checks = by_id(result)
    assert checks["double"][0] == "passed" and checks["prints"][0] == "passed"
    assert checks["trained"][0] == "error" and "name 'TRAINED' is not defined in work.py" in checks["trained"][1]
    assert result.notes == ["work.py stopped at line 20 (`raise ValueError(\"done early\")`) with ValueError: done early. "
                            "The checks ran on what it had defined by then."]


def test_sys_exit_stops_the_script_and_only_a_failing_status_is_noted(engine, tmp_path) -> None:
    failing = grade(engine, tmp_path / "1", REFERENCE.replace("        TRAINED", "        sys.exit(3)\n        TRAINED"))
    assert by_id(failing)["trained"][0] == "error" and by_id(failing)["argv"][0] == "passed"
    assert failing.notes[0].startswith("work.py stopped at line 20 (`sys.exit(3)`) with SystemExit: the code called sys.exit(3)")
    clean = grade(engine, tmp_path / "2", REFERENCE + "        sys.exit(0)\n")
    assert clean.score == clean.max_score and clean.notes == []


def test_input_past_the_given_stdin_gets_end_of_file_and_the_note_says_so(engine, tmp_path) -> None:
    code = REFERENCE.replace("        TRAINED", "        epochs = int(input('epochs? '))\n        TRAINED")
    result = grade(engine, tmp_path, code)
    assert by_id(result)["double"][0] == "passed" and by_id(result)["trained"][0] == "error"
    assert result.notes[0].startswith("work.py stopped at line 20 (`epochs = int(input('epochs? '))`) with EOFError")


def test_a_script_past_its_budget_is_stopped_and_graded_on_what_it_did(engine, tmp_path) -> None:
    code = REFERENCE.replace("        TRAINED", "        while True:\n            pass\n        TRAINED")
    result = grade(engine, tmp_path, code, budget=2)
    checks = by_id(result)
    assert checks["double"][0] == "passed" and checks["prints"][0] == "passed" and checks["argv"][0] == "passed"
    assert checks["trained"][0] == "error"
    assert result.notes[0].startswith("work.py stopped at line 20 (`while True:`) with Timeout: the script was still "
                                      "running after its 2 s budget (sandbox.script_timeout_s)")


def test_a_script_that_catches_everything_is_still_stopped_by_the_supervisor(engine, tmp_path) -> None:
    code = REFERENCE.replace("        TRAINED", "        while True:\n            try:\n                while True:\n"
                                              "                    pass\n            except BaseException:\n"
                                              "                pass\n        TRAINED")
    result = grade(engine, tmp_path, code, budget=1)
    assert {c.status for c in result.checks} == {"timeout"}
    assert "did not finish within 16 s" in result.checks[0].message


def test_run_main_needs_a_python_file_and_import_is_the_default(tmp_path) -> None:
    folder = write_assignment(tmp_path / "nb", """
        name: nb
        title: t
        files: [work.ipynb]
        run: main
        checks: [{id: a, kind: compare, call: f()}]
    """, {"work.ipynb": "{}"})
    with pytest.raises(SpecError, match=r"run: main runs the first \.py file"):
        spec.load(folder)
    plain = write_assignment(tmp_path / "py", textwrap.dedent("""
        name: py
        title: t
        files: [work.py]
        checks: [{id: a, kind: compare, call: f()}]
    """), {"work.py": "def f():\n    return 1\n"})
    loaded = spec.load(plain).spec
    assert (loaded.run, loaded.stdin, loaded.sandbox.script_timeout_s) == ("import", "", 300.0)


HELPER_SPEC = """
    name: mlp-d2l-like
    title: The main script under another name
    files: [mlp_d2l.py]
    run: main
    sandbox: {timeout_s: 10, script_timeout_s: 30, preload: [numpy]}
    checks:
      - {id: scale, kind: compare, call: scale(2.0)}
      - {id: steps, kind: compare, call: STEPS}
"""


def test_a_folder_whose_main_script_has_another_name_is_graded_and_messages_name_the_students_files(
        engine, tmp_path) -> None:
    folder = write_assignment(tmp_path / "a", HELPER_SPEC, {"mlp_d2l.py": "def scale(x):\n    return 3 * x\n\nSTEPS = 10\n"})
    prepared = engine.prepare(spec.load(folder))
    helper = "def factor():\n    return 3\n\n\ndef broken(x):\n    return x / 0\n"
    main = "from utils import factor, broken\n\n\ndef scale(x):\n    return broken(x)\n\n\nSTEPS = 10\n"
    result = engine.grade(prepared, write_submission(tmp_path / "s", {"mlp_scratch.py": main, "utils.py": helper}))
    checks = {c.id: c for c in result.checks}
    assert checks["steps"].status == "passed"
    assert result.notes == ["Graded mlp_scratch.py as the assignment's mlp_d2l.py: it is the one .py file no other "
                            "submitted file imports (1 other)."]
    traceback = checks["scale"].details["traceback"]
    assert 'File "mlp_scratch.py", line 5, in scale' in traceback and 'File "utils.py", line 6, in broken' in traceback
    assert "mlp_d2l" not in traceback + checks["scale"].message
