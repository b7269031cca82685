"""Matching regions of a pair: shared fingerprints turned into aligned spans of lines.

Each shared fingerprint places a k-gram in both submissions; consecutive ones that advance
together in both (the same code, in the same order) merge into one region, so a copied
function becomes one highlighted block on each side even when the functions were reordered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.normal_form import Tokens
from grader.similar.winnow import Fingerprints


@dataclass(frozen=True)
class Span:
    """Lines ``first``..``last`` (1-based, inclusive) of one file."""

    file: str
    first: int
    last: int


@dataclass(frozen=True)
class Region:
    """One matching block: where it is in ``a`` and in ``b``, and how many tokens it covers in ``a``."""

    a: list[Span]
    b: list[Span]
    tokens: int


def regions(a: tuple[Tokens, Fingerprints], b: tuple[Tokens, Fingerprints], evidence: set[int], k: int) -> list[Region]:
    """The matching regions of two submissions over the fingerprints in ``evidence``, largest first."""
    (tokens_a, prints_a), (tokens_b, prints_b) = a, b
    where_b: dict[int, list[int]] = {}
    for value, position in zip(prints_b.hashes.tolist(), prints_b.positions.tolist()):
        if value in evidence:
            where_b.setdefault(value, []).append(position)
    runs: list[list[tuple[int, int]]] = []
    for value, pa in zip(prints_a.hashes.tolist(), prints_a.positions.tolist()):
        if value not in where_b:
            continue
        last = runs[-1][-1] if runs else None
        following = [pb for pb in where_b[value] if last is not None and 0 < pb - last[1] <= 2 * k and pa - last[0] <= 2 * k]
        if following:
            runs[-1].append((pa, following[0]))
        else:
            runs.append([(pa, where_b[value][0])])
    found = [Region(_spans(tokens_a, run[0][0], run[-1][0] + k - 1), _spans(tokens_b, run[0][1], run[-1][1] + k - 1),
                    run[-1][0] + k - run[0][0]) for run in runs]
    return sorted(found, key=lambda region: -region.tokens)


def _spans(tokens: Tokens, start: int, end: int) -> list[Span]:
    """Token indices ``start``..``end`` as line spans, one per file they cross."""
    end = min(end, len(tokens) - 1)
    files = tokens.files[start:end + 1]
    lines = tokens.lines[start:end + 1]
    spans = []
    for index in np.unique(files).tolist():
        mine = lines[files == index]
        spans.append(Span(tokens.names[index], int(mine.min()), int(mine.max())))
    return spans
