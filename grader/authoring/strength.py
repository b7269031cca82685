"""Check strength: how many deliberately broken copies of the reference do the checks catch?

Every single-change mutant of the reference (see :mod:`grader.authoring.mutation`) is graded
like a submission, with one warm engine, so the reference runs once. A mutant is *caught*
when some check does not pass; *caught by hidden checks* when a hidden check does not (what a
student who hard-codes the public answers faces), or a check whose answer is held out even when
public (``train``: accuracy on test labels no submission sees), which cannot be hard-coded either. A survivor is a gap in the checks or a
mutant that cannot be told apart from the reference (``x > 0`` → ``x >= 0`` where x is never
0): an instructor records the latter, with the reason, in ``strength.yaml`` beside the spec::

    equivalent:
      "swap arguments: `loss(o, y)` → `loss(y, o)`": the difference is squared
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import yaml

from grader.authoring.markers import has_markers
from grader.authoring.mutation import Mutant, enumerate_mutants, mutate
from grader.errors import GraderError
from grader.spec import Assignment
from grader.submission import read

REVIEW_FILE = "strength.yaml"


@dataclass
class MutantVerdict:
    """What grading one mutant showed."""

    mutant: Mutant
    caught: bool
    caught_hidden: bool
    score: float
    failing: list[str]
    diff: str = ""
    equivalent: str | None = None     # the instructor's reason, when reviewed as equivalent


@dataclass
class Strength:
    """An assignment's mutation score and its survivors."""

    assignment: str
    mutants_graded: list[MutantVerdict] = field(default_factory=list)
    seconds: float = 0.0
    sampled_from: int = 0

    @property
    def total(self) -> int:
        return len(self.mutants_graded)

    @property
    def caught(self) -> int:
        return sum(v.caught for v in self.mutants_graded)

    @property
    def caught_hidden(self) -> int:
        return sum(v.caught_hidden for v in self.mutants_graded)

    @property
    def equivalent(self) -> int:
        return sum(1 for v in self.mutants_graded if not v.caught and v.equivalent)

    @property
    def survivors(self) -> list[MutantVerdict]:
        return [v for v in self.mutants_graded if not v.caught]

    @property
    def public_only(self) -> list[MutantVerdict]:
        """Caught, but by public checks alone: hard-coding the public answers would get it past the hidden ones."""
        return [v for v in self.mutants_graded if v.caught and not v.caught_hidden]

    def rate(self, which: str = "caught") -> float:
        """Fraction caught (``caught``), caught by hidden checks (``hidden``), or the same among the
        mutants not reviewed as equivalent (``rest``, ``hidden-rest``)."""
        rest = self.total - self.equivalent
        if which == "hidden":
            return self.caught_hidden / self.total if self.total else 0.0
        if which == "rest":
            return self.caught / rest if rest else 1.0
        if which == "hidden-rest":
            return self.caught_hidden / rest if rest else 1.0
        return self.caught / self.total if self.total else 0.0


def reviewed_equivalents(assignment: Assignment) -> dict[str, str]:
    """The survivors an instructor reviewed as equivalent (``strength.yaml``), description -> reason."""
    path = assignment.root / REVIEW_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise GraderError(f"{path}: not valid YAML ({exc}); fix it or delete it") from None
    equivalent = data.get("equivalent", {}) if isinstance(data, dict) else None
    if not isinstance(equivalent, dict):
        raise GraderError(f"{path}: expected `equivalent:` mapping each survivor's description to a reason")
    return {str(k): str(v) for k, v in equivalent.items()}


def marked_elsewhere(files: dict[str, bytes], named: list[str]) -> dict[str, tuple[str, set[int]]]:
    """Reference .py files the spec does not name (a package the student writes, e.g. dezero/) that
    hold solution markers: their text and the lines inside the markers, the code students write."""
    found: dict[str, tuple[str, set[int]]] = {}
    for name in sorted(files):
        if name in named or not name.endswith(".py"):
            continue
        text = files[name].decode("utf-8-sig", errors="replace")
        if not has_markers(text):
            continue
        lines, inside = set(), False
        for number, line in enumerate(text.splitlines(), 1):
            if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                inside = "BEGIN SOLUTION" in line
            elif inside or line.rstrip().endswith("# SOLUTION"):
                lines.add(number)
        found[name] = (text, lines)
    return found


def measure(assignment: Assignment, engine: object, *, limit: int = 400, seed: int = 0, jobs: int = 1,
            progress: Callable[[int, int], None] | None = None) -> Strength:
    """Grade every mutant of ``assignment``'s reference (at most ``limit``, sampled) with ``engine``."""
    import time

    started = time.perf_counter()
    prepared = engine.prepare(assignment)  # type: ignore[attr-defined]
    reference = read(assignment.reference_dir, assignment.spec.files)
    baseline = engine.grade(prepared, reference)  # type: ignore[attr-defined]
    if baseline.score < assignment.max_score - baseline.pending_points:  # manual checks wait for an instructor
        failing = ", ".join(f"{c.id} ({c.message[:80]})" for c in baseline.checks if c.status != "passed")
        raise GraderError(f"the reference of {assignment.name} scores {baseline.score:g}/{assignment.max_score:g} "
                          f"({failing}); run `grader validate` and fix it first")
    sources = {name: reference.files[name].decode("utf-8-sig") for name in assignment.spec.files if name.endswith(".py")}
    mutants = [m for name, text in sources.items() for m in enumerate_mutants(name, text)]
    for name, (text, lines) in marked_elsewhere(reference.files, assignment.spec.files).items():
        sources[name] = text
        mutants += [m for m in enumerate_mutants(name, text) if m.line in lines]
    found = len(mutants)
    if len(mutants) > limit:
        mutants = sorted(random.Random(seed).sample(mutants, limit), key=lambda m: (m.file, m.index, m.variant))
    reviewed = reviewed_equivalents(assignment)
    from grader.checks import CHECKS
    held = {c.id for c in assignment.checks if c.visibility == "hidden" or CHECKS[c.kind].held_out}
    done = [0]

    def grade(mutant: Mutant) -> MutantVerdict | None:
        text = mutate(sources[mutant.file], mutant)
        if text is None:
            return None
        files = {**reference.files, mutant.file: text.encode()}
        result = engine.grade(prepared, dataclasses.replace(reference, id="mutant", files=files))  # type: ignore[attr-defined]
        failing = [c.id for c in result.checks if c.status not in ("passed", "pending")]
        hidden = [c.id for c in result.checks if c.status not in ("passed", "pending") and c.id in held]
        done[0] += 1
        if progress:
            progress(done[0], len(mutants))
        return MutantVerdict(mutant, bool(failing) or result.score < baseline.score, bool(hidden), result.score, failing,
                       _diff(sources[mutant.file], text, mutant.file), reviewed.get(mutant.description))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        mutants_graded = [v for v in pool.map(grade, mutants) if v is not None]
    return Strength(assignment.name, mutants_graded, time.perf_counter() - started, found)


def _diff(original: str, mutated: str, name: str) -> str:
    """A unified diff of the normalised sources (comments and layout are not part of a mutant)."""
    before = ast.unparse(ast.parse(original)).splitlines()
    after = mutated.splitlines()
    return "\n".join(difflib.unified_diff(before, after, f"reference/{name}", f"mutant/{name}", n=1, lineterm=""))
