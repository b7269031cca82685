"""Late penalties: the arithmetic, submission times (manifest CSV or file mtimes), the spec's
``late:`` section, and penalties applied on every ``grade`` run without regrading."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import api, late, spec
from grader.errors import GraderError, SpecError
from grader.executors import LocalExecutor
from grader.exports.gradescope import to_gradescope
from grader.results import CheckResult, LateRecord, Result

CET = timezone(timedelta(hours=1))
DUE = datetime(2026, 12, 1, 23, 59, tzinfo=CET)


# ------------------------------------------------------------------ arithmetic
@pytest.mark.parametrize("after, grace, days", [
    (timedelta(0), 0, 0),                           # exactly at the due time: on time
    (timedelta(seconds=-1), 0, 0),
    (timedelta(seconds=1), 0, 1),                   # a second late is a started day
    (timedelta(minutes=15), 15, 0),                 # within the grace period
    (timedelta(minutes=15, seconds=1), 15, 1),
    (timedelta(hours=24), 0, 1),                    # 24 hours exactly: still the first day
    (timedelta(hours=24, seconds=1), 0, 2),
    (timedelta(hours=24, minutes=10), 15, 2),       # grace forgives, it does not move the due date
    (timedelta(days=9, hours=1), 0, 10),
])
def test_days_late_counts_started_days_after_due(after: timedelta, grace: float, days: int) -> None:
    assert late.days_late(DUE + after, DUE, grace) == days


def test_days_late_compares_instants_not_wall_clocks() -> None:
    same_instant_in_utc = (DUE + timedelta(minutes=30)).astimezone(timezone.utc)   # 22:29 UTC, "before" 23:59
    assert late.days_late(same_instant_in_utc, DUE) == 1
    assert late.days_late(datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc), DUE) == 1   # 00:00 CET next day


def test_penalty_is_per_day_and_capped() -> None:
    assert late.penalty_fraction(0, 0.1) == 0.0
    assert late.penalty_fraction(3, 0.1) == 0.3                     # not 0.30000000000000004
    assert late.penalty_fraction(7, 0.1, max_penalty=0.5) == 0.5
    assert late.penalty_fraction(20, 0.1) == 1.0                    # never more than the whole score
    assert late.apply_penalty(8.0, 0.2) == 6.4
    assert late.apply_penalty(7.3333, 0.1) == 6.6


def test_parse_time_requires_a_time_and_an_offset() -> None:
    assert late.parse_time("2026-12-01T23:59:00Z", "t") == datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)
    assert late.parse_time("2026-12-01 23:59+01:00", "t") == DUE
    with pytest.raises(ValueError, match="no timezone; add its UTC offset"):
        late.parse_time("2026-12-01T23:59:00", "t")
    with pytest.raises(ValueError, match="no time of day"):
        late.parse_time(datetime(2026, 12, 1).date(), "t")
    with pytest.raises(ValueError, match="not an ISO 8601 date and time"):
        late.parse_time("1 Dec 2026", "t")


def _policy(**kw) -> spec.LateSpec:
    return spec.LateSpec(**{"due": DUE, "per_day": 0.1, **kw})


def _graded(score: float, max_score: float = 10.0) -> Result:
    """A graded result whose one check earned ``score``."""
    work = CheckResult(id="work", kind="compare", visibility="public", status="partial", score=score,
                       max_score=max_score, message="")
    return Result(assignment="a", submission="alice", status="graded", score=score, max_score=max_score, checks=[work])


def test_apply_is_idempotent_and_reversible() -> None:
    data = _graded(8.0)
    stamp = late.Stamp(DUE + timedelta(hours=30), "manifest")
    penalised = late.apply(data, _policy(), stamp)
    assert penalised != data and data.score == 8.0 and data.late is None     # a new result; the given one is kept
    assert penalised.score == 6.4 and penalised.late is not None and penalised.late.to_dict() == {
        "submitted_at": "2026-12-03T05:59:00+01:00", "due": "2026-12-01T23:59:00+01:00", "source": "manifest",
        "days_late": 2, "penalty": 0.2, "score_before_penalty": 8.0}
    assert late.apply(penalised, _policy(), stamp) == penalised      # the raw score is kept, not penalised twice
    milder = late.apply(penalised, _policy(per_day=0.05), stamp)
    assert milder != penalised and milder.score == 7.2
    assert late.apply(milder, None, None) != milder                  # policy removed: the raw score is back
    assert late.apply(milder, None, None) == data


def test_an_extension_in_the_manifest_moves_the_due_date() -> None:
    stamp = late.Stamp(DUE + timedelta(hours=30), "manifest", due=DUE + timedelta(days=2), note="extended")
    data = late.apply(_graded(5.0), _policy(), stamp)
    assert data.late is not None
    assert data.score == 5.0 and data.late.days_late == 0 and data.late.due.startswith("2026-12-03")


def _record(days: int, penalty: float, before: float) -> LateRecord:
    return LateRecord(submitted_at="2026-12-03T05:59:00+01:00", due="2026-12-01T23:59:00+01:00", source="manifest",
                      days_late=days, penalty=penalty, score_before_penalty=before)


def test_describe_is_one_sentence() -> None:
    assert late.describe(_record(2, 0.2, 8.0), 10) == "Submitted 2 days late: −20% (8 → 6.4 of 10)."
    assert late.describe(_record(1, 0.1, 8.0)) == "Submitted 1 day late: −10% (8 → 7.2)."
    assert late.describe(_record(0, 0.0, 8.0)) == "Submitted on time."
    assert late.describe(None) == ""


# ------------------------------------------------------------------ manifest
def _manifest(tmp_path: Path, text: str, name: str = "times.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_reads_ids_times_and_extensions(tmp_path: Path) -> None:
    path = _manifest(tmp_path, "\ufeffSubmission,email,submitted_at,due\n"
                               "alice,a@x,2026-12-01T20:00:00+01:00,\n"
                               "\n"
                               " bob ,b@x, 2026-12-02T08:00:00Z ,2026-12-08T23:59:00+01:00\n")
    stamps = late.read_manifest(path)
    assert set(stamps) == {"alice", "bob"}
    assert stamps["alice"].submitted_at == datetime(2026, 12, 1, 20, tzinfo=CET) and stamps["alice"].due is None
    assert stamps["bob"].source == "manifest" and stamps["bob"].due == datetime(2026, 12, 8, 23, 59, tzinfo=CET)


@pytest.mark.parametrize("text, expected", [
    ("", ":1: the file is empty"),
    ("id,time\nalice,2026-12-01T20:00:00Z\n", ":1: no submission or submitted_at column in the header row (id, time)"),
    ("submission,submitted_at\nalice,2026-12-01T20:00:00Z\nbob,yesterday\n",
     ":3: submitted_at 'yesterday' is not an ISO 8601 date and time"),
    ("submission,submitted_at\nalice,2026-12-01T20:00:00\n", ":2: submitted_at 2026-12-01T20:00:00 has no timezone"),
    ("submission,submitted_at\nalice,\n", ":2: no submitted_at time for 'alice'"),
    ("submission,submitted_at\n,2026-12-01T20:00:00Z\n", ":2: the submission column is empty"),
    ("submission,submitted_at\nalice,2026-12-01T20:00:00Z\nalice,2026-12-02T20:00:00Z\n",
     ":3: submission 'alice' is already listed on line 2; keep one row per submission"),
    ("submission,submitted_at,due\nalice,2026-12-01T20:00:00Z,soon\n", ":2: due 'soon' is not an ISO 8601"),
    ('submission,comment,submitted_at\nalice,"two\nlines",2026-12-01T20:00:00Z\nbob,,later\n',
     ":4: submitted_at 'later' is not"),                                   # lines of the file, not records
])
def test_manifest_errors_name_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = _manifest(tmp_path, text)
    with pytest.raises(GraderError) as info:
        late.read_manifest(path)
    assert str(info.value).startswith(f"{path}{expected}"), str(info.value)


def test_a_missing_manifest_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(GraderError, match=r"cannot read the submission times .*nope\.csv"):
        late.read_manifest(tmp_path / "nope.csv")


# ------------------------------------------------------------------ mtimes
def _touch(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_mtime_is_the_newest_named_file_of_a_folder(tmp_path: Path) -> None:
    folder = write_submission(tmp_path / "alice", {"work.py": "x = 1\n", "notes.txt": "later\n", "extra.py": ""})
    _touch(folder / "work.py", DUE - timedelta(hours=2))
    _touch(folder / "extra.py", DUE + timedelta(hours=1))
    _touch(folder / "notes.txt", DUE + timedelta(days=3))    # not a file the spec names: ignored
    stamp = late.mtime_stamp(folder, ["work.py", "extra.py", "missing.py"])
    assert stamp.source == "mtime" and stamp.submitted_at == DUE + timedelta(hours=1)
    assert stamp.submitted_at.tzinfo is not None


def test_mtime_of_a_file_or_a_folder_without_named_files(tmp_path: Path) -> None:
    archive = tmp_path / "bob.zip"
    archive.write_bytes(b"PK")
    _touch(archive, DUE + timedelta(days=1))
    assert late.mtime_stamp(archive, ["work.py"]).submitted_at == DUE + timedelta(days=1)
    empty = tmp_path / "carol"
    empty.mkdir()
    _touch(empty, DUE - timedelta(days=1))
    assert late.mtime_stamp(empty, ["work.py"], note="n") == late.Stamp(DUE - timedelta(days=1), "mtime", None, "n")


# ------------------------------------------------------------------ the spec
GOOD = """\
name: tiny
title: A tiny assignment
files: [m.py]
checks:
  - id: double
    kind: compare
    call: double(x)
    inputs: {x: [1.0, 2.0]}
"""
LATE = """\
late:
  due: 2026-12-01T23:59:00+01:00
  per_day: 0.1
  grace_minutes: 15
  max_penalty: 0.5
"""
REFERENCE = {"m.py": "def double(x):\n    return 2 * x\n"}


def _load(tmp_path: Path, text: str) -> spec.Assignment:
    return spec.load(write_assignment(tmp_path / "a", text, REFERENCE))


def _spec_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(SpecError) as info:
        _load(tmp_path, text)
    return str(info.value)


def test_spec_late_section_loads_with_defaults(tmp_path: Path) -> None:
    policy = _load(tmp_path, GOOD + LATE).spec.late
    assert policy is not None and policy.due == DUE and policy.per_day == 0.1
    assert (policy.grace_minutes, policy.max_penalty) == (15, 0.5)
    quoted = _load(tmp_path, GOOD + "late: {due: '2026-12-01T22:59:00Z', per_day: 0.2}\n").spec.late
    assert quoted is not None and quoted.due == DUE and (quoted.grace_minutes, quoted.max_penalty) == (0, 1.0)
    assert _load(tmp_path, GOOD).spec.late is None


@pytest.mark.parametrize("change, expected", [
    (("+01:00", ""), ("assignment.yaml:10: late.due: the due date 2026-12-01T23:59:00 has no timezone; "
                      "add its UTC offset (e.g. +01:00) or Z for UTC")),
    (("T23:59:00+01:00", ""), "assignment.yaml:10: late.due: the due date 2026-12-01 has no time of day"),
    (("per_day: 0.1", "per_days: 0.1"), "assignment.yaml:11: late.per_days: unknown key; did you mean 'per_day'?"),
    (("per_day: 0.1", "per_day: lots"), "assignment.yaml:11: late.per_day: expected a number"),
    (("per_day: 0.1", "per_day: 10"), "assignment.yaml:11: late.per_day: Input should be less than or equal to 1"),
    (("  due: 2026-12-01T23:59:00+01:00\n", ""), "assignment.yaml:9: late.due: required key is missing"),
])
def test_spec_late_errors_name_line_and_path(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    message = _spec_error(tmp_path, GOOD + LATE.replace(*change))
    assert expected in message, message


def test_editing_the_late_section_keeps_the_spec_hash(tmp_path: Path) -> None:
    """Penalties are applied after grading: changing them must not regrade anything."""
    plain = _load(tmp_path, GOOD).spec_hash
    assert _load(tmp_path, GOOD + LATE).spec_hash == plain
    assert _load(tmp_path, LATE + GOOD).spec_hash == plain
    assert _load(tmp_path, LATE.replace("0.1", "0.25") + GOOD).spec_hash == plain
    assert _load(tmp_path, GOOD.replace("A tiny", "A small") + LATE).spec_hash != plain


# ------------------------------------------------------------------ grading
SPEC = """\
name: doubler
title: Doubler
files: [work.py]
sandbox: {timeout_s: 5, preload: [numpy]}
late:
  due: 2026-12-01T23:59:00+01:00
  per_day: 0.1
  max_penalty: 0.5
checks:
  - id: work
    kind: compare
    points: 10
    inputs: {x: [1.0, 2.0]}
    call: work(x)
"""
HONEST = "def work(x):\n    return 2 * x\n"


class CountingExecutor(LocalExecutor):
    """The local executor, remembering how many submissions it was asked to grade."""

    def __init__(self) -> None:
        self.graded: list[str] = []

    def run(self, assignment, jobs, options):
        self.graded += [job.submission_id for job in jobs]
        yield from super().run(assignment, jobs, options)


def _times(path: Path, rows: dict[str, str]) -> Path:
    path.write_text("submission,submitted_at\n" + "".join(f"{k},{v}\n" for k, v in rows.items()))
    return path


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    return {row["submission"]: row for row in csv.DictReader((out / "gradebook.csv").open())}


def test_grade_applies_penalties_and_reapplies_them_without_regrading(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "doubler", SPEC, {"work.py": HONEST})
    subs = [write_submission(tmp_path / "subs" / name, {"work.py": HONEST}) for name in ("alice", "bob")]
    out, manifest = tmp_path / "out", tmp_path / "times.csv"
    assignment = spec.load(folder)

    def grade(**kw) -> tuple[dict[str, Result], list[str], list[str]]:
        executor, warnings = CountingExecutor(), []
        results = api.grade(assignment, subs, out, jobs=1, secret="late", cache_dir=tmp_path / "cache",
                            executor=executor, warn=warnings.append, **kw)
        assert not executor.graded or executor.graded == ["alice", "bob"]
        return {r.submission: r for r in results}, warnings, executor.graded

    _times(manifest, {"alice": "2026-12-01T23:00:00+01:00", "bob": "2026-12-03T10:00:00+01:00"})
    results, warnings, graded = grade(submitted_at=manifest)
    assert graded == ["alice", "bob"] and warnings == []
    assert results["alice"].score == 10 and results["alice"].late.days_late == 0
    assert results["bob"].score == 8 and results["bob"].late.to_dict() == {
        "submitted_at": "2026-12-03T10:00:00+01:00", "due": "2026-12-01T23:59:00+01:00", "source": "manifest",
        "days_late": 2, "penalty": 0.2, "score_before_penalty": 10.0}
    stored = json.loads((out / "bob" / "result.json").read_text())
    assert stored["score"] == 8 and stored["late"]["days_late"] == 2
    assert Result.from_dict(stored).to_dict() == stored                      # the late object round-trips
    book = _gradebook(out)
    assert (book["bob"]["score"], book["bob"]["days_late"], book["bob"]["late_penalty"],
            book["bob"]["score_before_penalty"]) == ("8.0", "2", "0.2", "10.0")
    assert (book["alice"]["score"], book["alice"]["days_late"], book["alice"]["late_penalty"]) == ("10.0", "0", "0.0")
    report = (out / "bob" / "report.html").read_text()
    assert "Submitted 2 days late: −20% (10 → 8 of 10)." in report
    assert "Submitted on time." in (out / "alice" / "report.html").read_text()
    index = (out / "index.html").read_text()
    assert "1 × late" in index and "2 d · −20%" in index
    exported = to_gradescope(Result.from_dict(stored))
    assert "Submitted 2 days late" in exported["output"] and exported["score"] == 8

    # A corrected manifest: the penalty changes at once, nothing is graded again.
    _times(manifest, {"alice": "2026-12-01T23:00:00+01:00", "bob": "2026-12-02T10:00:00+01:00"})
    results, warnings, graded = grade(submitted_at=manifest)
    assert graded == [] and results["bob"].score == 9 and _gradebook(out)["bob"]["days_late"] == "1"
    assert "Submitted 1 day late: −10% (10 → 9 of 10)." in (out / "bob" / "report.html").read_text()

    # bob missing from the manifest: one warning, and his files' mtime (far past the due date) counts.
    _times(manifest, {"alice": "2026-12-01T23:00:00+01:00"})
    os.utime(subs[1] / "work.py", (DUE.timestamp() + 40 * 86400,) * 2)
    results, warnings, graded = grade(submitted_at=manifest)
    assert graded == [] and len(warnings) == 1 and "1 submission(s) not in" in warnings[0] and "(bob)" in warnings[0]
    assert results["bob"].late.source == "mtime" and results["bob"].late.days_late == 40
    assert results["bob"].score == 5 and results["bob"].late.note == "Not listed in times.csv"

    # The same again leaves every file alone.
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/result.json")}
    grade(submitted_at=manifest)
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/result.json")} == stamps


def test_a_bad_manifest_stops_grade_before_anything_is_graded(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "doubler", SPEC, {"work.py": HONEST})
    sub = write_submission(tmp_path / "subs" / "alice", {"work.py": HONEST})
    manifest = _times(tmp_path / "times.csv", {"alice": "2026-12-01 23:00"})
    with pytest.raises(GraderError, match=r"times.csv:2: submitted_at 2026-12-01T23:00:00 has no timezone"):
        api.grade(spec.load(folder), [sub], tmp_path / "out", jobs=1, secret="late", submitted_at=manifest,
                  executor=CountingExecutor())
    assert not (tmp_path / "out" / "alice").exists()
    plain = write_assignment(tmp_path / "plain", SPEC.split("late:")[0] + "checks:" + SPEC.split("checks:")[1],
                             {"work.py": HONEST})
    good = _times(tmp_path / "good.csv", {"alice": "2026-12-01T23:00:00Z"})
    with pytest.raises(GraderError, match="has no late: section"):
        api.grade(spec.load(plain), [sub], tmp_path / "out", jobs=1, secret="late", submitted_at=good)


def test_cli_grade_submitted_at(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "doubler", SPEC, {"work.py": HONEST})
    sub = write_submission(tmp_path / "subs" / "bob", {"work.py": HONEST})
    manifest = _times(tmp_path / "times.csv", {"bob": "2026-12-02T10:00:00+01:00"})
    home = Path(tempfile.gettempdir()) / "grader-cli-test-home"
    env = {"PATH": "/usr/bin:/bin", "GRADER_SECRET": "cli-test", "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), str(sub), "--out", str(tmp_path / "out"),
                          "--jobs", "1", "--submitted-at", str(manifest)],
                         capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stderr
    assert "bob: 9 / 10  1 d late, −10%" in run.stdout
    assert "1 submission(s) late; scores include the late penalty" in run.stdout
    assert "modification times" not in run.stderr                 # the times came from the manifest


def test_a_public_only_page_penalises_the_public_points() -> None:
    from grader import report

    data = {"submission": "bob", "assignment": "a", "status": "graded", "score": 4.0, "max_score": 10.0,
            "late": {"days_late": 1, "penalty": 0.5, "score_before_penalty": 8.0, "submitted_at": "x", "due": "y",
                     "source": "manifest"},
            "checks": [{"id": "p", "kind": "compare", "visibility": "public", "status": "passed", "score": 2.0,
                        "max_score": 2.0, "message": "ok"},
                       {"id": "h", "kind": "compare", "visibility": "hidden", "status": "passed", "score": 6.0,
                        "max_score": 8.0, "message": "ok"}]}
    result = Result.from_dict(data)
    assert "Submitted 1 day late: −50% (8 → 4 of 10)." in report.render_result(result)
    assert "Submitted 1 day late: −50% (2 → 1 of 2)." in report.render_result(result, show_hidden=False)
