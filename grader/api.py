"""The Python API behind the CLI; a course's own scripts can import it.

    from grader import api
    assignment = api.load_assignment("bp-manual")
    for result in api.grade(assignment, ["submissions/bp-manual/alice"], out=Path("results")):
        print(result.submission, result.score)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import grader
from grader import datasets, report, spec, summary
from grader import overrides as overrides_mod
from grader.batch import BatchItem, EngineOptions
from grader.engine import Engine
from grader.errors import GraderError
from grader.executors import Executor, LocalExecutor
from grader.paths import default_cache_dir
from grader.policies import Policies, Warn, late_stamps
from grader.redaction import InstructorRecord
from grader.results import Result, load_result, write_atomic, write_atomic_chunks
from grader.secret import default_secret, derive_seed, secret_id
from grader.similar import page as similar_page
from grader.spec import Assignment
from grader.submission import read

Progress = Callable[[Result], None]
DEMO_SECRET = "grader-demo"   # the demo's hidden inputs: the same on every machine, so are its scores


@dataclasses.dataclass(frozen=True)
class BatchEvent:
    """A batch's progress, for a display: ``reused`` (a result kept from an earlier run is yielded next),
    ``grading`` (the reused ones are done; ``to_grade`` submissions are graded now), ``graded`` (a result
    graded now is yielded next)."""

    kind: Literal["reused", "grading", "graded"]
    submission: str = ""
    to_grade: int = 0


Events = Callable[[BatchEvent], None]


def load_assignment(name_or_path: str | Path, search_root: Path | None = None) -> Assignment:
    """An assignment by folder path or by name under ``./assignments``."""
    return spec.load(spec.find(str(name_or_path), search_root))


def list_assignments(search_root: Path | None = None) -> list[tuple[Path, Assignment | GraderError]]:
    """Every folder under ``./assignments`` holding a spec, loaded or with its error."""
    base = (search_root or Path.cwd()) / "assignments"
    found: list[tuple[Path, Assignment | GraderError]] = []
    for folder in sorted(p.parent for p in base.glob(f"*/{spec.SPEC_FILE}")):
        try:
            found.append((folder, spec.load(folder)))
        except GraderError as exc:
            found.append((folder, exc))
    return found


def public_only(assignment: Assignment) -> Assignment:
    """The assignment as a student's self-check sees it: hidden checks are never run."""
    return dataclasses.replace(assignment, checks=tuple(c for c in assignment.checks if c.visibility == "public"))


def default_jobs(assignment: Assignment | None = None) -> int:
    """The usable cores, divided by the threads each of the assignment's children uses."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        cores = max(1, os.cpu_count() or 1)
    return max(1, cores // (assignment.spec.sandbox.threads if assignment is not None else 1))


@dataclasses.dataclass
class Validation:
    """``grader validate``'s findings: the reference's result, the starter's, and authoring problems."""

    reference: Result
    starter: Result | None
    problems: list[str]

    @property
    def reference_full(self) -> bool:
        """Full marks, less the manual checks only an instructor can award."""
        ref = self.reference
        return ref.status == "graded" and ref.score >= ref.max_score - ref.pending_points

    @property
    def ok(self) -> bool:
        return self.reference_full and not self.problems


def validate(assignment: Assignment, *, insecure: bool = False, secret: str | None = None,
             data_dir: Path | None = None) -> Validation:
    """Grade the reference (it must score full marks) and the starter (no hidden points for free),
    and check the authoring rules: every check has words for students, ``starter/`` is current."""
    from grader.authoring import lint

    if assignment.expected is not None:
        raise GraderError(f"{assignment.root} is a student bundle, which has no reference to validate; "
                          "run validate on the instructor's assignment folder")
    problems = lint.check_texts(assignment) + lint.starter_freshness(assignment)
    with Engine(1, insecure=insecure, secret=secret, require=assignment.spec.sandbox.require,
                preload=assignment.spec.sandbox.preload, data_dir=data_dir) as engine:
        prepared = engine.prepare(assignment)
        reference = engine.grade(prepared, assignment.reference_dir)
        starter_result = None
        if assignment.starter_dir.is_dir():
            starter_result = engine.grade(prepared, assignment.starter_dir)
            problems += lint.starter_scores(assignment, starter_result)
    return Validation(reference, starter_result, problems)


def check(assignment: Assignment, submission: Path, *, insecure: bool = False, data_dir: Path | None = None,
          cache_dir: Path | None = None) -> Result:
    """A student's self-check: public checks only, with the sandbox the machine offers.

    The reference's evaluations are cached as :func:`grade` caches them (by grader version,
    spec and reference content, and secret), under ``cache_dir`` (default: ``check/`` in
    :func:`default_cache_dir`, apart from ``grade``'s, whose streams hold every check's
    tasks): a second check of the same assignment runs only the submission.
    """
    public = public_only(assignment)
    cache = cache_dir or default_cache_dir() / "check"
    with Engine(1, insecure=insecure, require=[], preload=assignment.spec.sandbox.preload, data_dir=data_dir,
                cache_dir=cache) as engine:
        prepared = engine.prepare(public)
        return engine.grade(prepared, submission)


def submission_ids(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """Unique, filesystem-safe ids, in the order given: the folder or file stem where no other path
    has it; where several do, the first keeps it and each other one is named after its kind
    (``alice.zip`` -> ``alice-zip``, a folder -> ``alice-folder``), numbered only if that is taken too.
    No id is another path's stem, so a later ``alice-2.py`` cannot take a suffixed ``alice``'s id;
    the same paths in the same order always get the same ids."""
    listed = [Path(p) for p in paths]
    bases = [_id_base(p.stem) for p in listed]
    taken = set(bases)
    firsts: set[str] = set()
    out = []
    for base, path in zip(bases, listed):
        if base not in firsts:
            firsts.add(base)
            out.append((base, path))
            continue
        kind = path.suffix.lower().lstrip(".") or ("folder" if path.is_dir() else "file")
        candidate, n = f"{base}-{_id_base(kind)}", 2
        while candidate in taken:
            candidate, n = f"{base}-{_id_base(kind)}-{n}", n + 1
        taken.add(candidate)
        out.append((candidate, path))
    return out


def _id_base(name: str) -> str:
    return re.sub(r"[/\\\x00-\x1f]", "_", name).strip(". ") or "submission"


def grade(assignment: Assignment, submissions: Iterable[Path], out: Path, *, jobs: int | None = None,
          insecure: bool = False, secret: str | None = None, cache_dir: Path | None = None,
          progress: Progress | None = None, force: bool = False, executor: Executor | None = None,
          overrides: Path | overrides_mod.Overrides | None = None, warn: Warn | None = None,
          submitted_at: Path | None = None, stand_in: bool = False, data_dir: Path | None = None,
          events: Events | None = None) -> list[Result]:
    """Grade every submission (see :func:`iter_grade`) and return all the results."""
    results = []
    for result in iter_grade(assignment, submissions, out, jobs=jobs, insecure=insecure, secret=secret,
                             cache_dir=cache_dir, force=force, executor=executor, overrides=overrides, warn=warn,
                             submitted_at=submitted_at, stand_in=stand_in, data_dir=data_dir, events=events):
        results.append(result)
        if progress:
            progress(result)
    return results


def iter_grade(assignment: Assignment, submissions: Iterable[Path], out: Path, *, jobs: int | None = None,
               insecure: bool = False, secret: str | None = None, cache_dir: Path | None = None,
               force: bool = False, executor: Executor | None = None,
               overrides: Path | overrides_mod.Overrides | None = None, warn: Warn | None = None,
               submitted_at: Path | None = None, stand_in: bool = False,
               data_dir: Path | None = None, events: Events | None = None) -> Iterator[Result]:
    """Grade submissions, yielding each :class:`Result` as soon as its ``result.json`` is written.

    ``out/<id>/result.json`` and ``report.html`` are written atomically as each
    finishes (with ``instructor.json``: the hidden checks' unredacted details), so an interrupted batch loses nothing already graded. A result
    already in ``out`` for the same submission content, spec, grader version
    and course secret is reused instead of graded again, unless ``force``: run
    the same command again to finish an interrupted batch. ``gradebook.csv`` and
    ``index.html`` are rewritten at the end over every result in ``out``.

    ``overrides`` (an overrides file, see :mod:`grader.overrides`) merges an
    instructor's scores into every result, graded now or reused: changing the
    file never forces a regrade. Submissions it names that are not in this batch
    are reported through ``warn`` (default: :func:`warnings.warn`). Results
    always reflect the overrides given: without any, earlier ones are undone (with
    a warning), so the overrides file stays the one record of instructor scores.

    With a ``late:`` section in the spec, each result's ``score`` is penalised
    and its ``late`` record set on every run, from the checks' points (see
    :mod:`grader.late`): times from the ``submitted_at`` manifest CSV, else the
    files' modification times (submissions missing from the manifest are
    reported once through ``warn``). A changed policy or manifest never regrades.

    ``stand_in`` is for demonstrations only (:func:`demo` sets it; ``grader grade``
    never does): a ``train`` check whose dataset is not on disk then trains on the
    offline stand-in, and its verdict says so. A result in which a training check
    used the stand-in or found no data is never reused: it is graded again. ``events``: see :class:`BatchEvent`.
    """
    warn = warn or _warn
    tell = events or (lambda event: None)
    if overrides is not None and not isinstance(overrides, overrides_mod.Overrides):
        overrides = overrides_mod.load(Path(overrides), assignment)
    out.mkdir(parents=True, exist_ok=True)
    secret = secret or default_secret()
    options = EngineOptions(jobs or default_jobs(assignment), insecure, secret, cache_dir or default_cache_dir(), stand_in,
                            data_dir)
    ids = submission_ids(submissions)
    policies = Policies(assignment, overrides, late_stamps(assignment, ids, submitted_at, warn))  # a bad manifest fails first
    if overrides is not None:
        for message in overrides.unknown_submissions(sub_id for sub_id, _ in ids):
            warn(message)
    key = cache_key(assignment, options)
    todo = yield from _reused(assignment, ids, out, key, policies, force, warn, tell)
    paths = dict(ids)
    try:
        for graded in (executor or LocalExecutor()).run(assignment, todo, options):
            fresh = graded.result.model_copy(update={"cache_key": key, "secret_id": secret_id(secret)})
            result = policies.apply(fresh, paths.get(fresh.submission))
            write_submission(result, out, graded.instructor)
            tell(BatchEvent("graded", result.submission))
            yield result
    finally:
        write_summary(out, assignment.name, similar_page.for_batch(out, assignment.name, assignment.starter_dir, warn))


def _reused(assignment: Assignment, ids: list[tuple[str, Path]], out: Path, key: str, policies: Policies,
            force: bool, warn: Warn, tell: Events) -> Generator[Result, None, list[BatchItem]]:
    """Yield each result in ``out`` still valid for its submission, policies applied (written again
    only when they changed it: no regrading); return the submissions left to grade."""
    todo: list[BatchItem] = []
    dropped = 0
    for sub_id, path in ids:
        existing = None if force else _current_result(out / sub_id / "result.json", key, path, assignment)
        if existing is None:
            todo.append(BatchItem(sub_id, path))
            continue
        dropped += policies.overrides is None and overrides_mod.overridden(existing)
        result = policies.apply(existing, path)
        if result != existing:
            write_submission(result, out)
        tell(BatchEvent("reused", sub_id))
        yield result
    if dropped:
        warn(f"{dropped} result(s) in {out} had instructor scores merged from an overrides file; without "
             "one they are back to what the grader concluded: pass the file again to keep them")
    tell(BatchEvent("grading", to_grade=len(todo)))
    return todo


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def cache_key(assignment: Assignment, options: EngineOptions) -> str:
    """What a result depends on besides the submission itself."""
    material = json.dumps([grader.__version__, assignment.spec_hash, derive_seed(options.secret, "result-cache"),
                           options.insecure])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _current_result(path: Path, key: str, submission: Path, assignment: Assignment) -> Result | None:
    """The stored result if it is still valid for this submission's content, else None."""
    try:
        result = load_result(path)
    except (OSError, ValueError):
        return None
    if result.cache_key != key or result.status != "graded":
        return None
    if any(datasets.provisional(c.details) for c in result.checks):
        return None   # trained on the demo's stand-in, or the data was missing: grade it again
    try:
        current_hash = read(submission, assignment.spec.files).hash
    except GraderError:
        return None
    return result if result.submission_hash == current_hash else None


def write_submission(result: Result, out: Path, instructor: InstructorRecord | None = None) -> None:
    """``out/<submission>/result.json`` (``result.to_json()``) and its ``report.html``, each atomically;
    with ``instructor``, ``instructor.json`` too (the hidden checks' unredacted details, for instructors
    only: no report, export or bundle reads it)."""
    name = result.submission
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise GraderError(f"refusing to write results for a submission id that is not a plain folder name: {name!r}")
    folder = out / name
    if instructor is not None:
        write_atomic(folder / "instructor.json", instructor.to_json())
    write_atomic(folder / "result.json", result.to_json())
    write_atomic(folder / "report.html", report.render_result(result))


def write_summary(out: Path, assignment: str, similar: Any = None) -> None:
    """Gradebook and class summary over every result.json now in ``out`` (linking to ``similar``, the
    batch's ``similar.html``, when given: a :class:`grader.similar.page.Link`).

    Memory stays flat as the batch grows: each result is reduced to a compact row as
    it is read (see :mod:`grader.summary`), and both files are streamed to disk."""
    collected = summary.collect(summary.read_results(out, assignment))
    summary.write_gradebook(collected, out / "gradebook.csv")
    digest = report.index_digest(collected, assignment, similar)
    if not report.index_is_current(out / "index.html", digest):   # a regrade that changed nothing draws no plot
        write_atomic_chunks(out / "index.html", report.index_chunks(collected, assignment, digest, similar))


def demo(out: Path, root: Path | None = None, *, jobs: int | None = None, insecure: bool = False,
         progress: Progress | None = None, stand_in: bool = True, warn: Warn | None = None,
         data_dir: Path | None = None, secret: str = DEMO_SECRET,
         events: Callable[[str, int], Events] | None = None) -> dict[str, list[Result]]:
    """Grade every example submission of every assignment under ``root``, with the fixed
    :data:`DEMO_SECRET` (not the course secret), so the scores are the same on every machine.

    ``events(name, count)`` is called as each assignment's batch starts and returns the
    :data:`Events` callback for it (see :func:`iter_grade`).

    Offline, a training check whose dataset is not on disk trains on the offline stand-in
    (scikit-learn's handwritten digits; ``stand_in=False`` reports the missing data
    instead): see :func:`datasets_used` for what each training check used. An assignment
    whose ``requires`` are not installed is skipped, and ``warn`` is told why."""
    root = root or Path.cwd()
    graded: dict[str, list[Result]] = {}
    for _folder, loaded in list_assignments(root):
        if isinstance(loaded, GraderError):
            raise loaded
        missing = spec.missing_requirements(loaded)
        if missing:
            if warn:
                warn(f"{loaded.name}: skipped: {missing[0]}")
            continue
        examples = root / "submissions" / loaded.name
        paths = sorted(examples.iterdir()) if examples.is_dir() else []
        if paths:
            graded[loaded.name] = grade(loaded, paths, out / loaded.name, jobs=jobs, insecure=insecure, progress=progress,
                                        stand_in=stand_in, data_dir=data_dir, secret=secret,
                                        events=events(loaded.name, len(paths)) if events else None)
    if not graded:
        raise GraderError(f"no example submissions found under {root / 'submissions'}; run grader demo from the project folder")
    return graded


@dataclasses.dataclass
class DatasetUse:
    """Which dataset one training check used, and for which submissions (see :func:`datasets_used`)."""

    check: str
    info: dict[str, Any]             # the check's ``details["dataset"]``
    submissions: list[str]

    @property
    def stand_in(self) -> bool:
        return bool(self.info.get("stand_in"))

    @property
    def missing(self) -> bool:
        return bool(self.info.get("missing"))

    def describe(self) -> str:
        return datasets.describe(self.info)


def datasets_used(results: Iterable[Result]) -> list[DatasetUse]:
    """Per training check, the dataset(s) its results record, in check order (a reused result may differ)."""
    found: dict[tuple[str, str], DatasetUse] = {}
    for result in sorted(results, key=lambda r: r.submission):
        for check in result.checks:
            info = check.details.get("dataset") if isinstance(check.details, dict) else None
            if check.kind != "train" or not isinstance(info, dict):
                continue
            shown = {k: v for k, v in info.items() if k != "looked_in"}
            use = found.setdefault((check.id, json.dumps(shown, sort_keys=True)), DatasetUse(check.id, info, []))
            use.submissions.append(result.submission)
    return list(found.values())
