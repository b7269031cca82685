"""The gradebook and class summary over a results folder: unchanged output, streamed in flat memory."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import api, report, summary
from grader.results import write_atomic_chunks
from grader.summary import write_gradebook

from .samples import HOSTILE, as_result, check, full_result, result


def late(days: int, before: float) -> dict[str, Any]:
    return {"submitted_at": "2026-12-02T09:30:00+01:00", "due": "2026-12-01T23:59:00+01:00", "source": "manifest",
            "days_late": days, "penalty": 0.1 * days, "score_before_penalty": before, "note": ""}


def cohort() -> list[dict[str, Any]]:
    """Results in path order, with what the summary must keep exactly: int, float and -0.0
    scores, a repeated check id, a check only later results have, late data, odd ids."""
    def student(name: str, fwd: str, fwd_score: Any, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return result(name, [check("fwd", fwd, fwd_score, 2, f"fwd {fwd}", title="Forward pass"),
                             check("grad", "passed", 3, 3, "ok", kind="gradient", visibility="hidden"),
                             *(extra or [])], assignment="bp")

    data = [
        student("=cmd()", "passed", 2),
        student(HOSTILE, "failed", 0, [check("fwd", "failed", -0.0, 2, "again")]),
        student("a,\"b\"", "partial", 1.0),
        student("ann", "error", 0, [check("essay", "pending", 0, 4, "awaiting", kind="manual")]),
        result("eve", [], status="error", message="bp.py is missing", assignment="bp"),
        student("zed", "timeout", 0),
    ]
    data[2]["late"] = late(2, 4.0)
    data[3]["late"] = late(0, 3)
    return data


def write_folder(folder: Path, results: list[dict[str, Any]]) -> None:
    for i, data in enumerate(results):
        path = folder / f"{i:03d}" / "result.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


GRADEBOOK = (  # what the grader wrote before the summary was streamed, with issue 16's percent and check maxima
    "submission,score,max_score,percent,status,days_late,late_penalty,score_before_penalty,submitted_at,"
    "fwd (2),grad (3),essay (4),flags\r\n"
    "\"<script>alert(1)</script>\"\"><img src=x onerror=alert(1)>\",3.0,7,42.86,graded,,,,,-0.0,3,,\r\n"
    "'=cmd(),5,5,100.0,graded,,,,,2,3,,\r\n"
    "\"a,\"\"b\"\"\",4.0,5,80.0,graded,2,0.2,4.0,2026-12-02T09:30:00+01:00,1.0,3,,\r\n"
    "ann,3,9,33.33,graded,0,0.0,3,2026-12-02T09:30:00+01:00,0,3,0,error\r\n"
    "eve,0,0,,error,,,,,,,,ungraded\r\n"
    "zed,3,5,60.0,graded,,,,,0,3,,timeout\r\n"
)


def test_gradebook_is_unchanged(tmp_path: Path) -> None:
    write_folder(tmp_path, cohort())
    api.write_summary(tmp_path, "bp")
    assert (tmp_path / "gradebook.csv").read_bytes() == GRADEBOOK.encode()


def test_write_summary_from_disk_equals_the_in_memory_renderers(tmp_path: Path) -> None:
    results = cohort() + [full_result("zz-full") | {"assignment": "bp"}]
    write_folder(tmp_path / "out", results + [result("other", [check("fwd", "passed", 2, 2, "ok")], assignment="x")])
    (tmp_path / "out" / "broken").mkdir()
    (tmp_path / "out" / "broken" / "result.json").write_bytes(b"{\xff not json")
    api.write_summary(tmp_path / "out", "bp")
    write_gradebook(map(as_result, results), tmp_path / "gradebook.csv")
    assert (tmp_path / "out" / "gradebook.csv").read_bytes() == (tmp_path / "gradebook.csv").read_bytes()
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8") == report.render_index(map(as_result, results), "bp")


def test_streamed_index_equals_one_render_of_the_template() -> None:
    collected = summary.collect(map(as_result, cohort()))
    chunks = list(report.index_chunks(collected, "bp", report.index_digest(collected, "bp")))
    assert len(chunks) > 50                     # the page comes in pieces, not as one string
    assert "".join(chunks) == report.render_index(map(as_result, cohort()), "bp")


def test_index_rows_are_built_as_the_page_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    real = report._index_row
    monkeypatch.setattr(report, "_index_row", lambda row, collected: built.append(1) or real(row, collected))
    seen: list[int] = []

    def watch(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            seen.append(len(built))
            yield chunk

    write_atomic_chunks(tmp_path / "index.html", watch(report.index_chunks(summary.collect(map(as_result, cohort())), "bp")))
    assert seen[0] == 0 and seen[-1] == len(cohort())     # no row view before the page starts; all by its end
    assert len(set(seen)) > len(cohort())                 # and one at a time in between


def test_rows_keep_only_what_the_summary_shows() -> None:
    collected = summary.collect([as_result(full_result("b")), as_result(full_result("a"))])
    assert [row.submission for row in collected.rows] == ["a", "b"]
    row = collected.rows[0]
    assert set(row._fields) == {"submission", "score", "max_score", "status", "message", "late", "flags", "cells",
                                "problem", "accuracies"}
    assert row.cells[0] == ("forward", "passed", 1) and row.flags == ("timeout", "error")
    assert collected.rows[1].cells[0] is row.cells[0]     # equal cells are one object, however many submissions


def test_an_interrupted_chunked_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "index.html"
    target.write_text("old")

    def failing() -> Iterator[str]:
        yield "new"
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        write_atomic_chunks(target, failing())
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["index.html"]


def _summary_peak(folder: Path) -> int:
    (folder / "index.html").unlink(missing_ok=True)   # drawn every time: a current page is not drawn again
    tracemalloc.start()
    try:
        api.write_summary(folder, "bp")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_summary_memory_stays_flat_as_the_batch_grows(tmp_path: Path) -> None:
    one = result("s", [check(f"check-{k}", "passed", 1, 1, "ok") for k in range(10)], assignment="bp")
    sizes = (50, 250)
    for n in sizes:
        write_folder(tmp_path / str(n), [one | {"submission": f"s{i:04d}"} for i in range(n)])
    api.write_summary(tmp_path / str(sizes[0]), "bp")          # imports and template compilation, not measured
    small, large = (_summary_peak(tmp_path / str(n)) for n in sizes)
    per_result = (large - small) / (sizes[1] - sizes[0])
    assert per_result < 1500, f"{per_result:.0f} bytes held per result"   # ~200 B; the parsed results were ~12 kB
