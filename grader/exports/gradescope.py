"""Gradescope: ``results.json`` as its autograder specification describes it, and the
autograder zip (``setup.sh`` + ``run_autograder``) that produces it.

The fields written are the documented ones (gradescope-autograders.readthedocs.io,
"Autograder Specifications"): at the top level ``score``, ``execution_time``,
``output``, ``output_format``, ``test_output_format``, ``test_name_format``,
``visibility``, ``stdout_visibility`` and ``tests``; per test ``name``, ``score``,
``max_score``, ``status`` (``passed``/``failed``), ``output`` and ``visibility``.
A manual check still awaiting the instructor (``pending``) has no ``status`` (it
neither passed nor failed), 0 points and an output saying so.
All text is declared ``text`` so nothing a submission printed is rendered as
HTML or Markdown. Public checks are ``visible``; hidden checks are
``after_published`` (students see them once the instructor publishes grades).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import grader
from grader import late
from grader.exports import check_name, plain, score_text
from grader.includes import SPEC_FILE, flatten
from grader.redaction import student_details
from grader.results import CheckResult, Result, write_atomic

VISIBILITY = {"public": "visible", "hidden": "after_published"}
MAX_TEST_OUTPUT = 8_000
MAX_OUTPUT = 16_000
FORMATS = ("text", "html", "simple_format", "md", "ansi")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _test_output(check: CheckResult) -> str:
    lines = [plain(check.message)]
    details = student_details(check.visibility, check.details)
    for key, label in (("prompt", "Question"), ("rubric", "Rubric")):
        if isinstance(details.get(key), str) and details[key].strip():
            lines.append(f"{label}: {plain(details[key])}")
    if check.visibility == "public":
        if "expected_at_worst" in details and "got_at_worst" in details:
            where = details.get("worst_index")
            at = f" at [{', '.join(map(str, where))}]" if where else ""
            lines.append(f"Expected{at}: {details['expected_at_worst']}; your code: {details['got_at_worst']}")
        for key in ("shape", "dtype", "type"):
            if f"expected_{key}" in details and f"got_{key}" in details:
                lines.append(f"Expected {key}: {details[f'expected_{key}']}; your code: {details[f'got_{key}']}")
        if isinstance(details.get("traceback"), str) and details["traceback"].strip():
            lines.append("\n" + plain(details["traceback"], 4000).rstrip())
    if isinstance(details.get("wrong"), list) and details["wrong"]:
        lines.append("Wrong: " + ", ".join(map(str, details["wrong"])))
    if check.description:
        lines.append(f"\nWhat this check proves: {plain(check.description)}")
    return plain("\n".join(lines), MAX_TEST_OUTPUT)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def to_gradescope(result: Result, *, stdout_visibility: str = "hidden") -> dict[str, Any]:
    """The Gradescope ``results.json`` object for one graded submission."""
    if stdout_visibility not in VISIBILITIES:
        raise ValueError(f"stdout_visibility must be one of {', '.join(VISIBILITIES)}")
    return {
        "score": _number(result.score),
        "execution_time": math.ceil(_number(result.timing.get("wall_s"))),
        "output": plain("\n".join(_summary(result)), MAX_OUTPUT),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "tests": [_test(check) for check in result.checks],
    }


def _test(check: CheckResult) -> dict[str, Any]:
    test = {
        "name": plain(check_name(check), 200),
        "score": _number(check.score),
        "max_score": _number(check.max_score),
        "status": "passed" if check.status == "passed" else "failed",
        "output": _test_output(check),
        "visibility": VISIBILITY.get(check.visibility, "after_published"),
    }
    if check.status == "pending":
        del test["status"]
    return test


def _summary(result: Result) -> list[str]:
    """The lines of the submission's overall output."""
    checks = result.checks
    passed = sum(1 for c in checks if c.status == "passed")
    summary = [f"{result.assignment}: {score_text(_number(result.score))} / "
               f"{score_text(_number(result.max_score))} points; {passed} of {len(checks)} checks passed."]
    if result.late is not None and result.late.days_late:
        # score is already the penalised total; the tests' points add up to the score before the penalty
        summary.append(late.describe(result.late, _number(result.max_score)))
    pending = sum(1 for c in checks if c.status == "pending")
    if pending:
        summary.append(f"{pending} check{'s' if pending != 1 else ''} await{'' if pending != 1 else 's'} grading by the "
                       "instructor (0 points until then).")
    hidden = sum(1 for c in checks if c.visibility != "public")
    if hidden:
        summary.append(f"{hidden} hidden check{'s' if hidden != 1 else ''} ran on inputs only the grader knows; "
                       "they are shown once grades are published.")
    if result.status == "error":
        summary.append(f"Your submission could not be graded: {plain(result.message)}")
    if result.flags:
        summary.append("Problems: " + ", ".join(result.flags) + ".")
    return summary


def write_gradescope(result: Result, path: Path, **options: Any) -> Path:
    text = json.dumps(to_gradescope(result, **options), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if str(path) == "-":
        print(text, end="")
    else:
        write_atomic(Path(path), text)
    return path


# ---------------------------------------------------------------- the zip
SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip python3-venv
python3 -m venv /opt/grader
/opt/grader/bin/pip install --upgrade pip
# torch first, CPU wheels (no CUDA download), pinned to the version the assignment was validated with.
/opt/grader/bin/pip install {torch_spec} --index-url https://download.pytorch.org/whl/cpu
/opt/grader/bin/pip install /autograder/source/grader-src
/opt/grader/bin/grader --version
/opt/grader/bin/grader doctor || true   # which sandbox layers this image offers (shown in the build log)
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade it, then write results/results.json.
# AUTOGRADER_ROOT lets the same script run outside Gradescope (for testing the bundle).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
GRADER="${{GRADER_BIN:-/opt/grader/bin/grader}}"
OUT="$ROOT/results/grader"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
"$GRADER" grade "$ROOT/source/assignment" "$ROOT/submission" --out "$OUT" --jobs 1{grade_flags}
status=$?
if [ ! -f "$OUT/submission/result.json" ]; then
  echo "grader could not grade this submission (exit status $status)" >&2
  exit 1
fi
"$GRADER" export gradescope "$OUT/submission/result.json" --out "$ROOT/results/results.json"
"""


def _executable(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    return info


def _add_tree(bundle: zipfile.ZipFile, folder: Path, prefix: str, replace: dict[str, str] | None = None) -> list[str]:
    """Add ``folder``'s files under ``prefix``; ``replace`` gives other contents for some (by relative path)."""
    replace = replace or {}
    added = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in ("__pycache__", ".git", ".pytest_cache") or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and not path.is_symlink() and path.suffix not in (".pyc", ".pyo"):
            name = f"{prefix}/{rel.as_posix()}"
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, replace[rel.as_posix()].encode() if rel.as_posix() in replace else path.read_bytes())
            added.append(name)
    return added


def _pyproject() -> str:
    """The project's pyproject.toml when this grader runs from a checkout; else a minimal one
    with the installed grader's name, version and dependencies."""
    project = Path(grader.__file__).resolve().parent.parent / "pyproject.toml"
    try:
        text = project.read_text(encoding="utf-8")
        if re.search(r'^name\s*=\s*"grader"', text, re.M):
            return text
    except OSError:
        pass
    try:
        requires = [r for r in (metadata.requires("grader") or []) if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        requires = ["click>=8.1", "pyyaml>=6.0", "jinja2>=3.1", "numpy>=1.24", "pydantic>=2.5", "nbformat>=5.9",
                    "matplotlib>=3.7", "torch"]
    deps = ",\n".join(f"    {json.dumps(r)}" for r in requires)
    return (f'[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "grader"\nversion = "{grader.__version__}"\nrequires-python = ">=3.10"\n'
            f'dependencies = [\n{deps}\n]\n\n[project.scripts]\ngrader = "grader.cli:run"\n\n'
            f'[tool.setuptools.packages.find]\ninclude = ["grader*"]\n\n'
            f'[tool.setuptools.package-data]\ngrader = ["report/templates/*.j2", "report/templates/*.js"]\n')


def torch_requirement() -> str:
    try:
        version = metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        return "torch"
    return f"torch=={version}"


def build_bundle(assignment_root: Path, out: Path, *, torch_spec: str | None = None, insecure: bool = False) -> list[str]:
    """Write Gradescope's autograder zip for the assignment folder; returns the names in it.

    The zip holds ``setup.sh`` and ``run_autograder`` at its root, the assignment
    folder under ``assignment/`` (spec, reference, hidden files; never sent to a
    sandbox) and this grader's own source under ``grader-src/``. A spec that
    ``include:``s another goes in with the included specs merged into it.
    """
    package = Path(grader.__file__).resolve().parent
    flags = " --insecure" if insecure else ""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name, text in (("setup.sh", SETUP_SH.format(torch_spec=torch_spec or torch_requirement())),
                               ("run_autograder", RUN_AUTOGRADER.format(grade_flags=flags))):
                info = _executable(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)))
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, text)
            names = ["setup.sh", "run_autograder"]
            flat = flatten(Path(assignment_root) / SPEC_FILE)   # the included specs are not in the zip
            names += _add_tree(bundle, Path(assignment_root), "assignment", {SPEC_FILE: flat} if flat else None)
            names += _add_tree(bundle, package, "grader-src/grader")
            readme = package.parent / "README.md"
            extra = {"pyproject.toml": _pyproject(), "README.md": readme.read_text(encoding="utf-8") if readme.is_file() else "grader\n"}
            for name, text in extra.items():
                info = zipfile.ZipInfo(f"grader-src/{name}", date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, text)
                names.append(f"grader-src/{name}")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return names
