"""CI outputs: JUnit XML (one test case per check) and the GitHub Actions job summary, from
result dicts and through `grader check` / `grader grade` (engine replaced by canned results)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from report.samples import HOSTILE, XSS_IMG, XSS_SCRIPT, as_result, check, full_result, hostile_result, result

from grader import api
from grader.cli import cli as main
from grader.exports.github import md, summary_markdown
from grader.exports.junit import to_junit

ROOT = Path(__file__).resolve().parents[2]


def cases(xml: str) -> dict[str, ET.Element]:
    return {c.get("name").split(":")[0]: c for c in ET.fromstring(xml).iter("testcase")}


def test_junit_has_one_testcase_per_check_and_failures_carry_the_message() -> None:
    data = full_result()
    xml = to_junit([as_result(data)])
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite.get("name") == "mlp-scratch / alice"
    by_id = cases(xml)
    assert list(by_id) == [c["id"] for c in data["checks"]]
    expected = {"passed": None, "failed": "failure", "partial": "failure", "error": "error", "timeout": "error"}
    for c in data["checks"]:
        case = by_id[c["id"]]
        outcome = expected[c["status"]]
        children = [e.tag for e in case if e.tag != "properties"]
        assert children == ([outcome] if outcome else [])
        if outcome:
            assert case.find(outcome).get("message") == c["message"]
            assert case.find(outcome).get("type") == c["status"]
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert props["score"] == f"{c['score']:g}" and props["max_score"] == f"{c['max_score']:g}"
    assert "ValueError: bad shape" in by_id["crash"].find("error").text
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("10", "6", "2")
    assert by_id["forward-hidden"].get("name").endswith("[hidden]")


def test_junit_survives_hostile_text_and_control_characters() -> None:
    data = hostile_result()
    data["checks"][0]["message"] = f"bad \x00\x1b[31m\x07 {HOSTILE} \ud800"
    xml = to_junit([as_result(data)])
    root = ET.fromstring(xml)            # well-formed despite NUL, escapes and a lone surrogate
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == f"bad  {HOSTILE} "
    assert root.find("testsuite").get("name") == f"mlp-scratch / {HOSTILE}"
    assert "<script>" not in xml and "<img" not in xml


def test_junit_for_an_ungraded_submission_is_one_error() -> None:
    root = ET.fromstring(to_junit([as_result(result("eve", [], status="error", message="bp.py is missing"))]))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "grading" and case.find("error").get("message") == "bp.py is missing"
    assert root.get("errors") == "1"


def test_markdown_escapes_everything_a_submission_wrote() -> None:
    text = md(f"{HOSTILE} | ![x](http://evil/x.png) [link](http://e) **b** `c`\nnext")
    assert "<" not in text and ">" not in text.replace("&gt;", "")
    assert "![" not in text and "](" not in text and "**" not in text and "`c`" not in text
    assert "\n" not in text
    summary = summary_markdown([as_result(hostile_result())])
    for line in summary.splitlines():
        if line.startswith("| ") and not line.startswith("| |"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line   # 4 cells: no pipe from a message splits a row


def test_markdown_summary_lists_each_check_or_each_submission() -> None:
    one = summary_markdown([as_result(full_result())], title="grader check mlp-scratch")
    assert one.startswith("## grader check mlp\\-scratch\n") or one.startswith("## grader check mlp-scratch\n")
    assert "### mlp-scratch: alice — 5 / 13" in one
    assert one.count("\n| ") == 1 + len(full_result()["checks"])   # header row + one row per check
    batch = summary_markdown([as_result(full_result(f"s{i}")) for i in range(5)])
    assert "5 submissions, mean 5.00 / 13." in batch and len(re.findall(r"^\| s\d \|", batch, re.M)) == 5


@pytest.fixture
def canned(monkeypatch: pytest.MonkeyPatch) -> dict:
    """`api.check` / `api.grade` return hand-built results: the CLI wiring is what is tested."""
    public = result("mine", [check("fwd", "passed", 1, 1, "ok"),
                             check("upd", "failed", 0, 1, f"update is wrong {XSS_IMG}")], assignment="bp-manual")
    graded = [full_result("ann"), hostile_result("bob")]

    def iter_grade(assignment, submissions, out, **options):
        for data in graded:
            api.write_submission(as_result(data), out)
            yield as_result(data)

    monkeypatch.setattr(api, "check", lambda *a, **k: as_result(public))
    monkeypatch.setattr(api, "iter_grade", iter_grade)
    return {"public": public, "graded": graded}


def test_check_writes_junit_and_appends_a_step_summary(canned: dict, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    sub = tmp_path / "mine"
    sub.mkdir()
    junit = tmp_path / "out" / "check.xml"
    run = CliRunner().invoke(main, ["check", str(ROOT / "assignments" / "bp-manual"), str(sub), "--junit", str(junit)])
    assert run.exit_code == 1, run.output                  # a failed public check still fails the step
    assert set(cases(junit.read_text())) == {"fwd", "upd"}
    text = summary.read_text()
    assert text.startswith("earlier step\n")               # appended, not overwritten
    assert "### bp\\-manual: mine — 1 / 2" in text or "### bp-manual: mine — 1 / 2" in text
    assert "<img" not in text and "onerror=alert\\(1\\)&gt;" in text


def test_grade_writes_junit_suites_and_a_summary(canned: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    subs = [tmp_path / "ann", tmp_path / "bob"]
    for s in subs:
        s.mkdir()
    junit = tmp_path / "grade.xml"
    run = CliRunner().invoke(main, ["grade", str(ROOT / "assignments" / "bp-manual"), *map(str, subs),
                                    "--out", str(tmp_path / "out"), "--junit", str(junit)])
    assert run.exit_code == 0, run.output
    suites = ET.fromstring(junit.read_text()).findall("testsuite")
    assert [s.get("name") for s in suites] == ["mlp-scratch / ann", "mlp-scratch / bob"]
    assert [len(s.findall("testcase")) for s in suites] == [10, 3]
    assert "alice" not in summary.read_text() and "ann" in summary.read_text() and "bob" in summary.read_text()
    assert XSS_SCRIPT not in summary.read_text()


def test_no_summary_without_github_actions(canned: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    sub = tmp_path / "mine"
    sub.mkdir()
    run = CliRunner().invoke(main, ["check", str(ROOT / "assignments" / "bp-manual"), str(sub)])
    assert run.exit_code == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_export_junit_from_a_grade_folder(tmp_path: Path) -> None:
    import json

    for name in ("ann", "bob"):
        (tmp_path / "out" / name).mkdir(parents=True)
        (tmp_path / "out" / name / "result.json").write_text(json.dumps(full_result(name)))
    run = CliRunner().invoke(main, ["export", "junit", str(tmp_path / "out"), "--out", str(tmp_path / "j.xml")])
    assert run.exit_code == 0, run.output
    assert len(ET.fromstring((tmp_path / "j.xml").read_text()).findall("testsuite")) == 2
