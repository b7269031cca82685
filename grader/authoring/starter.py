"""``starter/`` generated from ``reference/``: solution markers out, everything else kept."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.authoring.markers import has_markers, strip_code, strip_notebook
from grader.errors import GraderError
from grader.spec import Assignment

SKIP = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}


@dataclass(frozen=True)
class StarterPlan:
    """The starter's files as they should be, and whether the reference uses markers at all."""

    files: dict[str, bytes]
    markers: int


def reference_files(reference: Path) -> dict[str, bytes]:
    """Every file under ``reference/`` by relative path, caches skipped."""
    if not reference.is_dir():
        raise GraderError(f"{reference} does not exist; an assignment's solution lives in reference/")
    found = {}
    for path in sorted(reference.rglob("*")):
        if path.is_file() and not SKIP.intersection(path.relative_to(reference).parts):
            found[path.relative_to(reference).as_posix()] = path.read_bytes()
    return found


def plan(assignment: Assignment) -> StarterPlan:
    """What ``starter/`` must hold for ``assignment``'s current reference."""
    files: dict[str, bytes] = {}
    markers = 0
    for name, data in reference_files(assignment.reference_dir).items():
        where = f"{assignment.root.name}/reference/{name}"
        if name.endswith(".py"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise GraderError(f"{where} is not UTF-8 text; save it as UTF-8") from None
            marked = strip_code(text, where)
            files[name], markers = marked.text.encode(), markers + marked.markers
        elif name.endswith(".ipynb"):
            marked = strip_notebook(data, where)
            files[name], markers = marked.text.encode(), markers + marked.markers
        else:
            files[name] = data
    return StarterPlan(files, markers)


def uses_markers(assignment: Assignment) -> bool:
    """Whether any reference file carries solution markers (else the starter is hand-written)."""
    for name, data in reference_files(assignment.reference_dir).items():
        if name.endswith((".py", ".ipynb")) and has_markers(data.decode("utf-8", "replace")):
            return True
    return False


def stale_files(assignment: Assignment) -> list[str]:
    """Starter files that differ from, are missing from, or are extra to the generated starter."""
    wanted = plan(assignment).files
    starter = assignment.starter_dir
    present = reference_files(starter) if starter.is_dir() else {}
    return sorted(name for name in set(wanted) | set(present) if wanted.get(name) != present.get(name))


def write(assignment: Assignment, out: Path | None = None) -> list[str]:
    """Write the generated starter to ``out`` (default ``starter/``), replacing what was there."""
    generated = plan(assignment)
    if not generated.markers:
        raise GraderError(f"{assignment.root.name}/reference has no solution markers, so the starter would be the "
                          "full solution; mark the answers with # BEGIN SOLUTION / # END SOLUTION or # SOLUTION")
    target = out or assignment.starter_dir
    staging = target.with_name(f".{target.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    for name, data in generated.files.items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return sorted(generated.files)
