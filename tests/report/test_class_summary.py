"""The class summary (index.html) and the gradebook, from hand-built results."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import unquote

import pytest

from grader import api, report
from grader.summary import write_gradebook

from .html_tree import Node, parse
from .samples import HOSTILE, XSS_SCRIPT, as_result, check, result


def cohort() -> list[dict]:
    """Five students over three checks; 'fwd' is failed by most, 'src' by none."""
    def student(name: str, fwd: str, grad: str, message: str = "", signal: str | None = None) -> dict:
        return result(name, [
            check("fwd", fwd, 2 if fwd == "passed" else 0, 2, message or f"fwd {fwd}", title="Forward pass", signal=signal),
            check("grad", grad, 3 if grad == "passed" else 0, 3, f"grad {grad}", kind="gradient", visibility="hidden"),
            check("src", "passed", 1, 1, "no autograd", kind="source"),
        ], assignment="bp")

    return [
        student("ann", "passed", "passed"),
        student("ben", "failed", "passed"),
        student("cat", "timeout", "memory"),
        student("dan", "error", "error", message="crashed with a segmentation fault", signal="SIGSEGV"),
        student(HOSTILE, "failed", "error"),
        result("eve", [], status="error", message="bp.py is missing", assignment="bp"),
    ]


@pytest.fixture(scope="module")
def page() -> Node:
    return parse(report.render_index(map(as_result, cohort()), "bp"))


def test_flags_name_timeouts_memory_kills_crashes_and_errors() -> None:
    flags = {r["submission"]: as_result(r).flags for r in cohort()}
    assert flags == {"ann": [], "ben": [], "cat": ["timeout", "memory"], "dan": ["crash", "error"],
                     HOSTILE: ["error"], "eve": ["ungraded"]}


def test_every_submission_has_a_row_linking_to_its_report(page: Node, tmp_path: Path) -> None:
    rows = page.find("table", id="submissions").find("tbody").find_all("tr")
    assert sorted(r.attrs["data-submission"] for r in rows) == sorted(r["submission"] for r in cohort())
    for row in rows:
        link = row.find("a")
        assert link.text() == row.attrs["data-submission"]
        href = link.attrs["href"]
        assert href.startswith("./") and href.endswith("/report.html") and href.count("/") == 2
        assert unquote(href[2:-len("/report.html")]) == row.attrs["data-submission"]  # one encoded path segment
    hostile = page.find("tr", data_submission=HOSTILE)
    assert "<" not in hostile.find("a").attrs["href"] and '"' not in hostile.find("a").attrs["href"]
    cat = page.find("tr", data_submission="cat")
    assert [f.text() for f in cat.find_all("span", class_="flag")] == ["timeout", "memory kill"]
    assert [f.text() for f in page.find("tr", data_submission="dan").find_all("span", class_="flag")] == ["crashed", "error"]
    assert "bp.py is missing" in page.find("tr", data_submission="eve").text()
    # One status square per check, in assignment order.
    cells = page.find("tr", data_submission="ben").find_all("span", class_="cell")
    assert [c.attrs["class"].split()[1] for c in cells] == ["st-failed", "st-passed", "st-passed"]
    assert cells[0].attrs["title"].startswith("Forward pass: failed")


def test_sortable_columns_carry_sort_keys(page: Node) -> None:
    heads = page.find("table", id="submissions").find("thead").find_all("th")
    assert [h.attrs.get("data-type") for h in heads] == ["text", "number", "number", "text", "text", None]
    ben = page.find("tr", data_submission="ben").find_all("td")
    assert ben[1].attrs["data-sort"] == "4" and ben[2].attrs["data-sort"] == "66.6667"


def test_checks_table_lists_the_hardest_first(page: Node) -> None:
    rows = page.find("table", id="checks").find("tbody").find_all("tr")
    assert [r.attrs["data-check"] for r in rows] == ["fwd", "grad", "src"]
    cells = [td.text().strip() for td in rows[0].find_all("td")]
    assert cells[3] == "1 / 5"          # passed
    assert cells[5:9] == ["2", "1", "1", ""]   # failed, errors, timeouts, memory
    assert "hidden" in rows[1].text()


def test_histogram_and_key_figures(page: Node) -> None:
    svg = page.find("figure", id="histogram").find("svg")
    labels = [t.text() for t in svg.find_all("text")]
    assert "score" in labels and "submissions" in labels
    # Scores 6, 4, 1, 1, 1, 0 out of 6 in one-point bands; full marks count in the last band.
    caption = page.find("figure", id="histogram").find("figcaption").text()
    assert caption == "score histogram: 0–1: 1, 1–2: 3, 2–3: 0, 3–4: 0, 4–5: 1, 5–6: 1"
    kpis = [d.text() for d in page.find_all("div", class_="v")]
    assert kpis == ["2.17", "1", "1"]  # mean, median, full marks


def test_hostile_ids_stay_text_in_the_summary(page: Node) -> None:
    scripts = page.find_all("script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text()
    assert not page.find_all("img")
    for node in page.iter():
        assert not any(name.startswith("on") for name in node.attrs)
    assert page.find("tr", data_submission=HOSTILE).find("a").text() == HOSTILE


def test_gradebook_has_one_row_per_submission_and_quotes_formula_ids(tmp_path: Path) -> None:
    data = cohort() + [result("=HYPERLINK(\"http://x\")", [check("fwd", "passed", 2, 2, "ok")], assignment="bp")]
    write_gradebook(map(as_result, data), tmp_path / "gradebook.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "gradebook.csv").read_text())))
    # each check's maximum in its header, and the percentage beside max_score (issue 16)
    assert rows[0] == ["submission", "score", "max_score", "percent", "status", "fwd (2)", "grad (3)", "src (1)", "flags"]
    by_id = {r[0]: r for r in rows[1:]}
    assert len(by_id) == len(data)
    assert by_id["ann"][1:] == ["6", "6", "100.0", "graded", "2", "3", "1", ""]
    assert by_id["cat"][-1] == "timeout memory" and by_id["dan"][-1] == "crash error" and by_id["eve"][-1] == "ungraded"
    assert by_id["eve"][5:8] == ["", "", ""]
    assert "'=HYPERLINK(\"http://x\")" in by_id


def test_api_writes_report_gradebook_and_index(tmp_path: Path) -> None:
    for data in cohort():
        data["submission"] = api.submission_ids([Path(data["submission"].replace("/", "_"))])[0][0]
        api.write_submission(as_result(data), tmp_path)
    api.write_summary(tmp_path, "bp")
    index = parse((tmp_path / "index.html").read_text())
    for row in index.find("table", id="submissions").find("tbody").find_all("tr"):
        target = tmp_path / unquote(row.find("a").attrs["href"])
        assert target.is_file(), target        # every link resolves to a report on disk
        assert parse(target.read_text()).find("h1").text() == row.attrs["data-submission"]
    assert len((tmp_path / "gradebook.csv").read_text().splitlines()) == len(cohort()) + 1
    assert XSS_SCRIPT not in (tmp_path / "index.html").read_text()


def test_the_summary_page_is_redrawn_only_when_what_it_shows_changed(tmp_path: Path, monkeypatch) -> None:
    for data in cohort()[:4]:
        api.write_submission(as_result(data), tmp_path)
    api.write_summary(tmp_path, "bp")
    first = (tmp_path / "index.html").read_bytes()
    drawn: list[int] = []
    real = report.plots.histogram
    monkeypatch.setattr(report.plots, "histogram", lambda *a, **k: drawn.append(1) or real(*a, **k))
    api.write_summary(tmp_path, "bp")                      # nothing changed: the page stays, no plot is drawn
    assert drawn == [] and (tmp_path / "index.html").read_bytes() == first
    changed = cohort()[1]
    changed["score"] = 6
    api.write_submission(as_result(changed), tmp_path)     # one score changed: drawn again
    api.write_summary(tmp_path, "bp")
    assert drawn == [1] and (tmp_path / "index.html").read_bytes() != first
    (tmp_path / "index.html").write_text("edited by hand")  # a page without the digest is drawn again
    api.write_summary(tmp_path, "bp")
    assert drawn == [1, 1] and "grader-summary" in (tmp_path / "index.html").read_text()
