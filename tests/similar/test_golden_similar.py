"""The example batch's ranking, pinned (``tests/similar/ranking.yaml``): a disguised copy ring and a
shared rare bug are flagged, in that order; independent solutions, starter-only work and a classic
mistake that a quarter of the class shares are not. Also the ``--json`` contract and cleared pairs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader import api, similar
from grader.cli import main
from grader.similar import page

from .conftest import ASSIGNMENT

PINS = yaml.safe_load((Path(__file__).parent / "ranking.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def analysis(similar_results: Path) -> similar.Analysis:
    return similar.analyse(similar_results, "similar-bp", ASSIGNMENT / "starter")


def _find(analysis: similar.Analysis, a: str, b: str) -> similar.Pair | None:
    return next((p for p in analysis.pairs if {p.a, p.b} == {a, b}), None)


def test_flagged_pairs_in_rank_order(analysis: similar.Analysis) -> None:
    flagged = [p for p in analysis.pairs if p.flagged]
    assert [sorted((p.a, p.b)) for p in flagged] == [pin["pair"] for pin in PINS["flagged"]]
    for pair, pin in zip(flagged, PINS["flagged"]):
        assert round(pair.score, 2) == pin["score"], pin["pair"]
        kinds = {e["kind"] for e in pair.evidence() if e["kind"] != "code" or similar.rank.code_score(
            pair.code, analysis.options.code_floor) > 0}
        assert kinds == set(pin["evidence"]), pin["pair"]
        if "numbers" in pin:
            assert [s.check for s in pair.numbers] == pin["numbers"]


def test_clusters(analysis: similar.Analysis) -> None:
    assert analysis.clusters == PINS["clusters"]


@pytest.mark.parametrize("pin", PINS["not_flagged"], ids=lambda pin: "-".join(pin["pair"]))
def test_not_flagged(analysis: similar.Analysis, pin: dict[str, Any]) -> None:
    pair = _find(analysis, *pin["pair"])
    assert pair is None or (not pair.flagged and pair.score <= pin["at_most"]), pair


def test_rarity_orders_the_same_kind_of_evidence(analysis: similar.Analysis) -> None:
    """Two checks wrong alike in 2 of 12 outweigh two checks wrong alike in 3 of 12."""
    rare, common = _find(analysis, "chen-jing", "wang-fang"), _find(analysis, "huang-lei", "ma-jun")
    assert rare is not None and common is not None
    assert [s.members for s in rare.numbers] == [2, 2] and [s.members for s in common.numbers] == [3, 3]
    assert similar.numbers.bits(rare.numbers) > similar.numbers.bits(common.numbers)


def test_json_contract_and_cleared_pairs(similar_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["similar", str(ASSIGNMENT), str(similar_results), "--json", "--html", str(tmp_path / "s.html")])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    pairs = data["pairs"]
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    for pair in pairs:
        assert set(pair) == {"a", "b", "score", "flagged", "evidence"} and 0 <= pair["score"] <= 1
        assert all(e["kind"] in ("code", "numbers") for e in pair["evidence"])
    assert {(p["a"], p["b"]) for p in pairs if p["flagged"]} == {tuple(pin["pair"]) for pin in PINS["flagged"]}
    assert data["clusters"] == [{"members": c} for c in PINS["clusters"]]
    assert (tmp_path / "s.html").is_file()

    cleared = tmp_path / "cleared.csv"
    cleared.write_text("a,b\n# talked to both, they studied together\nwang-fang, chen-jing\n", encoding="utf-8")
    assert main(["similar", str(ASSIGNMENT), str(similar_results), "--json", "--cleared", str(cleared),
                 "--html", str(tmp_path / "s.html")]) == 0
    again = json.loads(capsys.readouterr().out)
    assert not any({p["a"], p["b"]} == {"chen-jing", "wang-fang"} for p in again["pairs"])
    assert again["cleared"] == 1 and len(again["pairs"]) == len(pairs) - 1


def test_threshold_option(similar_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["similar", str(ASSIGNMENT), str(similar_results), "--json", "--threshold", "0.65",
                 "--html", str(tmp_path / "s.html")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(p["a"], p["b"]) for p in data["pairs"] if p["flagged"]] == [("li-wei", "zhang-hao")]


def test_class_summary_links_the_page(similar_results: Path, tmp_path: Path) -> None:
    """What ``grade`` does at the end of a batch: similar.html first, then the summary that links it."""
    out = tmp_path / "results"
    shutil.copytree(similar_results, out)
    link = page.write_for_batch(out, "similar-bp", ASSIGNMENT / "starter")
    assert link == page.Link(flagged=len(PINS["flagged"]), clusters=len(PINS["clusters"]))
    api.write_summary(out, "similar-bp", link)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="similar.html"' in index and f"{link.flagged} pairs flagged" in index
    assert (out / "similar.html").is_file()
    api.write_summary(out, "similar-bp", None)    # no page: no link
    assert "similar.html" not in (out / "index.html").read_text(encoding="utf-8")


def test_wrong_values_stay_in_instructor_files(similar_results: Path, tmp_path: Path) -> None:
    """The hidden values ``similar`` compares are in instructor.json only: not in result.json, the student's
    report, or the Gradescope and JUnit exports."""
    from grader.exports.gradescope import write_gradescope
    from grader.exports.junit import write_junit
    from grader.redaction import InstructorRecord
    from grader.report import render_result
    from grader.results import load_result

    folder = similar_results / "chen-jing"
    record = InstructorRecord.model_validate_json((folder / "instructor.json").read_bytes())
    wrong = {c.id: c.wrong_values for c in record.checks if c.wrong_values}
    assert set(wrong) == {"gradients-hidden", "train-hidden"} and record.sources["bp.py"].startswith('"""bp-manual')
    digits = {f"{float(v):.6f}"[:8] for values in wrong.values() for case in values for v in case.values if abs(float(v)) > 1e-3}
    result = load_result(folder / "result.json")
    write_gradescope(result, tmp_path / "gs.json")
    write_junit([result], tmp_path / "junit.xml")
    for text in ((folder / "result.json").read_text(encoding="utf-8"), render_result(result),
                 (tmp_path / "gs.json").read_text(encoding="utf-8"), (tmp_path / "junit.xml").read_text(encoding="utf-8")):
        assert "wrong_values" not in text and "def backward" not in text
        assert not [d for d in digits if d in text]
