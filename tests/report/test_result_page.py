"""The per-submission report, parsed as HTML: structure, escaping, hidden checks, charts, output."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from grader import report
from grader.report import plots

from .html_tree import Node, parse
from .samples import (
    HIDDEN_EXPECTED,
    HIDDEN_INPUT,
    HOSTILE,
    XSS_IMG,
    XSS_SCRIPT,
    as_result,
    check,
    full_result,
    hostile_result,
    result,
)


@pytest.fixture(scope="module")
def full_html() -> str:
    return report.render_result(as_result(full_result()))


@pytest.fixture(scope="module")
def full_page(full_html: str) -> Node:
    return parse(full_html)


def without_charts(data: dict) -> dict:
    data["checks"] = [c for c in data["checks"] if "curves" not in c["details"] and "bars" not in c["details"]]
    return data


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return report.render_result(as_result(hostile_result()))


def section(page: Node, check_id: str) -> Node:
    return page.find("section", data_check=check_id)


def visible_text(page: Node) -> str:
    """Text a reader can see or a tool can read: text nodes and non-geometry attributes."""
    parts = [page.text()]
    for node in page.iter():
        for name, value in node.attrs.items():
            if value and name not in ("d", "transform", "x", "y", "x1", "x2", "y1", "y2", "width", "height",
                                      "viewbox", "points", "style", "clip-path", "id", "xlink:href", "href"):
                parts.append(value)
    return "\n".join(parts)


def test_every_check_appears_with_status_points_message_and_what_it_proves(full_page: Node) -> None:
    data = full_result()
    sections = full_page.find_all("section", class_="check")
    assert [s.attrs["data-check"] for s in sections] == [c["id"] for c in data["checks"]]
    for c, s in zip(data["checks"], sections):
        assert s.attrs["data-status"] == c["status"]
        assert s.find("h3").text() == c["title"]
        assert s.find("p", class_="message").text() == c["message"]
        assert c["description"] in s.find("p", class_="proves").text()
        assert f"{c['score']:g} / {c['max_score']:g}" in s.find("span", class_="points").text()
        assert report.STATUS_LABELS[c["status"]] in s.find("span", class_="pill").text()
    # The overview links to each section.
    links = [a.attrs["href"] for a in full_page.find("table", id="overview").find_all("a")]
    assert links == ["#" + s.attrs["id"] for s in sections]
    total = full_page.find("div", id="total").text()
    assert f"{data['score']:g}" in total and f"/ {data['max_score']:g}" in total


def test_failed_comparison_shows_expected_got_errors_and_worst_index(full_page: Node) -> None:
    update = section(full_page, "update")
    table = update.find("table", class_="cmp")
    row = [td.text() for td in table.find("tbody").find_all("td")]
    assert row == ["-0.583866", "-0.416134"]
    assert table.find("tbody").find("th").text() == "value at [5]"
    stats = dict(zip((d.text() for d in update.find_all("dt")), (d.text() for d in update.find_all("dd"))))
    assert stats["max abs error"] == "0.168" and stats["max rel error"] == "1.06"
    assert stats["worst index"] == "[5]" and stats["values wrong"] == "8 of 8"
    assert "1e-06" in stats["allowed"]
    shape = section(full_page, "shape").find("table", class_="cmp").find("tbody")
    assert [c.text() for c in shape.find("tr").children if not isinstance(c, str)] == ["shape", "(2,)", "(2, 1)"]


def test_gradient_check_names_the_wrong_weights_worst_first(full_page: Node) -> None:
    items = section(full_page, "gradients").find("ul", class_="wrong").find_all("li")
    assert [li.children[0].strip() for li in items] == ["w2", "w1"]
    assert [li.find("span").text() for li in items] == ["3.02", "3.01"]


def test_property_checks_list_each_property(full_page: Node) -> None:
    items = section(full_page, "dropout").find("ul", class_="checklist").find_all("li")
    assert [li.attrs["class"] for li in items] == ["ok", "bad"]
    assert [li.find("span").text() for li in items] == ["✓", "✗"]
    assert items[1].text().endswith("but got 0.70046")


def test_relative_errors_against_zero_are_capped() -> None:
    assert report.fmt_error(1.12e307) == "> 1e12" and report.fmt_error(3.0214) == "3.02"


def test_error_check_shows_its_traceback(full_page: Node) -> None:
    crash = section(full_page, "crash")
    assert "ValueError: bad shape" in crash.find("pre").text()
    assert "open" in crash.find("details").attrs


def test_training_and_experiment_checks_have_inline_svg_charts(full_page: Node) -> None:
    train = section(full_page, "train").find_all("svg")
    assert len(train) == 1
    labels = {t.text() for t in train[0].find_all("text")}
    assert {"loss", "accuracy", "student", "reference", "epoch"} <= labels
    bars = section(full_page, "activations").find("svg")
    assert {"sigmoid", "relu", "0.71", "0.88", "accuracy"} <= {t.text() for t in bars.find_all("text")}
    # A text alternative for each chart.
    caption = section(full_page, "train").find("figcaption").text()
    assert "student 0.81 after 5" in caption and "reference 0.86 after 5" in caption
    for page_svg in full_page.find_all("svg"):
        assert not page_svg.find_all("image") and not page_svg.find_all("foreignobject")


def test_output_is_shown_truncated_and_without_terminal_escapes() -> None:
    noisy = "\x1b[31mred\x1b[0m line\n" + "x" * 50_000 + "\nTHE END"
    page = parse(report.render_result(as_result(result("bob", [check("a", "passed", 1, 1, "ok")], stdout=noisy, stderr="warn"))))
    stdout = page.find("pre", id="stdout").text()
    assert stdout.startswith("red line\n") and stdout.endswith("THE END")
    assert "characters not shown" in stdout and len(stdout) < report.MAX_OUTPUT_CHARS + 200
    assert page.find("pre", id="stderr").text() == "warn"
    hidden_output = parse(report.render_result(as_result(result("bob", [], stdout="secret")), show_output=False))
    assert not hidden_output.find_all("pre", id="stdout")


def test_hostile_strings_from_a_submission_stay_text(hostile_html: str) -> None:
    page = parse(hostile_html)
    # No element, script or handler came from the submission: the only elements are the template's own.
    assert not page.find_all("script") and not page.find_all("img") and not page.find_all("iframe")
    for node in page.iter():
        assert not any(name.startswith("on") for name in node.attrs), (node.tag, node.attrs)
        for name in ("href", "src", "xlink:href", "action"):
            value = node.attrs.get(name) or ""
            assert not value.lower().startswith(("javascript:", "data:text", "http")), (node.tag, value)
    text = page.text()
    # ... and the strings are all there, as text: id, title, message, table cell, stdout, stderr, traceback.
    assert page.find("h1").text() == HOSTILE
    assert HOSTILE in page.find("title").text()
    public = section(page, "public-xss")
    assert public.find("h3").text() == f"Public {XSS_SCRIPT}"
    assert public.find("p", class_="message").text() == f"forward returned {HOSTILE}"
    assert public.find("table", class_="cmp").find_all("td")[-1].text() == HOSTILE
    assert f"ValueError: {HOSTILE}" in public.find("pre").text()
    assert any(t.text().startswith(HOSTILE[:40]) for t in public.find("svg").find_all("text"))  # a chart label
    assert page.find("pre", id="stdout").text().startswith(f"{XSS_SCRIPT}\n{XSS_IMG}\nred")
    assert page.find("pre", id="stderr").text().strip() == XSS_IMG
    assert text.count(XSS_SCRIPT) >= 5


def test_hostile_strings_are_escaped_in_the_markup(hostile_html: str) -> None:
    # The same fact, from the raw text: the only "<script" in the file is in the CSP-free escaped form.
    assert "<script" not in hostile_html.lower()
    assert "<img" not in hostile_html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html
    assert "onerror=alert(1)&gt;" in hostile_html


def test_hidden_checks_show_the_message_but_no_inputs_or_expected_values(hostile_html: str) -> None:
    page = parse(hostile_html)
    hidden = section(page, "hidden-leak")
    assert hidden.find("p", class_="message").text() == f"forward: 1 of 4 values are wrong {XSS_IMG}"
    assert not hidden.find_all("table") and not hidden.find_all("pre")
    stats = {d.text() for d in hidden.find_all("dt")}
    assert stats == {"values wrong", "error"}   # error sizes are computed from expected values: a band instead
    assert "off by 10% to 100%" in visible_text(hidden) and "0.6" not in visible_text(hidden)
    seen = visible_text(page)
    for leak in (f"{HIDDEN_EXPECTED:.3g}", f"{HIDDEN_EXPECTED:.6g}", f"{HIDDEN_INPUT:.4g}"):
        assert leak not in seen, leak
    in_section = visible_text(hidden)
    assert "reference" not in in_section.replace("like the reference", "") and "[2]" not in in_section
    # No chart either: even the student's own curve was computed on hidden inputs, and could carry them.
    assert not hidden.find_all("svg")


def test_the_hidden_leak_test_would_catch_a_leak() -> None:
    """The same check made public shows exactly what the hidden one must not (so the test above can fail)."""
    data = hostile_result()
    data["checks"][1]["visibility"] = "public"
    page = parse(report.render_result(as_result(data)))
    seen = visible_text(page)
    assert f"{HIDDEN_EXPECTED:.6g}" in seen and f"{HIDDEN_EXPECTED:.3g}" in seen
    in_section = visible_text(section(page, "hidden-leak"))
    assert "reference" in in_section.replace("like the reference", "") and "[2]" in in_section


def test_show_hidden_false_leaves_hidden_checks_and_their_points_out() -> None:
    data = without_charts(full_result())
    page = parse(report.render_result(as_result(data), show_hidden=False))
    ids = [s.attrs["data-check"] for s in page.find_all("section", class_="check")]
    assert "forward-hidden" not in ids and len(ids) == len(data["checks"]) - 1
    public_max = sum(c["max_score"] for c in data["checks"] if c["visibility"] == "public")
    assert f"/ {public_max:g}" in page.find("div", id="total").text()


def test_ungraded_submission_says_why() -> None:
    page = parse(report.render_result(as_result(result("carol", [], status="error", message=f"bp.py is missing {XSS_SCRIPT}"))))
    alert = page.find("div", class_="alert")
    assert alert.find("strong").text() == "This submission could not be graded."
    assert alert.text().endswith(f"bp.py is missing {XSS_SCRIPT}")
    assert page.find("span", class_="flag").text() == "not graded"


def test_a_chart_that_cannot_be_drawn_is_said_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(plots, "_render", broken)
    page = parse(report.render_result(as_result(full_result())))
    assert not page.find_all("svg")
    assert "could not be drawn" in section(page, "train").text()


def test_pages_carry_a_strict_content_security_policy(full_page: Node) -> None:
    csp = full_page.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp
    assert not [n for n in full_page.iter() if n.tag in ("link",) and not (n.attrs.get("href") or "").startswith("data:")]


def test_report_is_deterministic(full_html: str) -> None:
    """Same result, same bytes (charts included): reports can be diffed and cached."""
    assert report.render_result(as_result(full_result())) == full_html


def test_index_script_is_allowed_by_its_hash_and_nothing_else() -> None:
    page = parse(report.render_index([as_result(full_result("a")), as_result(full_result("b"))], "mlp"))
    scripts = page.find_all("script")
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].text().encode()).digest()).decode()
    csp = page.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert re.search(r"script-src 'sha256-([^']+)'", csp).group(1) == digest


def test_notes_on_reading_the_submission_are_shown_as_text() -> None:
    data = result(checks=[check("a", "passed", 1, 1, "ok")])
    data["notes"] = ["work.py is not UTF-8; it was read as GBK (GB18030).", XSS_SCRIPT]
    page = parse(report.render_result(as_result(data)))
    assert page.find("p", id="note-1").text() == "work.py is not UTF-8; it was read as GBK (GB18030)."
    assert page.find("p", id="note-2").text() == XSS_SCRIPT
    assert not page.find_all("script")
