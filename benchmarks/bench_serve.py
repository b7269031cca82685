"""The service under load: N bp-manual submissions from C concurrent clients on loopback.

In one run, on the same N distinct submissions (the bundled bp-manual examples, each made
unique by a trailing comment so no result is reused):

  (a) ``grader serve`` (a subprocess, SQLite, ``--workers W``): C client threads each upload
      a submission, poll until it is graded, then take the next; printed: every upload's
      time from upload to result (median, 95th percentile, max) and the throughput;
  (b) ``grader grade`` of the same N files with ``--jobs W`` (a fresh output folder and
      cache), its throughput;
  (c) the ratio: how much the service costs against batch grading (target: the service's
      throughput at least 80% of the batch's; p95 under 3 s on 2 cores).

Run by hand:  python benchmarks/bench_serve.py [--n 200] [--clients 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
POLL_S = 0.3      # how often a client asks, as `grader submit` does
EXAMPLES = ["correct", "update-sign-error", "hidden-layer-missing-derivative", "output-layer-uses-hidden-derivative"]


def submissions(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i in range(n):
        source = (ROOT / "submissions" / "bp-manual" / EXAMPLES[i % len(EXAMPLES)] / "bp.py").read_bytes()
        path = folder / f"s{i:04d}.py"
        path.write_bytes(source + f"\n# submission {i}\n".encode())
        paths.append(path)
    return paths


def course(folder: Path) -> Path:
    import shutil
    shutil.copytree(ROOT / "assignments" / "bp-manual", folder / "assignments" / "bp-manual")
    rows = "".join(f"s{i:03d},Student {i},s{i}@example.edu\n" for i in range(500))
    (folder / "roster.csv").write_text("student_id,name,email\n" + rows)
    return folder


def serve(folder: Path, paths: list[Path], clients: int, workers: int) -> tuple[list[float], float]:
    import httpx

    from grader.serve import db, people
    (folder / ".grader").mkdir()
    url = db.database_url(folder, None)
    db.migrate(url)
    database = db.connect(url)
    people.sync_roster(database, people.read_roster(folder / "roster.csv"))
    tokens = [people.issue_token(database, f"s{i:03d}") for i in range(clients)]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "grader", "serve", str(folder), "--port", str(port), "--workers",
                               str(workers), "--uploads-per-minute", "10000", "--secret-file", str(_secret(folder))],
                              env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(f"{base}/api/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    # warm the engine once (a worker's first start is not what a student waits for at a deadline)
    _one(httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=120),
         ROOT / "submissions" / "bp-manual" / "correct" / "bp.py")
    latencies: list[float] = []
    queue = list(paths)
    lock = threading.Lock()

    def client(token: str) -> None:
        http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300)
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            latency = _one(http, path)
            with lock:
                latencies.append(latency)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=120)
    return latencies, wall


def _one(http: object, path: Path) -> float:
    began = time.perf_counter()
    answer = http.post("/api/assignments/bp-manual/submissions",   # type: ignore[attr-defined]
                       files={"file": ("bp.py", path.read_bytes())}).json()
    while answer["status"] in ("queued", "running"):
        time.sleep(POLL_S)
        answer = http.get(f"/api/submissions/{answer['id']}").json()   # type: ignore[attr-defined]
    assert answer["status"] == "graded", answer
    return time.perf_counter() - began


def _secret(folder: Path) -> Path:
    path = folder.parent / "secret.txt"
    path.write_text("bench-serve-secret\n")
    return path


def batch(folder: Path, paths: list[Path], workers: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "grade", str(ROOT / "assignments" / "bp-manual"), *map(str, paths),
                    "--out", str(folder / "out"), "--jobs", str(workers), "--secret-file", str(_secret(folder))],
                   env={**env, "XDG_CACHE_HOME": str(folder / "cache")}, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = submissions(root / "subs", args.n)
        latencies, wall = serve(course(root / "course"), paths, args.clients, args.workers)
        batch_wall = batch(root / "batch", paths, args.workers)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"(a) grader serve, {args.n} submissions from {args.clients} clients, {args.workers} grading threads:")
    print(f"    upload -> result: median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s;"
          f" {args.n / wall:.1f} submissions/s ({wall:.1f} s)")
    print(f"(b) grader grade --jobs {args.workers}, the same {args.n}: {args.n / batch_wall:.1f} submissions/s "
          f"({batch_wall:.1f} s, start-up included)")
    print(f"(c) the service's throughput is {batch_wall / wall:.0%} of the batch's "
          f"(it adds {max(0.0, wall / batch_wall - 1):.0%})")


if __name__ == "__main__":
    main()
