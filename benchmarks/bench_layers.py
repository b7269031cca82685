"""What each sandbox layer costs per submission.

Grades copies of the bp-manual `correct` submission with one worker, first with
every layer, then with one layer switched off at a time, then with none, and
prints the marginal time per submission of each next to the full sandbox's.
Run by hand: python benchmarks/bench_layers.py [--n 80]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import api  # noqa: E402
from grader.engine import Engine  # noqa: E402
from grader.sandbox import runner  # noqa: E402

CONFIGS: dict[str, dict] = {
    "all layers": {},
    "no seccomp": {"plan": {"use_seccomp": False}},
    "no Landlock": {"plan": {"use_landlock": False}},
    "no uid drop": {"plan": {"uid": None, "keep_read_search": False}},
    "no memory cgroup": {"plan": {"memory_cgroup": False}},
    "no namespaces/tmpfs": {"namespaces": False},
    "no layers but rlimits": {"plan": {"use_seccomp": False, "use_landlock": False, "uid": None, "keep_read_search": False,
                                       "memory_cgroup": False},
                              "namespaces": False},
}


def per_submission(config: dict, n: int) -> float:
    original = runner.plan
    if "plan" in config:
        runner.plan = lambda *a, **k: dataclasses.replace(original(*a, **k), **config["plan"])  # type: ignore[assignment]
    try:
        assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
        with Engine(1, secret="bench", require=[], namespaces=config.get("namespaces", True)) as engine:
            prepared = engine.prepare(assignment)
            sub = ROOT / "submissions" / "bp-manual" / "correct"
            for _ in range(5):
                engine.grade(prepared, sub)
            times = []
            for _ in range(n):
                started = time.perf_counter()
                result = engine.grade(prepared, sub)
                times.append(time.perf_counter() - started)
                assert result.score == result.max_score
            return statistics.median(times)
    finally:
        runner.plan = original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=80)
    args = parser.parse_args()
    base = None
    measured = {name: [] for name in CONFIGS}
    for _ in range(2):  # two passes in turn; the minimum filters out warm-up and noise
        for name, config in CONFIGS.items():
            measured[name].append(per_submission(config, args.n))
    for name in CONFIGS:
        seconds = min(measured[name])
        base = base or seconds
        print(f"{name:24} {seconds * 1000:7.1f} ms/submission (median of {args.n}, one worker)  "
              f"{'' if seconds == base else f'layers removed save {(base - seconds) * 1000:5.1f} ms'}")


if __name__ == "__main__":
    main()
