"""Numeric evidence: the same wrong answers on the secret inputs.

Every student's code runs on the same hidden inputs, so correct answers agree for everyone and
say nothing; a wrong answer is the fingerprint of a bug. Per hidden check, submissions whose
wrong values agree (same cases wrong, every value equal within ``rtol``/``atol``: float noise,
not a near miss) form an *answer class*. Sharing one is evidence in proportion to its rarity:
``log2((n - 1) / (k - 1))`` bits for a class of ``k`` among ``n`` graded submissions (the odds
against one other student, picked at random, having that exact answer), so a wrong answer half the
class shares is worth about one bit and one only two students share is worth ``log2(n - 1)``.
Classes larger than ``max_share`` of the batch are not evidence at all (a classic mistake).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from grader.redaction import WrongValue
from grader.similar.stored import Stored

BITS_PER_HALF = 4.0     # a pair's numeric score is 0.5 at this many bits (1 - 2 ** -(bits / BITS_PER_HALF))


@dataclass(frozen=True)
class Shared:
    """One hidden check on which a pair returned the same wrong values."""

    check: str
    cases: int          # how many cases were wrong, alike in both
    members: int        # k: submissions in this answer class
    graded: int         # n: submissions graded
    bits: float

    def to_dict(self) -> dict[str, object]:
        return {"kind": "numbers", "check": self.check, "cases": self.cases, "shared_by": self.members,
                "graded": self.graded, "bits": round(self.bits, 2)}


def _vector(values: list[WrongValue]) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
    key = tuple((v.case, v.n) for v in values)
    numbers = [float(x) for v in values for x in (*v.values, v.sum)]
    return key, np.array(numbers, dtype=np.float64)


def answer_classes(stored: list[Stored], rtol: float, atol: float) -> dict[str, list[list[str]]]:
    """Per hidden check, the groups of two or more submissions whose wrong values agree."""
    by_check: dict[str, dict[tuple[tuple[int, int], ...], list[tuple[str, np.ndarray]]]] = {}
    for sub in stored:
        for check, values in sub.wrong.items():
            key, vector = _vector(values)
            by_check.setdefault(check, {}).setdefault(key, []).append((sub.id, vector))
    classes: dict[str, list[list[str]]] = {}
    for check, groups in sorted(by_check.items()):
        found = [members for group in groups.values() for members in _cluster(group, rtol, atol) if len(members) > 1]
        if found:
            classes[check] = found
    return classes


def _cluster(group: list[tuple[str, np.ndarray]], rtol: float, atol: float) -> list[list[str]]:
    """Greedy: each vector joins the first class whose first member it agrees with."""
    heads: list[np.ndarray] = []
    members: list[list[str]] = []
    for sub_id, vector in group:
        if heads:
            stack = np.stack(heads)
            close = np.isclose(stack, vector, rtol=rtol, atol=atol, equal_nan=True).all(axis=1)
            hit = int(np.argmax(close)) if close.any() else -1
        else:
            hit = -1
        if hit < 0:
            heads.append(vector)
            members.append([sub_id])
        else:
            members[hit].append(sub_id)
    return members


def shared_answers(classes: dict[str, list[list[str]]], cases: dict[tuple[str, str], int], graded: int,
                   max_share: float) -> dict[tuple[str, str], list[Shared]]:
    """Per pair (ids in order), the answer classes it shares, rarest first."""
    pairs: dict[tuple[str, str], list[Shared]] = {}
    for check, groups in classes.items():
        for members in groups:
            k = len(members)
            if k > max(2, max_share * graded):
                continue
            bits = math.log2(max(graded - 1, 1) / (k - 1))
            for a, b in combinations(sorted(members), 2):
                pairs.setdefault((a, b), []).append(Shared(check, cases[(a, check)], k, graded, bits))
    for found in pairs.values():
        found.sort(key=lambda s: (-s.bits, s.check))
    return pairs


def bits(shared: list[Shared]) -> float:
    """The pair's numeric evidence in bits: the strongest shared answer counts whole, the next half, the next a
    quarter... (one bug often makes several checks wrong together, so they are not independent evidence)."""
    return sum(s.bits * 0.5 ** i for i, s in enumerate(sorted(shared, key=lambda s: -s.bits)))


def score(shared: list[Shared]) -> float:
    """``bits`` as a score in 0..1 (0.5 at :data:`BITS_PER_HALF` bits)."""
    return 1.0 - 2.0 ** (-bits(shared) / BITS_PER_HALF) if shared else 0.0
