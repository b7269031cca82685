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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from grader import report, spec
import grader
from grader.engine import Engine
from grader.settings import default_cache_dir, default_secret, derive_seed
from grader.executors import EngineOptions, Executor, Job, LocalExecutor
from grader.submission import read
from grader.errors import GraderError
from grader.results import Result, load_result, write_atomic, write_gradebook
from grader.spec import Assignment

Progress = Callable[[Result], None]


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


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def validate(assignment: Assignment, *, insecure: bool = False, secret: str | None = None) -> Result:
    """Grade the reference as if it were a submission; it must score full marks."""
    with Engine(1, insecure=insecure, secret=secret, require=assignment.spec.sandbox.require,
                preload=assignment.spec.sandbox.preload) as engine:
        prepared = engine.prepare(assignment)
        return engine.grade(prepared, assignment.reference_dir)


def check(assignment: Assignment, submission: Path, *, insecure: bool = False) -> Result:
    """A student's self-check: public checks only, with the sandbox the machine offers."""
    public = public_only(assignment)
    with Engine(1, insecure=insecure, require=[], preload=assignment.spec.sandbox.preload) as engine:
        prepared = engine.prepare(public)
        return engine.grade(prepared, submission)


def submission_ids(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """Stable, unique, filesystem-safe ids: the folder or file stem, suffixed on collision."""
    seen: dict[str, int] = {}
    out = []
    for path in paths:
        base = re.sub(r"[/\\\x00-\x1f]", "_", Path(path).stem).strip(". ") or "submission"
        seen[base] = seen.get(base, 0) + 1
        out.append((base if seen[base] == 1 else f"{base}-{seen[base]}", Path(path)))
    return out


def grade(assignment: Assignment, submissions: Iterable[Path], out: Path, *, jobs: int | None = None,
          insecure: bool = False, secret: str | None = None, cache_dir: Path | None = None,
          progress: Progress | None = None, force: bool = False, executor: Executor | None = None) -> list[Result]:
    """Grade every submission (see :func:`iter_grade`) and return all the results."""
    results = []
    for data in iter_grade(assignment, submissions, out, jobs=jobs, insecure=insecure, secret=secret,
                           cache_dir=cache_dir, force=force, executor=executor):
        result = Result.from_dict(data)
        results.append(result)
        if progress:
            progress(result)
    return results


def iter_grade(assignment: Assignment, submissions: Iterable[Path], out: Path, *, jobs: int | None = None,
               insecure: bool = False, secret: str | None = None, cache_dir: Path | None = None,
               force: bool = False, executor: Executor | None = None) -> Iterator[dict[str, Any]]:
    """Grade submissions, yielding each ``result.json`` dict as soon as it is written.

    ``out/<id>/result.json`` and ``report.html`` are written atomically as each
    finishes, so an interrupted batch loses nothing already graded. A result
    already in ``out`` for the same submission content, spec, grader version
    and course secret is reused instead of graded again, unless ``force``: run
    the same command again to finish an interrupted batch. ``gradebook.csv`` and
    ``index.html`` are rewritten at the end over every result in ``out``.
    """
    out.mkdir(parents=True, exist_ok=True)
    options = EngineOptions(jobs or default_jobs(), insecure, secret or default_secret(), cache_dir or default_cache_dir())
    key = cache_key(assignment, options)
    todo: list[Job] = []
    for sub_id, path in submission_ids(submissions):
        existing = None if force else _current_result(out / sub_id / "result.json", key, path, assignment)
        if existing is not None:
            yield existing
        else:
            todo.append(Job(sub_id, path))
    try:
        for data in (executor or LocalExecutor()).run(assignment, todo, options):
            data["cache_key"] = key
            write_submission_dict(data, out)
            yield data
    finally:
        write_summary(out, assignment.name)


def cache_key(assignment: Assignment, options: EngineOptions) -> str:
    """What a result depends on besides the submission itself."""
    material = json.dumps([grader.__version__, assignment.spec_hash, derive_seed(options.secret, "result-cache"),
                           options.insecure])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _current_result(path: Path, key: str, submission: Path, assignment: Assignment) -> dict[str, Any] | None:
    """The stored result if it is still valid for this submission's content, else None."""
    try:
        data = load_result(path)
    except (OSError, ValueError):
        return None
    if data.get("cache_key") != key or data.get("status") != "graded":
        return None
    try:
        current_hash = read(submission, assignment.spec.files).hash
    except GraderError:
        return None
    return data if data.get("submission_hash") == current_hash else None


def write_submission(result: Result, out: Path) -> None:
    write_submission_dict(result.to_dict(), out)


def write_submission_dict(data: dict[str, Any], out: Path) -> None:
    name = str(data["submission"])
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise GraderError(f"refusing to write results for a submission id that is not a plain folder name: {name!r}")
    folder = out / name
    write_atomic(folder / "result.json", json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    write_atomic(folder / "report.html", report.render_result(data))


def write_summary(out: Path, assignment: str) -> None:
    """Gradebook and class summary over every result.json now in ``out``."""
    results: list[dict[str, Any]] = []
    for path in sorted(out.glob("*/result.json")):
        try:
            data = load_result(path)
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("assignment") == assignment:
            results.append(_summary_view(data))
    write_gradebook(results, out / "gradebook.csv")
    write_atomic(out / "index.html", report.render_index(results, assignment))


def _summary_view(data: dict[str, Any]) -> dict[str, Any]:
    """Only what the gradebook and class summary use, so a large batch's summary stays small in memory."""
    keep = ("id", "title", "kind", "visibility", "status", "score", "max_score")
    checks = [{**{k: c.get(k) for k in keep},
               "message": "crashed with" if "crashed with" in str(c.get("message", "")) else ""}  # all the flags need
              for c in data.get("checks", [])]
    return {**{k: data.get(k) for k in ("submission", "score", "max_score", "status", "message", "late")}, "checks": checks}


def demo(out: Path, root: Path | None = None, *, jobs: int | None = None, insecure: bool = False,
         progress: Progress | None = None) -> dict[str, list[Result]]:
    """Grade every example submission of every assignment under ``root``."""
    root = root or Path.cwd()
    graded: dict[str, list[Result]] = {}
    for _folder, loaded in list_assignments(root):
        if isinstance(loaded, GraderError):
            raise loaded
        examples = root / "submissions" / loaded.name
        paths = sorted(examples.iterdir()) if examples.is_dir() else []
        if paths:
            graded[loaded.name] = grade(loaded, paths, out / loaded.name, jobs=jobs, insecure=insecure, progress=progress)
    if not graded:
        raise GraderError(f"no example submissions found under {root / 'submissions'}; run grader demo from the project folder")
    return graded
