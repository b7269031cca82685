"""What each sandbox layer costs per submission.

Grades copies of the bp-manual `correct` submission with one worker, first with
every layer, then with one layer switched off at a time, then with none, and
prints the marginal time per submission of each next to the full sandbox's.

Then what ``predict: reference`` (issue 15 item 11) costs per training run: the grader's own
forward pass of d2l's 784-256-10 MLP on the 10,000 test images and the 10,000-image loss sample
(shape checks included, NumPy in the grader's process), next to what the child did before
(seeded noise on the test images, the student's forward in torch at one thread, the loss sample),
and the bytes that cross the wire either way. Needs Fashion-MNIST (``GRADER_DATA``); skipped without.
Run by hand: python benchmarks/bench_layers.py [--n 80] [--training-only]
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


def training_cost(repeats: int = 5) -> None:
    """Grader-side prediction (predict: reference) vs the child's prediction it replaces, one MLP, best of ``repeats``."""
    import numpy as np
    import torch

    from grader import datasets, training
    from grader.checks.train import TrainSpec, _reference_run
    from grader.values import ArrayValue, ScalarValue

    try:
        root = str(datasets.locate())
    except datasets.DataMissing as exc:
        print(f"predict: reference: skipped ({exc})")
        return
    torch.set_num_threads(1)
    torch.manual_seed(0)
    params = [torch.randn(784, 256) * 0.01, torch.zeros(256), torch.randn(256, 10) * 0.01, torch.zeros(10)]
    spec = TrainSpec.model_validate({"id": "t", "kind": "train", "train": "net", "predict": "reference", "forward": "mlp",
                                     "tiers": [{"min_accuracy": 0.5, "credit": 1.0}]})
    value = {"parameters": [ArrayValue(p.numpy(), "torch.Tensor") for p in params], "device": "cpu",
             "train_seconds": ScalarValue(1.0, "float")}
    _reference_run(value, spec, root, datasets.FASHION_MNIST)   # reads the images once per process
    data = datasets.load_in_worker(datasets.FASHION_MNIST, root)

    def child_side() -> None:
        W1, b1, W2, b2 = params
        noise = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for images in (training.perturb(data.test_images, noise), data.train_images[:datasets.LOSS_SAMPLE]):
                for start in range(0, len(images), 1000):
                    X = datasets.as_float_images(images[start:start + 1000], "cpu").reshape(-1, 784)
                    (torch.max(X @ W1 + b1, torch.zeros(1)) @ W2 + b2).argmax(1)

    def best(work: object) -> float:
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            work()  # type: ignore[operator]
            times.append(time.perf_counter() - began)
        return min(times)

    grader_s = best(lambda: _reference_run(value, spec, root, datasets.FASHION_MNIST))
    child_s = best(child_side)
    sent = sum(p.numel() * 4 for p in params)
    print(f"predict: reference (grader, NumPy)   {grader_s * 1000:7.1f} ms/training run   {sent / 1024:6.0f} KiB of parameters back")
    print(f"child predicting before (torch, 1 t) {child_s * 1000:7.1f} ms/training run   "
          f"{np.zeros(10_000, np.int64).nbytes / 1024:6.0f} KiB of predictions back")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=80)
    parser.add_argument("--training-only", action="store_true", help="only the predict: reference figures")
    args = parser.parse_args()
    if args.training_only:
        training_cost()
        return
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
    training_cost()


if __name__ == "__main__":
    main()
