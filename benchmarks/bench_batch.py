"""Marginal wall time per submission in one batch, next to a fresh ``import torch``.

Grades the bp-manual example ``correct`` N times in one batch (through the same
API as ``grader grade``) for a small and a large N; the marginal time is the
difference divided by the difference in N, so start-up (workers importing
torch, the reference run) is excluded. Run by hand:

    python benchmarks/bench_batch.py [--large 200] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import api  # noqa: E402


def fresh_import_torch() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


def batch(n: int, jobs: int, workdir: Path) -> float:
    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    source = ROOT / "submissions" / "bp-manual" / "correct"
    subs = workdir / f"subs-{n}-{jobs}"
    for i in range(n):
        shutil.copytree(source, subs / f"s{i:04d}")
    out = workdir / f"out-{n}-{jobs}"
    started = time.perf_counter()
    results = api.grade(assignment, sorted(subs.iterdir()), out, jobs=jobs, secret="bench")
    elapsed = time.perf_counter() - started
    assert all(r.score == r.max_score for r in results), "a copy of the correct submission lost points"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    torch_s = fresh_import_torch()
    print(f"fresh `python -c 'import torch'`: {torch_s * 1000:8.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in args.jobs:
            small = batch(args.small, jobs, Path(tmp))
            large = batch(args.large, jobs, Path(tmp))
            marginal = (large - small) / (args.large - args.small)
            print(f"--jobs {jobs}: {args.small} subs {small:6.2f} s, {args.large} subs {large:6.2f} s; "
                  f"marginal {marginal * 1000:6.1f} ms/submission "
                  f"({torch_s / marginal:5.1f}x faster than one fresh import torch)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"grader process peak RSS: {peak:.0f} MiB; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
