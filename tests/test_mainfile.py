"""The main script of a submission whose file is not named as the assignment names it, and
the student's own names (and notebook cells) kept for messages."""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader import mainfile
from grader.submission import read


def test_the_main_script_is_the_one_no_other_file_imports() -> None:
    files = {"mlp_scratch.py": b"from utils import load\nimport tools.plots\n", "utils.py": b"import torch\n",
             "tools/__init__.py": b"", "tools/plots.py": b"from . import colours\n", "tools/colours.py": b""}
    choice = mainfile.choose(files, "mlp_d2l.py")
    assert choice is not None and choice.name == "mlp_scratch.py"
    assert "no other submitted file imports" in choice.why


def test_no_main_script_when_two_files_could_be_it_or_none_is_a_script() -> None:
    assert mainfile.choose({"a.py": b"x = 1\n", "b.py": b"y = 2\n"}, "mlp_d2l.py") is None
    assert mainfile.choose({"notes.txt": b""}, "mlp_d2l.py") is None
    assert mainfile.choose({"a.py": b"import b\n", "b.py": b"import a\n"}, "mlp_d2l.py") is None


def test_a_file_that_does_not_parse_imports_nothing() -> None:
    assert mainfile.imported_names(b"from utils import (\n") == set()
    assert mainfile.imported_names(b"from a.b import c\nimport d as e\n") == {"a", "a.b", "a.b.c", "d"}


def test_a_folder_is_staged_under_the_assignment_name_and_remembers_the_student_name(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "mlp_scratch.py").write_text("from utils import load\nnet = load()\n")
    (tmp_path / "s" / "utils.py").write_text("def load():\n    return 1\n")
    submission = read(tmp_path / "s", ["mlp_d2l.py"])
    assert sorted(submission.files) == ["mlp_d2l.py", "utils.py"]
    assert submission.own_name("mlp_d2l.py") == "mlp_scratch.py" and submission.own_name("utils.py") == "utils.py"
    assert submission.notes == ("Graded mlp_scratch.py as the assignment's mlp_d2l.py: it is the one .py file "
                                "no other submitted file imports (1 other).",)
    assert read(tmp_path / "s", ["mlp_d2l.py", "README.md"]).missing(["README.md"]) == ["README.md"]


def test_a_single_notebook_in_a_folder_is_the_main_script_and_its_cells_are_mapped(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# 作业"), nbformat.v4.new_code_cell("%matplotlib inline\nx = 1"),
                      nbformat.v4.new_code_cell(""), nbformat.v4.new_code_cell("y = 2\nz = w")]
    (tmp_path / "s").mkdir()
    nbformat.write(notebook, tmp_path / "s" / "作业.ipynb")
    submission = read(tmp_path / "s", ["mlp_d2l.py"])
    script = submission.files["mlp_d2l.py"].decode().splitlines()
    cells = submission.cells["mlp_d2l.py"]
    assert submission.own_name("mlp_d2l.py") == "作业.ipynb"
    line = script.index("z = w") + 1
    marker, cell = max(c for c in cells if c[0] <= line)
    assert (cell, line - marker) == (4, 2)      # the fourth cell, its second line
    assert (cells[1][1], script[cells[1][0] - 1]) == (3, "# cell 3")   # an empty cell keeps the count right


def test_a_single_file_keeps_its_own_name(tmp_path: Path) -> None:
    (tmp_path / "李明-作业.py").write_text("x = 1\n")
    submission = read(tmp_path / "李明-作业.py", ["linear_regression.py"])
    assert submission.own_name("linear_regression.py") == "李明-作业.py"
    assert submission.shown() == {"linear_regression.py": {"as": "李明-作业.py", "cells": None}}
