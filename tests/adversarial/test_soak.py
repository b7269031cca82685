"""Soak: hundreds of submissions in one batch, honest ones mixed with attacks at random.

Every honest one must keep full marks, the grader's own memory must stay flat,
and nothing may be left behind.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from adversarial.attacks import ARENA_SPEC, ATTACKS, HONEST, REFERENCE
from adversarial.test_attacks import _sandbox_processes
from grader import api, spec

SOAK_SIZE = 300
# Attacks that need planted paths or ports, or that are slow by design, stay in test_attacks.
SKIP = {"tcp-connect", "udp-send", "read-reference", "read-other-submission", "overwrite-results",
        "overwrite-reference", "overwrite-package", "pickle-payload"}


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
def test_soak_of_hundreds_of_mixed_submissions(tmp_path: Path) -> None:
    folder = tmp_path / "arena"
    (folder / "reference").mkdir(parents=True)
    (folder / "assignment.yaml").write_text(ARENA_SPEC)
    (folder / "reference" / "work.py").write_text(REFERENCE)
    rng = random.Random(20261123)
    attacks = [a for a in ATTACKS if a.name not in SKIP]
    honest, paths = set(), []
    for i in range(SOAK_SIZE):
        target = tmp_path / "subs" / f"s{i:03d}"
        target.mkdir(parents=True)
        if rng.random() < 0.5:
            (target / "work.py").write_text(HONEST)
            honest.add(target.name)
        else:
            chosen = rng.choice(attacks)
            (target / "work.py").write_bytes(chosen.code.encode())
        paths.append(target)
    shm_before = set(Path("/dev/shm").glob(f"grader-{os.getpid()}-*"))
    samples: dict[int, float] = {}

    def sample(result) -> None:
        samples[len(samples) + 1] = _rss_mib()

    results = api.grade(spec.load(folder), paths, tmp_path / "out", jobs=2, secret="soak", progress=sample)
    assert len(results) == SOAK_SIZE
    by_id = {r.submission: r for r in results}
    assert all(by_id[name].score == 2.0 for name in honest), [n for n in honest if by_id[n].score != 2.0]
    growth = samples[SOAK_SIZE] - samples[100]
    print(f"\ngrader RSS after 100: {samples[100]:.1f} MiB, after {SOAK_SIZE}: {samples[SOAK_SIZE]:.1f} MiB")
    assert growth < 20, f"the grader's memory grew by {growth:.1f} MiB from 100 to {SOAK_SIZE} submissions"
    assert _sandbox_processes() == []
    assert set(Path("/dev/shm").glob(f"grader-{os.getpid()}-*")) - shm_before == set()
