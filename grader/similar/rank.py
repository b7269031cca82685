"""Pairs ranked by evidence: code and numbers combined, cleared pairs left out, clusters found.

A pair's score is ``1 - (1 - code) · (1 - numbers)``, where ``code`` is the code similarity above
``code_floor`` rescaled to 0..1 (:func:`code_score`) and ``numbers`` the numeric evidence's score
(:func:`grader.similar.numbers.score`): either kind of evidence alone can carry
it, and the two together count for more than either (they are independent: rewriting code does
not change the numbers it returns). A pair is *flagged* at ``threshold`` and above. Flagged
pairs that link three or more students are one *cluster*.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError
from grader.similar import code, numbers
from grader.similar.code import Coded, CodeMatch
from grader.similar.numbers import Shared
from grader.similar.stored import Stored, load
from grader.similar.winnow import WINDOW, K


@dataclass(frozen=True)
class Options:
    """The thresholds, all with defaults that suit a class of tens to thousands (see ``grader similar --help``)."""

    threshold: float = 0.5      # flag a pair from this score
    min_score: float = 0.1      # list pairs from this score
    min_shared: int = 6         # code: fewer shared fingerprints are not evidence
    code_floor: float = 0.25    # code: the similarity independent solutions reach; the code score rescales above it
    common: float = 0.1         # code: fingerprints in more of the batch than this are not evidence
    max_share: float = 0.5      # numbers: wrong answers shared by more of the batch than this are not evidence
    rtol: float = 1e-6          # numbers: float noise between two equal wrong answers
    atol: float = 1e-9
    k: int = K
    window: int = WINDOW
    jobs: int | None = None


@dataclass
class Pair:
    """Two submissions and the evidence against them."""

    a: str
    b: str
    score: float
    flagged: bool
    code: CodeMatch | None
    numbers: list[Shared]

    def evidence(self) -> list[dict[str, object]]:
        return ([self.code.to_dict()] if self.code else []) + [s.to_dict() for s in self.numbers]

    def to_dict(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "score": round(self.score, 4), "flagged": self.flagged,
                "evidence": self.evidence()}


@dataclass
class Analysis:
    """The batch's ranked pairs and clusters, and what was compared (kept for the pair pages)."""

    assignment: str
    pairs: list[Pair]
    clusters: list[list[str]]
    stored: list[Stored]
    coded: dict[str, Coded] = field(default_factory=dict)
    evidence_hashes: set[int] = field(default_factory=set)
    cleared: int = 0
    options: Options = field(default_factory=Options)

    def to_dict(self) -> dict[str, object]:
        """``grader similar --json``: ``pairs`` sorted by score, highest first; then the clusters."""
        return {"pairs": [p.to_dict() for p in self.pairs], "clusters": [{"members": c} for c in self.clusters],
                "assignment": self.assignment, "submissions": len(self.stored), "cleared": self.cleared}


def read_cleared(path: Path) -> set[frozenset[str]]:
    """Pairs an instructor has cleared: one pair per line, two ids separated by a comma (CSV; ``a,b`` and
    ``b,a`` are the same pair); blank lines and lines starting with ``#`` are skipped, as is a header ``a,b``."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise GraderError(f"cannot read the cleared pairs in {path}: {exc.strerror or exc}") from None
    cleared: set[frozenset[str]] = set()
    for number, row in enumerate(csv.reader(line for line in lines if line.strip() and not line.lstrip().startswith("#")),
                                 start=1):
        ids = [cell.strip() for cell in row if cell.strip()]
        if ids[:2] == ["a", "b"] and number == 1:
            continue
        if len(ids) < 2:
            raise GraderError(f"{path}: a cleared pair needs two submission ids separated by a comma, got {row!r}")
        cleared.add(frozenset(ids[:2]))
    return cleared


def analyse(results: Path, assignment: str, starter: Path, options: Options | None = None,
            cleared: set[frozenset[str]] | None = None, warn: Callable[[str], None] = lambda _: None) -> Analysis:
    """Rank every pair of graded submissions of ``assignment`` in ``results`` by evidence."""
    options = options or Options()
    stored = load(results, assignment, warn)
    with_code = [s for s in stored if s.sources]
    coded_list = code.fingerprint_all(with_code, options.k, options.window, options.jobs)
    matrix, kept = code.evidence_prints(coded_list, code.starter_grams(starter, options.k), options.common)
    alike = code.Similarities(matrix, options.min_shared)
    code_pairs = {_ordered(with_code[i].id, with_code[j].id): match
                  for (i, j), match in alike.above(options.code_floor).items()}   # the only ones with code evidence
    cases = {(s.id, check): len(values) for s in stored for check, values in s.wrong.items()}
    numeric = numbers.shared_answers(numbers.answer_classes(stored, options.rtol, options.atol), cases,
                                     len(stored), options.max_share)
    row = {s.id: i for i, s in enumerate(with_code)}
    for key in numeric.keys() - code_pairs.keys():    # their code, shown beside the numbers even under the floor
        if key[0] in row and key[1] in row:
            match = alike.get(row[key[0]], row[key[1]])
            if match is not None:
                code_pairs[key] = match
    cleared = cleared or set()
    pairs = []
    dropped = 0
    for key in code_pairs.keys() | numeric.keys():
        if frozenset(key) in cleared:
            dropped += 1
            continue
        match, shared = code_pairs.get(key), numeric.get(key, [])
        value = float(1.0 - (1.0 - code_score(match, options.code_floor)) * (1.0 - numbers.score(shared)))
        if value >= options.min_score:
            pairs.append(Pair(key[0], key[1], value, value >= options.threshold, match, shared))
    pairs.sort(key=lambda p: (-round(p.score, 4), p.a, p.b))
    return Analysis(assignment, pairs, clusters([p for p in pairs if p.flagged]), stored,
                    {s.id: c for s, c in zip(with_code, coded_list)}, set(kept.tolist()), dropped, options)


def code_score(match: CodeMatch | None, floor: float) -> float:
    """The code evidence in 0..1: the similarity above ``floor`` (what independent solutions to one short
    assignment share: the equations dictate much of the code), rescaled to 0..1."""
    if match is None or match.similarity <= floor:
        return 0.0
    return (match.similarity - floor) / (1.0 - floor)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def clusters(flagged: list[Pair]) -> list[list[str]]:
    """Groups of three or more submissions linked by flagged pairs (connected components), largest first."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in flagged:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[str]] = {}
    for member in parent:
        groups.setdefault(root(member), []).append(member)
    return sorted((sorted(g) for g in groups.values() if len(g) >= 3), key=lambda g: (-len(g), g))
