"""JUnit XML for CI: one ``<testsuite>`` per submission, one ``<testcase>`` per check.

A failed or partly right check is a ``<failure>``, an error, timeout or memory
kill an ``<error>``, a skipped check ``<skipped/>``, and so is a manual check still
awaiting the instructor (``pending``); each carries the check's message.
Points go into ``<properties>`` (``score``, ``max_score``). The text is
stripped of characters XML 1.0 cannot hold, and ElementTree escapes the rest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.exports import check_name, plain, score_text
from grader.results import Result, write_atomic

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FAILURE = ("failed", "partial")
ERROR = ("error", "timeout", "memory")


def _x(text: Any, limit: int | None = 4000) -> str:
    return _NOT_XML.sub("", plain(text, limit))


def _case(suite: ET.Element, classname: str, name: str, status: str, message: str, body: str,
          props: dict[str, str]) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": _x(classname, 300), "name": _x(name, 300), "time": "0"})
    if props:
        properties = ET.SubElement(case, "properties")
        for key, value in props.items():
            ET.SubElement(properties, "property", {"name": key, "value": _x(value, 300)})
    if status in FAILURE:
        element = ET.SubElement(case, "failure", {"message": _x(message, 1000), "type": status})
        element.text = _x(body)
    elif status in ERROR or status not in ("passed", "skipped", "pending"):
        element = ET.SubElement(case, "error", {"message": _x(message, 1000), "type": status})
        element.text = _x(body)
    elif status in ("skipped", "pending"):   # pending: a manual check the instructor has yet to grade
        ET.SubElement(case, "skipped", {"message": _x(message, 1000)})


def suite_for(result: Result) -> ET.Element:
    """The ``<testsuite>`` of one result."""
    suite = ET.Element("testsuite", {"name": _x(f"{result.assignment} / {result.submission}", 300)})
    classname = f"grader.{result.assignment}"
    if result.status == "error":
        _case(suite, classname, "grading", "error", result.message, result.message, {})
    for check in result.checks:
        body = check.message
        traceback = check.details.get("traceback")
        if check.visibility == "public" and isinstance(traceback, str):
            body = f"{check.message}\n\n{traceback}"
        _case(suite, classname, f"{check.id}: {check_name(check)}" + (" [hidden]" if check.visibility != "public" else ""),
              check.status, check.message, body,
              {"score": score_text(float(check.score)), "max_score": score_text(float(check.max_score)),
               "visibility": check.visibility, "kind": check.kind})
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("time", f"{float(result.timing.get('wall_s') or 0):.3f}")
    return suite


def to_junit(results: Iterable[Result]) -> str:
    """A JUnit XML document with one test suite per result."""
    root = ET.Element("testsuites", {"name": "grader"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in results:
        suite = suite_for(result)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(results: Iterable[Result], path: Path) -> Path:
    write_atomic(Path(path), to_junit(results))
    return path
