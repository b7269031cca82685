"""Chart helpers: the data shapes they accept, and the SVG check that stands between a chart
and the page."""

from __future__ import annotations

import math

import pytest

from grader.report import plots

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">{}</svg>'


def test_a_drawing_passes_the_check_and_loses_its_xml_prolog() -> None:
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
           + SVG.format('<metadata><x/></metadata><defs><clipPath id="c"><rect width="1" height="1"/></clipPath></defs>'
                        '<g clip-path="url(#c)"><path d="M 0 0 L 1 1"/><use xlink:href="#c"/>'
                        '<text x="1" y="1">&lt;script&gt;</text></g>'))
    svg = plots.inline_svg(doc)
    assert svg.startswith('<svg class="chart"') and "<?xml" not in svg and "DOCTYPE" not in svg and "metadata" not in svg
    assert "&lt;script&gt;" in svg


@pytest.mark.parametrize("inner", [
    "<script>alert(1)</script>",
    '<rect onload="alert(1)"/>',
    '<g><rect width="1" onmouseover="x()"/></g>',
    "<foreignObject><div>hi</div></foreignObject>",
    '<use xlink:href="http://evil.example/x.svg#a"/>',
    '<a href="javascript:alert(1)"><rect/></a>',
    '<rect style="fill: url(http://evil.example/p)"/>',
    '<rect fill="url(https://evil.example/p)"/>',
    "<style>@import url(http://evil.example/x.css);</style>",
    '<image href="data:image/png;base64,AAAA"/>',
    '<animate attributeName="href" values="javascript:alert(1)"/>',
])
def test_active_or_external_content_is_refused(inner: str) -> None:
    with pytest.raises(plots.UnsafeSVG):
        plots.inline_svg(SVG.format(inner))


def test_malformed_svg_is_refused() -> None:
    with pytest.raises(plots.UnsafeSVG):
        plots.inline_svg("<svg><g></svg>")
    with pytest.raises(plots.UnsafeSVG):
        plots.inline_svg("no svg here")


def test_curve_shapes() -> None:
    flat = plots.curve_groups({"student": [1, 2, None, float("nan"), 3], "reference": [1, 1, 1]})
    assert [m for m, _ in flat] == [""]
    student = flat[0][1]["student"]
    assert student[:2] == [1.0, 2.0] and math.isnan(student[2]) and math.isnan(student[3]) and student[4] == 3.0
    nested = plots.curve_groups({"loss": {"student": [1, 0.5], "reference": [0.9, 0.4]}, "accuracy": {"student": [0.1]}})
    assert [m for m, _ in nested] == ["loss", "accuracy"]
    assert plots.curve_groups({"loss": {"student": [1], "reference": [2]}}, student_only=True) == [("loss", {"student": [1.0]})]
    assert plots.curve_groups({"reference": [1, 2]}, student_only=True) == []
    long = plots.curve_groups({"student": list(range(10_000))})[0][1]["student"]
    assert len(long) <= plots.MAX_POINTS and long[0] == 0
    for junk in (None, [], "abc", {"student": "abc"}, {"student": [None, None]}, {"student": [True, "x"]}):
        assert plots.curve_groups(junk) == []


def test_bar_shapes() -> None:
    assert plots.bar_groups({"sigmoid": 0.7, "relu": 0.9}) == {"student": {"sigmoid": 0.7, "relu": 0.9}}
    grouped = {"student": {"a": 1, "b": float("inf")}, "reference": {"a": 2}}
    assert plots.bar_groups(grouped) == {"student": {"a": 1.0}, "reference": {"a": 2.0}}
    assert plots.bar_groups(grouped, student_only=True) == {"student": {"a": 1.0}}
    assert plots.bar_groups({"x" * 500: 1.0}) == {"student": {"x" * (plots.MAX_LABEL - 1) + "…": 1.0}}
    assert plots.bar_groups("nope") == {} and plots.bar_groups({"a": "b"}) == {}


def test_labels_lose_control_characters() -> None:
    assert plots.clean_label("a\x00b\x1b[31mc\n") == "ab[31mc"
