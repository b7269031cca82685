"""Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003), the fingerprinting MOSS, JPlag-like
tools and Dolos use: hash every run of ``k`` normalised tokens, keep the smallest hash of every
window of ``w`` consecutive ones. Any match of at least ``k + w - 1`` tokens shares a fingerprint
(the guarantee the algorithm proves); matches shorter than ``k`` tokens never do, so common short
idioms are noise the method ignores by construction. Positions are kept, so matches can be aligned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.normal_form import Tokens

K = 12          # tokens per k-gram: a statement or two of normalised code
WINDOW = 8      # a match of K + WINDOW - 1 = 19 tokens or more is always found
_BASE = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Fingerprints:
    """A submission's selected k-gram hashes and where each k-gram starts (a token index)."""

    hashes: np.ndarray        # uint64, one per selected position
    positions: np.ndarray     # int64, ascending


def kgrams(hashes: np.ndarray, k: int = K) -> np.ndarray:
    """The hash of every run of ``k`` token hashes (arithmetic wraps modulo 2**64, on purpose)."""
    count = hashes.size - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        grams = np.zeros(count, dtype=np.uint64)
        for j in range(k):
            grams = grams * _BASE + hashes[j:j + count]
        grams ^= grams >> np.uint64(29)
        grams *= _MIX
        grams ^= grams >> np.uint64(32)
    return grams


def winnow(tokens: Tokens, k: int = K, window: int = WINDOW) -> Fingerprints:
    """The fingerprints of ``tokens``: the smallest k-gram hash of every window (each position once)."""
    grams = kgrams(tokens.hashes, k)
    if grams.size == 0:
        return Fingerprints(grams, np.zeros(0, dtype=np.int64))
    if grams.size <= window:
        chosen = np.array([int(np.argmin(grams))])
    else:
        views = np.lib.stride_tricks.sliding_window_view(grams, window)
        chosen = np.unique(np.argmin(views, axis=1) + np.arange(views.shape[0]))
    return Fingerprints(grams[chosen], chosen.astype(np.int64))
