"""``similar.html``: the ranked pairs, the clusters, and a side-by-side view of each pair worth reading.

Jinja2 with autoescape on, no script (the page's policy forbids any), one file: the pair views
are sections of the same page (``#pair-N``), so no file name can collide with a submission's
folder. Each view shows both submissions' code with the matching regions highlighted in the same
colour and number on both sides, and the hidden checks they got wrong alike, with a few of the
values (this page is for instructors only, like ``instructor.json``: never publish it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from grader.results import write_atomic
from grader.similar.align import Region, regions
from grader.similar.rank import Analysis, Pair
from grader.similar.stored import Stored

MAX_VIEWS = 60              # pair views on the page: every flagged pair first, then the next highest, up to this
UNFLAGGED_VIEWS = 10
MAX_ROWS = 1000             # pairs in the table; --json lists them all
COLOURS = 8
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("grader.similar", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    region: int | None        # 1-based region number, or None


@dataclass(frozen=True)
class FileView:
    name: str
    lines: list[Line]


def _files(stored: Stored, spans: dict[str, dict[int, int]]) -> list[FileView]:
    views = []
    for name in sorted(stored.sources):
        marks = spans.get(name, {})
        text = stored.sources[name].replace("\r\n", "\n").split("\n")
        views.append(FileView(name, [Line(i, line, marks.get(i)) for i, line in enumerate(text, start=1)]))
    return views


def _marks(found: list[Region], side: str) -> dict[str, dict[int, int]]:
    """file -> line -> region number (the first region that covers the line)."""
    marks: dict[str, dict[int, int]] = {}
    for number, region in enumerate(found, start=1):
        for span in getattr(region, side):
            lines = marks.setdefault(span.file, {})
            for line in range(span.first, span.last + 1):
                lines.setdefault(line, number)
    return marks


def _values(stored: Stored, check: str) -> str:
    values = stored.wrong.get(check, [])
    if not values:
        return ""
    first = values[0]
    shown = ", ".join(f"{float(v):.6g}" for v in first.values[:4])
    return f"case {first.case + 1}: {shown}" + (" …" if first.n > 4 else "")


def pair_view(analysis: Analysis, pair: Pair, index: int) -> dict[str, Any]:
    """What the template shows of one pair."""
    by_id = {s.id: s for s in analysis.stored}
    a, b = by_id[pair.a], by_id[pair.b]
    found: list[Region] = []
    if pair.code and pair.a in analysis.coded and pair.b in analysis.coded:
        ca, cb = analysis.coded[pair.a], analysis.coded[pair.b]
        found = regions((ca.tokens, ca.prints), (cb.tokens, cb.prints), analysis.evidence_hashes, analysis.options.k)
    numbers = [{"shared": s, "a": _values(a, s.check), "b": _values(b, s.check)} for s in pair.numbers]
    return {"index": index, "pair": pair, "regions": found, "numbers": numbers,
            "a_files": _files(a, _marks(found, "a")), "b_files": _files(b, _marks(found, "b"))}


def render(analysis: Analysis) -> str:
    """The whole page."""
    flagged = [p for p in analysis.pairs if p.flagged]
    unflagged = [p for p in analysis.pairs if not p.flagged][:UNFLAGGED_VIEWS]
    viewed = (flagged + unflagged)[:MAX_VIEWS]
    numbered = {id(p): i for i, p in enumerate(analysis.pairs, start=1)}
    views = [pair_view(analysis, p, numbered[id(p)]) for p in viewed]
    return _ENV.get_template("similar.html.j2").render(
        analysis=analysis, flagged=len(flagged), views=views, viewed={numbered[id(p)] for p in viewed},
        rows=analysis.pairs[:MAX_ROWS], more=max(0, len(analysis.pairs) - MAX_ROWS),
        colours=COLOURS, csp=_CSP)


def write(analysis: Analysis, path: Path) -> None:
    """Write the page to ``path`` atomically."""
    write_atomic(path, render(analysis))


@dataclass(frozen=True)
class Link:
    """What the class summary says of ``similar.html``: how many pairs are flagged, in how many clusters."""

    flagged: int
    clusters: int
    href: str = "similar.html"


def write_for_batch(out: Path, assignment: str, starter: Path) -> Link | None:
    """``out/similar.html`` over every result in ``out`` (after ``grade``), or None (and no page) when
    fewer than two results hold a copy of their source."""
    from grader.similar.rank import analyse

    analysis = analyse(out, assignment, starter)
    if sum(1 for s in analysis.stored if s.sources) < 2:
        return None
    write(analysis, out / "similar.html")
    return Link(sum(p.flagged for p in analysis.pairs), len(analysis.clusters))


def for_batch(out: Path, assignment: str, starter: Path, warn: Callable[[str], None]) -> Link | None:
    """:func:`write_for_batch` for ``grade``: a failure is a warning, never the batch's gradebook lost."""
    try:
        return write_for_batch(out, assignment, starter)
    except Exception as exc:  # noqa: BLE001 - the similarity page must never cost the batch its gradebook
        warn(f"similar.html was not written ({type(exc).__name__}: {exc}); run grader similar to see why")
        return None
