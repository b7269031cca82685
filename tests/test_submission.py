"""Reading submissions: folders, zips, single files and notebooks, never running them."""

import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.errors import SubmissionError
from grader.submission import read


def test_folder_skips_symlinks(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bp.py").write_text("x = 1\n")
    os.symlink("/etc/passwd", tmp_path / "s" / "leak.py")
    sub = read(tmp_path / "s", ["bp.py"])
    assert sub.id == "s" and set(sub.files) == {"bp.py"} and sub.skipped == ("leak.py",)


def test_single_py_file_takes_the_spec_name(tmp_path: Path) -> None:
    path = tmp_path / "alice.py"
    path.write_text("x = 1\r\n")
    sub = read(path, ["bp.py"])
    assert sub.id == "alice" and sub.files == {"bp.py": b"x = 1\r\n"}


def test_zip_skips_escaping_paths_and_strips_a_common_folder(tmp_path: Path) -> None:
    path = tmp_path / "bob.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bob/bp.py", "x = 1\n")
        archive.writestr("../evil.py", "x = 2\n")
    sub = read(path, ["bp.py"])
    assert sub.id == "bob" and "../evil.py" in sub.skipped
    assert sub.files == {"bp.py": b"x = 1\n"}


def test_zip_of_a_folder_holds_the_same_files(tmp_path: Path) -> None:
    path = tmp_path / "carol.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("carol/bp.py", "x = 1\n")
    assert read(path, ["bp.py"]).files == {"bp.py": b"x = 1\n"}


def test_corrupt_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        read(path, ["bp.py"])


def test_notebook_cells_run_in_order_with_magics_stripped(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np"),
                nbformat.v4.new_code_cell("!pip install torch\ndef f(x):\n    return x")]
    path = tmp_path / "dave.ipynb"
    path.write_text(nbformat.writes(nb))
    code = read(path, ["bp.py"]).files["bp.py"].decode()
    assert "import numpy as np" in code and "def f(x):" in code
    assert "%matplotlib" not in code.replace("# stripped: %matplotlib", "")
    compile(code, "bp.py", "exec")


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="does not exist"):
        read(tmp_path / "nope", ["bp.py"])


def test_the_current_folder_is_named_after_itself(tmp_path: Path, monkeypatch) -> None:
    """`grader check .grader .` in a student's repository: the id is the folder's name, not "" (a bug fixed here)."""
    work = tmp_path / "alice-repo"
    work.mkdir()
    (work / "bp.py").write_text("x = 1\n")
    monkeypatch.chdir(work)
    assert read(Path("."), ["bp.py"]).id == "alice-repo"
