"""Judging: a run's evaluations into check verdicts, and the verdicts into one :class:`Result`.

Each check kind judges plain data (the child's decoded values against the reference's); a
run that failed before a check could be judged becomes that check's verdict in words
(:mod:`grader.explain`), with the signal that ended it when one did. Hidden checks'
details are redacted here, before they reach a result; what redaction cut is returned beside
the checks as an :class:`~grader.redaction.InstructorRecord`, never inside the result.
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import grader
from grader import normal_form
from grader.checks import CHECKS
from grader.checks.base import CheckSpec, Evaluation, JudgeContext, Verdict
from grader.engine import evidence, forms
from grader.engine.prepare import Prepared
from grader.explain import describe, explain, explain_load
from grader.redaction import InstructorCheck, InstructorRecord, WrongValue, redact
from grader.results import CheckResult, Result, total
from grader.sandbox.session import Run
from grader.spec import Assignment, SandboxSpec
from grader.submission import Submission


def judge(prepared: Prepared, submission: Submission, run: Run) -> tuple[list[CheckResult], InstructorRecord]:
    """One verdict per check of the assignment, in the spec's order (hidden ones redacted), and the
    hidden checks' unredacted details for instructors."""
    results = []
    kept = []
    for check in prepared.assignment.checks:
        indices = [i for i, t in enumerate(prepared.tasks) if t.check_id == check.id]
        verdict, signal = _verdict(prepared, submission, run, check, indices)
        found = found_text([run.evaluations[i] for i in indices])
        if found:   # roles: say how the child found what the submission names its own way
            verdict.details = {**verdict.details, "found": found}
        full = CheckResult(
            id=check.id, kind=check.kind, visibility=check.visibility, status=verdict.status,
            score=round(check.points * verdict.score_fraction, 4), max_score=check.points,
            message=verdict.message, title=check.title or check.id, description=describe(check),
            details=verdict.details, signal=signal,
        )
        results.append(redact(full))
        wrong = _wrong_values(prepared, run, check, indices, verdict)
        if (check.visibility != "public" and (verdict.details or wrong)) or results[-1].details != full.details:
            kept.append(InstructorCheck(id=check.id, details=full.details, wrong_values=wrong))   # (a rubric too)
    sources = evidence.sources(submission)
    return forms.keep(prepared.assignment, results, InstructorRecord(
        submission=submission.id, checks=kept, sources=sources, normal_form=evidence.normal_form(sources),
        normal_form_version=normal_form.VERSION))


def _wrong_values(prepared: Prepared, run: Run, check: CheckSpec, indices: list[int],
                  verdict: Verdict) -> list[WrongValue]:
    """A hidden check's wrong values on its cases, for ``grader similar`` (none when it passed)."""
    if check.visibility == "public" or verdict.status in ("passed", "skipped", "pending") or not indices:
        return []
    tolerance = prepared.assignment.spec.tolerance
    return evidence.wrong_values([run.evaluations[i] for i in indices], [prepared.expected[i] for i in indices],
                                 tolerance.rtol, tolerance.atol)


def _verdict(prepared: Prepared, submission: Submission, run: Run, check: CheckSpec,
             indices: list[int]) -> tuple[Verdict, str | None]:
    """What the check concludes, and the signal that ended the run before it could be judged, if one did."""
    assignment = prepared.assignment
    got = [run.evaluations[i] for i in indices]
    failed = next((e for e in got if not e.ok), None)
    if run.load_error is not None and indices:
        # step "import" (allowed for hidden checks too): the report shows one banner, not one card each
        return Verdict(run.load_error.status or "error", 0.0, explain_load(run.load_error, assignment, _own_files(assignment, submission)),
                       {"step": "import", **_traceback(run.load_error)}), run.load_error.signal
    if failed is not None:
        return Verdict(failed.status or "error", 0.0,
                       explain(failed, check, got.index(failed), len(got), assignment.spec.sandbox.memory_mb),
                       _traceback(failed)), failed.signal
    named = {k: v for k, v in submission.files.items() if k in assignment.spec.files}
    ctx = JudgeContext(got=got, expected=[prepared.expected[i] for i in indices],
                       inputs=prepared.case_inputs.get(check.id, []), files=named,
                       default_rtol=assignment.spec.tolerance.rtol, default_atol=assignment.spec.tolerance.atol,
                       harness=prepared.harness.get(check.id), assignment=assignment, every_file=submission.files)
    try:
        return _in_own_names(CHECKS[check.kind].judge(check, ctx), submission), None
    except Exception as exc:  # noqa: BLE001 - a judging bug must not lose the batch
        return Verdict("error", 0.0, f"the grader could not judge this check ({type(exc).__name__}: {exc})"), None


def _in_own_names(verdict: Verdict, submission: Submission) -> Verdict:
    """A verdict whose message and listed findings (``source``: ``file:line: ...``) name the student's own files."""
    if not submission.names:
        return verdict
    details = dict(verdict.details)
    if isinstance(details.get("violations"), list):
        details["violations"] = [submission.in_own_names(v) if isinstance(v, str) else v for v in details["violations"]]
    return dataclasses.replace(verdict, message=submission.in_own_names(verdict.message), details=details)


def found_text(evaluations: list[Evaluation]) -> str | None:
    """How each role a check's calls used was found (grader.roles), one clause per role."""
    seen: dict[str, str] = {}
    for evaluation in evaluations:
        seen.update(evaluation.found or {})
    return "; ".join(seen.values()) or None


def _own_files(assignment: Assignment, submission: Submission) -> str:
    """The student's own names for the assignment's .py files."""
    return ", ".join(submission.own_name(f) for f in assignment.spec.files if f.endswith(".py"))


def _traceback(failed: Evaluation) -> dict[str, Any]:
    return {"traceback": failed.traceback} if failed.traceback else {}


def graded_result(prepared: Prepared, submission: Submission, run: Run, checks: list[CheckResult],
                  sandbox: dict[str, Any], started: float) -> Result:
    """The result of a submission that ran: its checks' verdicts and how the sandbox held it."""
    assignment = prepared.assignment
    return Result(
        assignment=assignment.name, submission=submission.id, status="graded",
        score=total(checks), max_score=forms.max_score(assignment, checks), checks=checks,
        sandbox=sandbox, timing={"wall_s": round(time.perf_counter() - started, 4)},
        grader_version=grader.__version__, spec_hash=assignment.spec_hash, submission_hash=submission.hash,
        output=run.output, notes=[*submission.notes, *run.notes, *forms.note(assignment, checks)],
    )


def error_result(assignment: Assignment, sub_id: str, sub_hash: str, message: str, started: float,
                 insecure: bool) -> Result:
    """The result of a submission that could not be graded at all: every check an error with ``message``."""
    checks = [CheckResult(id=c.id, kind=c.kind, visibility=c.visibility, status="error", score=0.0, max_score=c.points,
                          message=message, title=c.title or c.id, description=describe(c)) for c in assignment.checks]
    return Result(assignment=assignment.name, submission=sub_id, status="error", score=0.0,
                  max_score=assignment.max_score, checks=checks, sandbox={"layers": [], "insecure": insecure},
                  timing={"wall_s": round(time.perf_counter() - started, 4)}, grader_version=grader.__version__,
                  spec_hash=assignment.spec_hash, submission_hash=sub_hash, message=message)


def sandbox_record(*, child_layers: list[str], box: str, limits: SandboxSpec, mechanisms: dict[str, str | None],
                   namespaces: list[str], private_shm: bool, insecure: bool) -> dict[str, Any]:
    """``result.json``'s ``sandbox``: the layers that held this run, by what mechanism, within which limits."""
    layers: list[str] = [name for name in ("lifecycle", "resources") if name in child_layers]
    if "network-namespace" in namespaces or "seccomp" in child_layers:
        layers.append("network")
    layers += [name for name in ("filesystem", "uid", "seccomp") if name in child_layers]
    if os.geteuid() != 0 and "uid" not in layers:
        layers.append("uid")
    used: dict[str, Any] = {k: v for k, v in mechanisms.items() if k in layers}
    used["disk"] = (f"private tmpfs, {limits.disk_mb} MiB, {limits.max_files} files" if box == "tmpfs"
                    else f"directory, {limits.max_file_mb} MiB per file")
    if private_shm:
        used["disk"] += f"; private /dev/shm, {limits.shm_mb} MiB"
    return {"layers": layers, "mechanisms": used, "namespaces": namespaces, "insecure": insecure}
