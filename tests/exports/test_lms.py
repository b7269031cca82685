"""Canvas and Moodle grade-import files, checked against the columns each LMS documents.

Canvas (Grades → Import, "Import grades from a CSV file"): its gradebook export's columns
``Student, ID, SIS User ID, SIS Login ID, Section``, then one column per assignment headed
``Assignment Name (assignment id)``. Moodle (Grades → Import → CSV file): a column that identifies
the user (email address or ID number, chosen under "Identify user by") and a grade column mapped
to the grade item. Both are read here with the ``csv`` module as the LMS reads them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import GraderError
from grader.exports import lms
from grader.results import Result
from tests.report.samples import as_result, check, result

ROSTER = (
    "submission,student_id,name,email\n"
    "alice,2024001,Alice Wong,alice@uni.edu\n"
    "zhang,2024002,张三,zhangsan@uni.edu\n"
    "bob,2024003,\"Lee, Bob\",bob@uni.edu\n"
    "=cmd,2024004,=HYPERLINK(\"x\"),eve@uni.edu\n"
    "gus,2024009,Gus Ghost,gus@uni.edu\n"          # handed nothing in
)


def batch() -> list[Result]:
    def one(sub: str, got: float, manual: bool = False) -> Result:
        checks = [check("forward", "passed" if got == 6 else "partial", got, 6, "ok")]
        if manual:
            checks.append(check("explain", "pending", 0, 4, "Awaiting instructor grading.", kind="manual"))
        else:
            checks.append(check("explain", "passed", 4, 4, "ok", kind="manual"))
        return as_result(result(sub, checks, assignment="bp-manual"))
    return [one("alice", 6), one("zhang", 3), one("bob", 1.5, manual=True), one("=cmd", 6), one("stray", 2)]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def test_canvas_has_canvas_columns_and_one_assignment_column(roster: Path) -> None:
    results = batch()
    export = lms.canvas(results, lms.read_roster(roster), lms.grade_column(results, "Backprop by hand", "4711"))
    table = rows(export.text())
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Backprop by hand (4711)"]
    by_sis = {r[2]: r for r in table[1:]}
    assert by_sis["2024001"] == ["Alice Wong", "", "2024001", "", "", "10"]
    assert by_sis["2024002"][0] == "张三" and by_sis["2024002"][5] == "7"
    assert by_sis["2024003"][0] == "Lee, Bob" and by_sis["2024003"][5] == "1.5"    # the manual check counts 0 so far
    assert by_sis["2024004"][0] == "'=HYPERLINK(\"x\")"                            # a name never runs as a formula
    assert len(table) == 5                                   # gus has no result: left out, so Canvas keeps his grade
    assert [s.submission for s in export.missing] == ["gus"]
    assert export.unknown == ["stray"] and export.pending == ["bob"]


def test_canvas_without_an_id_names_a_new_assignment_and_scales_to_its_points(roster: Path) -> None:
    results = batch()
    export = lms.canvas(results, lms.read_roster(roster), lms.grade_column(results, None, None), points=100)
    table = rows(export.text())
    assert table[0][-1] == "bp-manual"
    assert {r[2]: r[5] for r in table[1:]}["2024002"] == "70"


def test_moodle_identifies_users_by_email_or_id_number(roster: Path) -> None:
    results = batch()
    export = lms.moodle(results, lms.read_roster(roster), lms.grade_column(results, "Backprop", None))
    table = rows(export.text())
    assert table[0] == ["ID number", "Email address", "Full name", "Backprop"]
    by_email = {r[1]: r for r in table[1:]}
    assert by_email["zhangsan@uni.edu"] == ["2024002", "zhangsan@uni.edu", "张三", "7"]
    assert set(by_email) == {"alice@uni.edu", "zhangsan@uni.edu", "bob@uni.edu", "eve@uni.edu"}


def test_a_roster_without_its_columns_or_with_a_repeated_id_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("submission,name\nalice,Alice\n")
    with pytest.raises(GraderError, match="missing: student_id, email"):
        lms.read_roster(bad)
    bad.write_text("submission,student_id,name,email\nalice,1,A,a@x\nalice,2,B,b@x\n")
    with pytest.raises(GraderError, match=r"bad.csv:3: submission 'alice' is listed twice"):
        lms.read_roster(bad)


def test_a_roster_saved_by_excel_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeff".encode() + ROSTER.encode())
    assert lms.read_roster(path)[1].name == "张三"


def test_export_canvas_and_moodle_commands(roster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    for one in batch():
        (out / one.submission).mkdir(parents=True)
        (out / one.submission / "result.json").write_text(one.to_json(), encoding="utf-8")
    assert main(["export", "canvas", str(out), "--roster", str(roster), "--out", str(tmp_path / "c.csv"),
                 "--assignment-id", "4711"]) == 0
    said = capsys.readouterr()
    assert "wrote" in said.out and "1 student(s) on the roster have no result (left out of the file): Gus Ghost (gus)" in said.out
    assert "1 result(s) have no roster row (left out): stray" in said.err
    assert rows((tmp_path / "c.csv").read_text(encoding="utf-8"))[0][-1] == "bp-manual (4711)"
    assert main(["export", "moodle", str(out), "--roster", str(roster), "--out", str(tmp_path / "m.csv")]) == 0
    assert rows((tmp_path / "m.csv").read_text(encoding="utf-8"))[0] == ["ID number", "Email address", "Full name", "bp-manual"]
    assert main(["export", "moodle", str(tmp_path), "--roster", str(roster), "--out", str(tmp_path / "x.csv")]) == 3
