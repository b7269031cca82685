"""Code evidence: how much of two submissions' own code is the same, after normalisation.

Fingerprints of the assignment's starter (every k-gram of it, not only the winnowed ones) are
removed from every submission first: the scaffold everyone was given is not evidence. So are
fingerprints in more than ``common`` of the batch (and at least :data:`COMMON_FLOOR` submissions):
what most students write alike. A pair's similarity is the Dice coefficient of what remains,
``2·|A∩B| / (|A| + |B|)`` (JPlag's average similarity), counted only from ``min_shared`` shared
fingerprints up. All pairs at once: one sparse product of the submission × fingerprint matrix.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from grader.normal_form import Tokens, from_forms, tokens
from grader.similar.stored import Stored
from grader.similar.winnow import Fingerprints, kgrams, winnow

COMMON_FLOOR = 10
PARALLEL_FROM = 64      # submissions: fewer are tokenised in this process


@dataclass(frozen=True)
class Coded:
    """A submission's tokens and fingerprints."""

    tokens: Tokens
    prints: Fingerprints


@dataclass(frozen=True)
class CodeMatch:
    """What a pair shares in code."""

    similarity: float     # Dice coefficient of the evidence fingerprints
    shared: int
    sizes: tuple[int, int]

    def to_dict(self) -> dict[str, object]:
        return {"kind": "code", "similarity": round(self.similarity, 4), "shared_fingerprints": self.shared,
                "fingerprints": list(self.sizes)}


def _coded(args: tuple[dict[str, str], list[tuple[str, str, list[int]]] | None, int, int]) -> Coded:
    sources, forms, k, window = args
    found = from_forms(forms) if forms is not None else tokens(sources)
    return Coded(found, winnow(found, k, window))


def fingerprint_all(stored: list[Stored], k: int, window: int, jobs: int | None = None) -> list[Coded]:
    """Tokens and fingerprints of every submission: from the normal form grading stored, else by tokenising
    its source (in worker processes when many need it: tokenising is the slow part)."""
    work = [(s.sources, s.forms, k, window) for s in stored]
    jobs = jobs or min(len(os.sched_getaffinity(0)), 8)
    if sum(1 for w in work if w[1] is None) < PARALLEL_FROM or jobs < 2:
        return [_coded(w) for w in work]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_coded, work, chunksize=max(1, len(work) // (jobs * 4))))


def starter_grams(starter: Path, k: int) -> set[int]:
    """Every k-gram hash of the assignment's starter files (``.py``), the fingerprints that are never evidence."""
    if not starter.is_dir():
        return set()
    texts = {str(p.relative_to(starter)): p.read_text(encoding="utf-8", errors="replace")
             for p in sorted(starter.rglob("*.py"))}
    grams: set[int] = set()
    for name, text in texts.items():
        grams.update(kgrams(tokens({name: text}).hashes, k).tolist())
    return grams


def evidence_prints(coded: list[Coded], excluded: set[int], common: float) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The submission × fingerprint incidence matrix over the fingerprints that are evidence, and those hashes."""
    per_sub = [np.unique(c.prints.hashes) for c in coded]
    all_hashes = np.concatenate(per_sub) if per_sub else np.zeros(0, dtype=np.uint64)
    values, inverse, counts = np.unique(all_hashes, return_inverse=True, return_counts=True)
    keep = counts <= max(COMMON_FLOOR, common * len(coded))
    if excluded:
        keep &= ~np.isin(values, np.fromiter(excluded, dtype=np.uint64, count=len(excluded)))
    rows = np.repeat(np.arange(len(coded)), [p.size for p in per_sub])
    chosen = keep[inverse]
    matrix = sparse.csr_matrix((np.ones(int(chosen.sum()), dtype=np.int32), (rows[chosen], inverse[chosen])),
                               shape=(len(coded), values.size))
    return matrix, values[keep]


class Similarities:
    """Every pair's shared evidence fingerprints (one sparse product), read pair by pair or above a floor."""

    def __init__(self, matrix: sparse.csr_matrix, min_shared: int) -> None:
        self.sizes = np.asarray(matrix.sum(axis=1)).ravel()
        self.product = sparse.triu(matrix @ matrix.T, k=1).tocsr()
        self.min_shared = min_shared

    def get(self, i: int, j: int) -> CodeMatch | None:
        """The match of rows ``i`` and ``j`` (None under ``min_shared`` fingerprints)."""
        i, j = min(i, j), max(i, j)
        shared = int(self.product[i, j])
        if shared < self.min_shared:
            return None
        return CodeMatch(2.0 * shared / (self.sizes[i] + self.sizes[j]), shared, (int(self.sizes[i]), int(self.sizes[j])))

    def above(self, floor: float) -> dict[tuple[int, int], CodeMatch]:
        """Every pair (i < j) of at least ``min_shared`` shared fingerprints and a similarity over ``floor``."""
        coo = self.product.tocoo()
        dice = 2.0 * coo.data / np.maximum(self.sizes[coo.row] + self.sizes[coo.col], 1)
        keep = (coo.data >= self.min_shared) & (dice > floor)
        return {(i, j): CodeMatch(float(d), int(n), (int(self.sizes[i]), int(self.sizes[j])))
                for i, j, n, d in zip(coo.row[keep].tolist(), coo.col[keep].tolist(), coo.data[keep].tolist(),
                                      dice[keep].tolist())}


def similarities(matrix: sparse.csr_matrix, min_shared: int) -> dict[tuple[int, int], CodeMatch]:
    """Every pair of rows (i < j) sharing at least ``min_shared`` evidence fingerprints, with its match."""
    return Similarities(matrix, min_shared).above(-1.0)
