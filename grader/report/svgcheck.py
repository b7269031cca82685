"""The check between a drawn chart and the page: only drawing elements, nothing active, nothing external.

Matplotlib writes the charts' SVG; each is parsed and checked against an allow-list (element
names, no event handlers, no references outside the chart) before it is inlined, so a label
taken from a submission can never become active markup.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["UnsafeSVG", "inline_svg"]

_SVG_NS = "http://www.w3.org/2000/svg"
_ALLOWED_TAGS = {"svg", "defs", "style", "g", "path", "use", "text", "tspan", "clipPath", "rect", "line",
                 "polyline", "polygon", "circle", "ellipse", "title", "desc"}


class UnsafeSVG(ValueError):
    """An SVG that would put active content or an external reference into a page."""


def inline_svg(document: str) -> str:
    """The ``<svg>`` element of a standalone SVG document, fit for inlining into HTML.

    Raises :class:`UnsafeSVG` when it holds anything but drawing elements:
    scripts, event handlers, foreign objects, links or references outside itself.
    """
    document = re.sub(r"<metadata>.*?</metadata>\s*", "", document, flags=re.S)
    start = document.find("<svg")
    if start < 0:
        raise UnsafeSVG("no <svg> element")
    svg = document[start:].strip()
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise UnsafeSVG(f"not well-formed: {exc}") from None
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace.strip("{") != _SVG_NS or tag not in _ALLOWED_TAGS:
            raise UnsafeSVG(f"element {tag!r} is not allowed")
        for name, value in element.attrib.items():
            local = name.rpartition("}")[2].lower()
            if local.startswith("on"):
                raise UnsafeSVG(f"event handler {local!r}")
            if local == "href" and not value.startswith("#"):
                raise UnsafeSVG("reference outside the chart")
            lowered = value.lower()
            if "javascript:" in lowered or ("url(" in lowered and not re.fullmatch(r"[^()]*(url\(#[\w.-]+\)[^()]*)+", lowered)):
                raise UnsafeSVG(f"attribute {local!r} refers outside the chart")
        if tag == "style" and ("@import" in (element.text or "") or "url(" in (element.text or "")):
            raise UnsafeSVG("style sheet with external references")
    # Natural size, shrunk to the page when narrower (CSS: max-width 100%, height auto).
    return svg.replace("<svg", '<svg class="chart" role="img" focusable="false"', 1)
