"""Reading submissions: folders, zips, single files and notebooks, never running them."""

import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.errors import SubmissionError
from grader.submission import read, source_encoding


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


@pytest.mark.parametrize(("text", "encoding", "expected"), [
    ("# 反向传播\nx = '误差'\n", "gbk", "gb18030"),
    ("# café, naïve\nx = 'é'\n", "cp1252", "cp1252"),
    ("# plain\nx = 1\n", "utf-8", None),
    ("# -*- coding: gbk -*-\n# 中文\n", "gbk", None),     # Python decodes a declared encoding itself
])
def test_the_encoding_of_a_source_is_recognised(text: str, encoding: str, expected: str | None) -> None:
    assert source_encoding(text.encode(encoding)) == expected


def test_a_utf8_bom_and_crlf_are_left_as_python_reads_them(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf# \xc3\xa9\r\nx = 1\r\n"
    (tmp_path / "work.py").write_bytes(data)
    submission = read(tmp_path / "work.py", ["work.py"])
    assert submission.files["work.py"] == data and submission.notes == ()


def test_a_gbk_source_is_re_encoded_as_utf8_with_a_note(tmp_path: Path) -> None:
    folder = tmp_path / "李四"
    folder.mkdir()
    (folder / "work.py").write_bytes("# 中文注释\r\nname = '张三'\r\n".encode("gbk"))
    (folder / "notes.txt").write_bytes("不是源代码".encode("gbk"))   # only Python sources are touched
    submission = read(folder, ["work.py"])
    assert submission.id == "李四"
    assert submission.files["work.py"].decode("utf-8") == "# 中文注释\r\nname = '张三'\r\n"
    assert submission.files["notes.txt"] == "不是源代码".encode("gbk")
    assert submission.notes == ("work.py is not UTF-8; it was read as GBK (GB18030). "
                                "Save it as UTF-8 to be sure every character means what you wrote.",)


@pytest.mark.parametrize("entries", [
    {"bp.py": "x = 1\n", "bp.py/x.py": "y = 2\n"},
    {"bp.py": "x = 1\n", ".": "y\n"},
    {"bp.py": "x = 1\n", "a/b": "x\n", "a": "y\n"},
    {"bp.py": "x = 1\n", "d/" + "n" * 300: "x\n"},
])
def test_zip_names_that_cannot_all_be_files_are_a_clear_error(tmp_path: Path, entries: dict[str, str]) -> None:
    path = tmp_path / "sub.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(zipfile.ZipInfo(name), text)
    with pytest.raises(SubmissionError, match=r"^sub\.zip cannot be unpacked: [^\n]*$"):
        read(path, ["bp.py"])


def test_staging_never_raises_a_bare_os_error(tmp_path: Path) -> None:
    from grader.submission import Submission, stage

    with pytest.raises(SubmissionError, match="cannot be written"):
        stage(Submission("s", tmp_path, {"a": b"1", "a/b": b"2"}), tmp_path / "box")


def test_submission_ids_are_unique_and_the_same_for_the_same_paths(tmp_path: Path) -> None:
    from grader.api import submission_ids

    (tmp_path / "alice").mkdir()
    paths = [tmp_path / "alice", tmp_path / "alice.zip", tmp_path / "alice-2.py", tmp_path / "x" / "alice.zip",
             tmp_path / "alice-zip", tmp_path / "bob.py"]
    ids = [sub_id for sub_id, _ in submission_ids(paths)]
    assert ids == ["alice", "alice-zip-2", "alice-2", "alice-zip-3", "alice-zip", "bob"]
    assert ids == [sub_id for sub_id, _ in submission_ids(paths)]
    assert [s for s, _ in submission_ids([tmp_path / "alice", tmp_path / "alice.zip"])] == ["alice", "alice-zip"]
