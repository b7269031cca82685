"""Each check kind renders its own details (``detail_rows``); the report places the rows and keeps
hidden checks to their allow-listed figures whatever a kind gives."""

from __future__ import annotations

import pytest

from grader import report
from grader.checks import CHECKS
from grader.checks.display import DetailRow
from grader.redaction import InstructorCheck, InstructorRecord

from .html_tree import parse
from .samples import as_result, check, result


def section_of(data: dict, check_id: str):
    return parse(report.render_result(as_result(data))).find("section", data_check=check_id)


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_every_kind_gives_rows_for_its_details(kind: str) -> None:
    assert CHECKS[kind].detail_rows({}) == []
    rows = CHECKS[kind].detail_rows({"note": "x", "nested": {"a": 1}})
    assert rows == [DetailRow("note", "x")]      # an unknown plain detail is shown as it is, a nested one is not


def test_kind_rows_reach_their_places_on_the_page() -> None:
    data = result(checks=[
        check("essay", "pending", 0, 2, "Awaiting instructor grading.", kind="manual",
              details={"prompt": "Why?", "rubric": "1 point for the reason"}),
        check("src", "failed", 0, 1, "Forbidden code found", kind="source",
              details={"violations": ["import torch"], "unfinished": ["f"]}),
        check("fit", "failed", 0, 1, "no tier", kind="train",
              details={"dataset": {"name": "x", "title": "Stand-in", "stand_in": True, "missing": "not here"},
                       "accuracy": 0.1}),
    ])
    essay = section_of(data, "essay")   # a student's page: the question, never the rubric (it holds the model answer)
    assert [p.text() for p in essay.find_all("p", class_="proves")][:2] == [
        "Question: Why?", "What this check proves: Proves that essay behaves like the reference."]
    assert "1 point for the reason" not in essay.text()
    record = InstructorRecord(submission="alice", checks=[InstructorCheck(id="essay", details=data["checks"][0]["details"])])
    page = parse(report.render_result(as_result(data), instructor=record))    # an instructor's page: the rubric too
    essay = page.find("section", data_check="essay")
    assert [p.text() for p in essay.find_all("p", class_="proves")][:2] == ["Question: Why?", "Rubric: 1 point for the reason"]
    src = section_of(data, "src")
    assert [c.text() for c in src.find_all("code")] == ["import torch"]
    assert [d.text() for d in src.find_all("dt")] == ["unfinished"]
    fit = section_of(data, "fit")
    assert fit.find("p", class_="alert dataset").text() == "Dataset: none: not here"
    assert [d.text() for d in fit.find_all("dd")] == ["0.1"]


def test_a_kind_the_grader_does_not_know_shows_its_plain_details_only_when_public() -> None:
    details = {"points": 0.5, "expected_shape": [2], "table": {"a": 1}}
    data = result(checks=[check("py", "failed", 0, 1, "judged", kind="no-such-kind", details=details),
                          check("py-hidden", "failed", 0, 1, "judged", kind="no-such-kind", visibility="hidden",
                                details=details)])
    shown = section_of(data, "py")
    assert [(d.text(), v.text()) for d, v in zip(shown.find_all("dt"), shown.find_all("dd"))] == [
        ("points", "0.5"), ("expected shape", "2")]      # keys in words, a list as its items
    assert not section_of(data, "py-hidden").find_all("dl")


def test_a_hidden_check_never_shows_comparison_code_or_free_rows_whatever_its_kind_gives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [DetailRow("value", "LEAK-GOT", "compare", expected="LEAK-EXPECTED"), DetailRow("x", "LEAK-CODE", "violation"),
            DetailRow("seed", "LEAK-EXTRA"), DetailRow("values wrong", "1 of 4", "stat")]
    monkeypatch.setattr(CHECKS["compare"], "detail_rows", lambda details: rows, raising=False)
    data = result(checks=[check("h", "failed", 0, 1, "wrong", visibility="hidden", details={"mismatched": 1}),
                          check("p", "failed", 0, 1, "wrong", details={"mismatched": 1})])
    hidden = section_of(data, "h")
    assert "LEAK" not in hidden.text() and [d.text() for d in hidden.find_all("dd")] == ["1 of 4"]
    public = section_of(data, "p").text()
    assert all(leak in public for leak in ("LEAK-GOT", "LEAK-EXPECTED", "LEAK-CODE", "LEAK-EXTRA"))


def test_an_instructors_score_is_said_from_the_checks_override() -> None:
    original = {"status": "failed", "score": 0, "message": "wrong"}
    data = result(checks=[
        check("work", "partial", 0.5, 1, "Close enough."),
        check("essay", "passed", 2, 2, "Well argued.", kind="manual", details={"prompt": "Why?"}),
    ])
    data["checks"][0]["override"] = {"points": 0.5, "comment": "Close enough.", "from": "scores.csv:2", "original": original}
    data["checks"][1]["override"] = {"points": 2, "comment": "Well argued.", "from": "scores.csv:3",
                                     "original": {"status": "pending", "score": 0, "message": "Awaiting instructor grading."}}
    assert section_of(data, "work").find("p", class_="override").text() == (
        "Graded by the instructor. The automatic check gave 0 / 1 (failed).")
    assert section_of(data, "essay").find("p", class_="override").text() == "Graded by the instructor."
