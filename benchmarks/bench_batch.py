"""Batch throughput: marginal time per submission, regrade cost, grader memory, jobs, Dask.

Grades N copies of the bp-manual example ``correct`` in one batch, each batch in
a fresh process (so its peak RSS is the grader's own), and prints in one run:

  (a) marginal wall time per submission at 200 and 1000 copies (difference of
      batch times over the difference in N, so start-up is excluded), next to
      a fresh ``python -c "import torch"`` measured in the same run;
  (b) a regrade of the unchanged 1000-copy batch as a fraction of the first run;
  (c) the grader process's peak RSS at 200 and 1000;
  (d) throughput with --jobs 1 and --jobs 2 (interleaved, best of --repeats each: this
      kind of machine's speed drifts by a third within minutes);
  (e) the same batch through a Dask LocalCluster with 1 and 2 workers.

Run by hand:  python benchmarks/bench_batch.py [--quick] [--only c]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(n: int, jobs: int, executor: str, workdir: Path, out_name: str) -> None:
    """Runs in its own process: one batch, then prints wall time and own peak RSS as JSON."""
    from grader import api

    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    subs = workdir / f"subs-{n}"
    if not subs.is_dir():
        for i in range(n):
            shutil.copytree(ROOT / "submissions" / "bp-manual" / "correct", subs / f"s{i:04d}")
    paths = sorted(subs.iterdir())
    cluster = client = chosen = None
    if executor.startswith("dask"):
        import distributed

        from grader.executors import DaskExecutor
        cluster = distributed.LocalCluster(n_workers=int(executor[4:]), threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        client = distributed.Client(cluster)
        chosen = DaskExecutor(client)
    started = time.perf_counter()
    count = full = 0
    for data in api.iter_grade(assignment, paths, workdir / out_name, jobs=jobs, secret="bench",
                               cache_dir=workdir / "cache", executor=chosen):
        count += 1
        full += data["score"] == data["max_score"]
    wall = time.perf_counter() - started
    if client is not None:
        client.close()
        cluster.close()
    assert count == full == n, f"{n - full} copies of the correct submission lost points"
    print(json.dumps({"wall": wall, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def batch(n: int, jobs: int, workdir: Path, executor: str = "local", out_name: str | None = None) -> dict[str, float]:
    out_name = out_name or f"out-{n}-{jobs}-{executor}-{time.monotonic_ns()}"
    proc = subprocess.run([sys.executable, __file__, "--child", str(n), str(jobs), executor, str(workdir), out_name],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"batch of {n} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fresh_import_torch() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches (20/100/300) for a fast look")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--only", default="abcde", metavar="PARTS",
                        help="the parts to measure, e.g. 'c' or 'ab' (default: all of abcde)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs of (d), best taken (default 3)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, jobs, executor, workdir, out_name = args.child
        child(int(n), int(jobs), executor, Path(workdir), out_name)
        return
    parts = set(args.only) - ({"e"} if args.no_dask else set())
    if not parts <= set("abcde"):
        parser.error(f"--only takes letters among abcde, not {args.only!r}")
    small, mid, large = (20, 100, 300) if args.quick else (20, 200, 1000)
    with tempfile.TemporaryDirectory() as tmp:
        measure(parts, small, mid, large, Path(tmp), args.repeats)


def measure(parts: set[str], small: int, mid: int, large: int, work: Path, repeats: int = 3) -> None:
    """Print the chosen parts, running each batch they share once (in the order the full run uses)."""
    runs: dict[int, dict[str, float]] = {}

    def jobs2(n: int) -> dict[str, float]:
        if n not in runs:
            runs[n] = batch(n, 2, work, out_name="reused" if n == large else None)
        return runs[n]

    # The batches every part shares, smallest first as in a full run (the first one fills the reference cache).
    needed = ({small, mid} if parts & set("acde") else set()) | ({large} if parts & set("abc") else set())
    for n in sorted(needed):
        jobs2(n)
    if "a" in parts:
        torch_s = fresh_import_torch()
        print(f"fresh `python -c 'import torch'`: {torch_s * 1000:.0f} ms")
        for n in (mid, large):
            marginal = (jobs2(n)["wall"] - jobs2(small)["wall"]) / (n - small)
            print(f"(a) --jobs 2, {n:5d} submissions: {runs[n]['wall']:6.1f} s; marginal {marginal * 1000:5.1f} ms/submission "
                  f"= {torch_s / marginal:4.0f}x faster than one fresh import torch")
    if "b" in parts:
        first = jobs2(large)
        regrade = batch(large, 2, work, out_name="reused")
        print(f"(b) regrade of the unchanged {large}: {regrade['wall']:.2f} s = {regrade['wall'] / first['wall']:.1%} of the first run")
    if "c" in parts:
        low, high = jobs2(mid)["peak_mib"], jobs2(large)["peak_mib"]
        print(f"(c) grader peak RSS: {low:.0f} MiB at {mid}, {high:.0f} MiB at {large} ({high / low - 1:+.1%})")
    if "d" in parts or "e" in parts:
        rates: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(repeats):   # interleaved, so a slow spell of the machine hits both
            for jobs in (1, 2):
                runs_n = {n: batch(n, jobs, work) for n in (small, mid)}
                rates[jobs].append((mid - small) / (runs_n[mid]["wall"] - runs_n[small]["wall"]))
        rate1, rate2 = max(rates[1]), max(rates[2])
    if "d" in parts:
        shown = {j: ", ".join(f"{r:.1f}" for r in rates[j]) for j in (1, 2)}
        print(f"(d) throughput, best of {repeats}: --jobs 1 {rate1:5.1f}/s ({shown[1]}), "
              f"--jobs 2 {rate2:5.1f}/s ({shown[2]}) = {rate2 / rate1:.2f}x")
    if "e" in parts:
        for workers in (1, 2):
            d = {n: batch(n, 1, work, executor=f"dask{workers}") for n in (small, mid)}
            rate = (mid - small) / (d[mid]["wall"] - d[small]["wall"])
            print(f"(e) Dask LocalCluster, {workers} worker(s): {rate:5.1f}/s "
                  f"(marginal {1000 / rate:5.1f} ms/submission; local --jobs {workers}: {(rate1 if workers == 1 else rate2):5.1f}/s)")


if __name__ == "__main__":
    main()
