"""Attacks on the batch (issue 15, items 3-6), graded in one batch between two honest controls.

Before their fixes each of these ended the whole batch with a traceback (or silently
overwrote another student's result); now each is its own result and the controls keep
full marks.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from adversarial.attacks import HONEST, REFERENCE
from adversarial.batch_attacks import BATCH_ATTACKS, BATCH_SPEC
from adversarial.test_attacks import _open_tree
from grader import api, spec

BAD_ZIPS = {   # item 5: names that cannot all be files in one folder
    "zip-file-and-folder": {"work.py": HONEST, "work.py/x.py": "x = 1\n"},
    "zip-dot-entry": {"work.py": HONEST, ".": "x = 1\n"},
    "zip-folder-then-file": {"work.py": HONEST, "a/b": "x\n", "a": "y\n"},
}
WRONG = HONEST.replace("2 * np.asarray(x)", "np.zeros(3)")


def _zip(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(zipfile.ZipInfo(name), text)
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch-arena")
    folder = root / "assignment"
    (folder / "reference").mkdir(parents=True)
    (folder / "assignment.yaml").write_text(BATCH_SPEC)
    (folder / "reference" / "work.py").write_text(REFERENCE)
    subs = root / "subs"
    paths = []
    for name, code in [("control-first", HONEST), *BATCH_ATTACKS.items()]:
        (subs / name).mkdir(parents=True)
        (subs / name / "work.py").write_text(code)
        paths.append(subs / name)
    paths += [_zip(subs / f"{name}.zip", entries) for name, entries in BAD_ZIPS.items()]
    # item 6: three names that used to give two ids, alice-2 twice; the zip's wrong answer must keep its own result
    (subs / "alice").mkdir()
    (subs / "alice" / "work.py").write_text(HONEST)
    paths += [subs / "alice", _zip(subs / "alice.zip", {"work.py": WRONG})]
    (subs / "alice-2.py").write_text(HONEST)
    paths.append(subs / "alice-2.py")
    (subs / "control-last").mkdir()
    (subs / "control-last" / "work.py").write_text(HONEST)
    paths.append(subs / "control-last")
    _open_tree(root)
    out = root / "out"
    results = api.grade(spec.load(folder), paths, out, jobs=2, secret="arena")
    return {"results": results, "by_id": {r.submission: r for r in results}, "out": out, "paths": paths}


def test_every_submission_has_its_own_result_and_the_controls_keep_full_marks(batch) -> None:
    assert len(batch["results"]) == len(batch["paths"]) == len(batch["by_id"])
    for name in ("control-first", "control-last"):
        assert batch["by_id"][name].score == 3.0, batch["by_id"][name].checks


def test_infinite_errors_are_recorded_and_shown(batch) -> None:
    result = batch["by_id"]["overflowing-errors"]
    assert result.status == "graded" and result.score == 0
    written = json.loads((batch["out"] / "overflowing-errors" / "result.json").read_text())
    small = next(c for c in written["checks"] if c["id"] == "small")
    assert small["status"] == "failed" and small["details"]["max_rel_err"] == "inf"
    assert "inf" in (batch["out"] / "overflowing-errors" / "report.html").read_text()


@pytest.mark.parametrize("name", ["forged-deep-nesting", "forged-huge-shape", "forged-padding-frames"])
def test_a_forged_result_stream_is_that_submissions_error(batch, name: str) -> None:
    result = batch["by_id"][name]
    assert result.score == 0
    assert all(c.status == "error" and "results were unreadable" in c.message for c in result.checks), \
        [c.message for c in result.checks]


@pytest.mark.parametrize("name", sorted(BAD_ZIPS))
def test_a_zip_whose_names_cannot_be_files_is_refused_in_one_sentence(batch, name: str) -> None:
    result = batch["by_id"][name]
    assert result.status == "error" and result.score == 0
    assert "cannot be unpacked" in result.message and result.message.count(". ") == 0, result.message


def test_colliding_names_get_unique_ids_and_keep_their_own_results(batch) -> None:
    ids = [sub_id for sub_id, _ in api.submission_ids(batch["paths"])]
    assert len(set(ids)) == len(ids)
    alice = {sub_id: path.name for sub_id, path in api.submission_ids(batch["paths"]) if "alice" in sub_id}
    assert sorted(alice.values()) == ["alice", "alice-2.py", "alice.zip"]
    for sub_id, name in alice.items():
        written = json.loads((batch["out"] / sub_id / "result.json").read_text())
        assert written["submission"] == sub_id
        assert written["score"] == (0 if name == "alice.zip" else 3.0), (sub_id, name, written["score"])


def test_non_finite_numbers_in_a_check_never_stop_writing_its_result() -> None:
    """Unit level: what no arena submission reaches today (a NaN score, NumPy scalars in details)
    must still give valid JSON that reads back."""
    import numpy as np

    from grader.report import render_result
    from grader.results import CheckResult, Result

    check = CheckResult(id="train", kind="train", visibility="public", status="failed", score=float("nan"),
                        max_score=1, message="diverged", details={
                            "train_loss": [float("nan"), np.float32("inf")], "accuracy": np.float64(0.1),
                            "worst": {"err": -np.inf}, "epochs": np.int64(3)})
    result = Result(assignment="a", submission="s", status="graded", score=check.score, max_score=1, checks=[check])
    text = result.to_json()
    data = json.loads(text)
    assert data["score"] == 0 and data["checks"][0]["score"] == 0
    assert data["checks"][0]["details"] == {"train_loss": ["nan", "inf"], "accuracy": 0.1, "worst": {"err": "-inf"},
                                            "epochs": 3}
    assert Result.from_json(text) == result
    assert "nan" in render_result(result)


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def test_closing_an_engine_waits_for_every_process_it_started() -> None:
    """Item 10: `grader check` returned while a worker's reaper was still exiting (a zombie)."""
    from grader.engine import Engine

    engine = Engine(1, require=[], preload=["numpy"])
    workers = [w.process.pid for w in engine.pool.workers]
    started = set(workers).union(*(_children(pid) for pid in workers))
    engine.close()
    if len(started) == len(workers):
        pytest.skip("no PID namespace here: the workers started no reaper")
    assert [pid for pid in started if Path(f"/proc/{pid}").exists()] == []
