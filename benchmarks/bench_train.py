"""Training cost inside the grader vs bare torch vs the d2l DataLoader way.

Trains the concise MLP of ``assignments/mlp`` (784-256-10, SGD lr 0.1, batch 256) for
``--epochs`` epochs three ways, each computing on ``--threads`` torch threads (default 1;
the grader's child gets them through the spec's ``sandbox.threads``), in one run:

  (a) bare torch: the training set preloaded as float tensors, the reference's ``train_concise``;
  (b) the grader: the same function graded by a ``train`` check (warm worker, sandboxed child,
      data inherited from the worker, test predictions, accuracy in the grader);
  (c) d2l: ``FashionMNIST(transform=ToTensor())`` and a shuffling ``DataLoader`` (``--loader-workers``,
      4 in d2l's ``load_data_fashion_mnist``), the same model and optimiser.

Prints each wall time and the ratios (targets: (b) <= 1.15 x (a); (c) >= 10 x (b)).

``--script`` measures the script way instead (``assignments/mlp-d2l``, d2l 4.2 from scratch,
``d2l.load_data_fashion_mnist`` + ``train_ch3``), in one run:

  (s1) bare torch: the same model and updates on preloaded float tensors, a shuffled
       batch of 256 by indexing, at ``--threads`` threads;
  (s2) the reference script graded through ``grader`` (the fast data path: torchvision's
       batches built at once, its four-worker loaders served in-process), after one grade
       that fills the reference cache, and a ``grader check`` of it (reference cached);
  (s3) the same script on the real DataLoader path (PIL per image, four worker processes),
       run as a plain ``python`` process in a copy of the box layout.

and, side by side (``--repeats`` interleaved pairs, each a fresh process at ``--threads``):

  (s4) ``grader check <assignment> <copy of the file>`` (the reference cache filled beforehand);
  (s5) ``python <file>`` itself, with the grader's fast data path installed before it runs (the
       same preloaded batches the sandbox serves), in a copy of the box layout: one training
       of the submission as the student runs it, imports included.

Targets: (s2) <= 1.3 x (s1); (s4) <= 1.3 x (s5). ``--assignment NAME --file PATH`` measures
another script-form assignment or file (default: mlp-d2l's reference); ``--check-only`` runs
only (s4)/(s5).
``--model softmax`` runs the same three ways with d2l 3.7's softmax regression
(``nn.Sequential(nn.Flatten(), nn.Linear(784, 10))``), whose compute is ~25x smaller:
the DataLoader's per-image cost is the same, so the ratio shows how much of (c) is
data handling rather than the model.

    GRADER_DATA=../shared/data/fashion-mnist python benchmarks/bench_train.py [--epochs 10] [--model softmax] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import textwrap
import time
from pathlib import Path

import torch

from grader import api, datasets
from grader.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "assignments" / "mlp" / "reference" / "mlp.py"
SOFTMAX = '''

def concise_net():
    """d2l 3.7: softmax regression, nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), weights from N(0, 0.01²)."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(NUM_INPUTS, NUM_OUTPUTS))
    model.apply(init_weights)
    return model
'''


def use_model(model: str, folder: Path) -> None:
    """Point REFERENCE at the mlp reference (``mlp``) or at it with d2l 3.7's model instead (``softmax``)."""
    global REFERENCE
    if model == "softmax":
        changed = folder / "mlp.py"
        changed.write_text(REFERENCE.read_text(encoding="utf-8") + SOFTMAX, encoding="utf-8")
        REFERENCE = changed


def reference_module():
    spec = importlib.util.spec_from_file_location("mlp_reference", REFERENCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bare(root: Path, epochs: int) -> tuple[float, float]:
    """(training seconds, test accuracy) with preloaded tensors."""
    from torchvision.datasets import FashionMNIST

    mlp = reference_module()
    train, test = FashionMNIST(str(root), train=True), FashionMNIST(str(root), train=False)
    X, y = train.data.unsqueeze(1).float().div_(255), train.targets
    torch.manual_seed(0)
    began = time.perf_counter()
    model = mlp.train_concise(X, y, epochs, 0.1, 256)
    seconds = time.perf_counter() - began
    with torch.no_grad():
        accuracy = (model(test.data.unsqueeze(1).float().div_(255)).argmax(1) == test.targets).float().mean().item()
    return seconds, accuracy


def in_grader(epochs: int, threads: int) -> tuple[float, float, float]:
    """(grade wall seconds, training seconds inside the child, accuracy) for one graded submission."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bench-train"
        (folder / "reference").mkdir(parents=True)
        (folder / "reference" / "mlp.py").write_bytes(REFERENCE.read_bytes())
        (folder / "assignment.yaml").write_text(textwrap.dedent(f"""
            name: bench-train
            title: training benchmark
            files: [mlp.py]
            sandbox: {{timeout_s: 600, memory_mb: 2048, threads: {threads}}}
            checks:
              - id: train
                kind: train
                train: train_concise(X, y, num_epochs, lr, batch_size)
                predict: model(X)
                inputs: {{num_epochs: {epochs}, lr: 0.1, batch_size: 256}}
                tiers: [{{min_accuracy: 0.5, credit: 1.0}}]
            """))
        assignment = api.load_assignment(folder)
        with Engine(workers=1, secret="bench", preload=["numpy", "torch"]) as engine:
            prepared = engine.prepare(assignment)
            engine.grade(prepared, folder / "reference")  # the worker loads the data once, here
            began = time.perf_counter()
            result = engine.grade(prepared, folder / "reference")
            wall = time.perf_counter() - began
        details = result.checks[0].details
        return wall, details["train_seconds"][0], details["accuracy"]


def d2l_way(root: Path, epochs: int, workers: int) -> tuple[float, float]:
    """(training seconds, last-batch-free test accuracy) the way d2l 4.3 trains: ToTensor + DataLoader."""
    from torch.utils.data import DataLoader
    from torchvision import transforms
    from torchvision.datasets import FashionMNIST

    mlp = reference_module()
    train = FashionMNIST(str(root), train=True, transform=transforms.ToTensor())
    test = FashionMNIST(str(root), train=False, transform=transforms.ToTensor())
    torch.manual_seed(0)
    model = mlp.concise_net()
    loss = torch.nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(model.parameters(), lr=0.1)
    began = time.perf_counter()
    for _ in range(epochs):
        for X, y in DataLoader(train, 256, shuffle=True, num_workers=workers):
            trainer.zero_grad()
            loss(model(X), y).mean().backward()
            trainer.step()
    seconds = time.perf_counter() - began
    correct = 0
    with torch.no_grad():
        for X, y in DataLoader(test, 1000, num_workers=workers):
            correct += int((model(X).argmax(1) == y).sum())
    return seconds, correct / len(test)


MLP_D2L = ROOT / "assignments" / "mlp-d2l"


def bare_scratch(root: Path, epochs: int) -> float:
    """(s1): d2l 4.2's from-scratch MLP and train_ch3's updates and per-epoch test accuracy, on preloaded tensors."""
    from torchvision.datasets import FashionMNIST

    train, test = FashionMNIST(str(root), train=True), FashionMNIST(str(root), train=False)
    X, y = train.data.unsqueeze(1).float().div_(255), train.targets
    Xt, yt = test.data.unsqueeze(1).float().div_(255), test.targets
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(784, 256) * 0.01), torch.nn.Parameter(torch.zeros(256)),
              torch.nn.Parameter(torch.randn(256, 10) * 0.01), torch.nn.Parameter(torch.zeros(10))]
    W1, b1, W2, b2 = params

    def net(batch: torch.Tensor) -> torch.Tensor:
        return torch.max(batch.reshape(-1, 784) @ W1 + b1, torch.zeros(1)) @ W2 + b2

    loss, updater = torch.nn.CrossEntropyLoss(reduction="none"), torch.optim.SGD(params, lr=0.1)
    began = time.perf_counter()
    for _ in range(epochs):
        for rows in torch.randperm(len(X)).split(256):
            losses = loss(net(X[rows]), y[rows])
            updater.zero_grad()
            losses.mean().backward()
            updater.step()
        with torch.no_grad():
            float((net(Xt).argmax(1) == yt).float().mean())
    return time.perf_counter() - began


def graded_script(cache: Path) -> tuple[float, float, float, list[str]]:
    """(s2): (a grade with the reference cached, the reference's own first run, a check with the reference
    cached, the notes) for mlp-d2l's reference script."""
    assignment = api.load_assignment(MLP_D2L)
    sandbox = assignment.spec.sandbox
    with Engine(workers=1, secret="bench", preload=sandbox.preload, cache_dir=cache) as engine:
        began = time.perf_counter()
        prepared = engine.prepare(assignment)
        reference = time.perf_counter() - began
        began = time.perf_counter()
        result = engine.grade(prepared, MLP_D2L / "reference")
        grade = time.perf_counter() - began
    api.check(assignment, MLP_D2L / "reference", cache_dir=cache / "check")   # fills check's cache
    began = time.perf_counter()
    api.check(assignment, MLP_D2L / "reference", cache_dir=cache / "check")
    check = time.perf_counter() - began
    return grade, reference, check, [*result.notes, f"score {result.score}/{result.max_score}"]


def real_loader_script(root: Path, threads: int, folder: Path) -> float:
    """(s3): the reference script as a plain process: d2l's DataLoader, PIL per image, four workers."""
    import os
    import subprocess
    import sys

    from grader import script_data

    script_data.link_into(folder / "data", root)
    (folder / "work").mkdir()
    (folder / "work" / "mlp_d2l.py").write_bytes((MLP_D2L / "reference" / "mlp_d2l.py").read_bytes())
    code = f"import torch; torch.set_num_threads({threads}); import runpy; runpy.run_path('mlp_d2l.py', run_name='__main__')"
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": str(threads)}
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=folder / "work", env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def _script_file(assignment: Path, given: Path | None) -> Path:
    """The file measured: ``--file``, else the assignment reference's main (first) file."""
    if given is not None:
        return given.resolve()
    loaded = api.load_assignment(assignment)
    return loaded.reference_dir / loaded.spec.files[0]


def _timed(command: list[str], cwd: Path | None, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree) of one fresh process: on a shared machine the
    CPU time is the steadier cost (what the command itself computed, whatever else ran)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, capture_output=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def check_side_by_side(root: Path, assignment: Path, script: Path, threads: int, repeats: int,
                       baseline: Path | None = None) -> None:
    """(s4) ``grader check`` vs (s5) ``python script.py`` with the fast data path, interleaved, fresh processes;
    with ``baseline`` (another checkout of grader, e.g. before a change) its ``grader check`` too, in each round."""
    import os
    import statistics
    import subprocess
    import sys

    from grader import script_data

    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script_data.link_into(folder / "data", root)
        (folder / "work").mkdir()
        (folder / "work" / script.name).write_bytes(script.read_bytes())
        submission = folder / "submission"
        submission.mkdir()
        (submission / script.name).write_bytes(script.read_bytes())
        bare_code = (f"import torch; torch.set_num_threads({threads}); from grader.sandbox import fastdata; "
                     f"fastdata.install(); import runpy; runpy.run_path({script.name!r}, run_name='__main__')")
        check = [sys.executable, "-m", "grader", "check", str(assignment), str(submission), "--data-dir", str(root)]
        old_env = {**env, "PYTHONPATH": str(baseline)} if baseline else None
        old_check = [*check[:4], str(baseline / assignment.relative_to(ROOT)), *check[5:]] if baseline else None
        subprocess.run(check, env=env, capture_output=True)   # fills check's reference cache
        if old_check:
            subprocess.run(old_check, env=old_env, capture_output=True)
        pairs, old_ratios = [], []
        for round_ in range(repeats):
            # odd rounds run in the reverse order: a machine whose load drifts favours no one side
            runs = {"s5": ([sys.executable, "-c", bare_code], folder / "work", env), "s4": (check, None, env)}
            if old_check:
                runs["old"] = (old_check, None, old_env or env)
            order = list(runs) if round_ % 2 == 0 else list(reversed(runs))
            timed = {name: _timed(*runs[name]) for name in order}
            (s5, c5), (s4, c4) = timed["s5"], timed["s4"]
            pairs.append((s4, s5))
            line = (f"(s4) grader check {s4:7.2f} s ({c4:6.2f} s CPU)   (s5) python {script.name} {s5:7.2f} s "
                    f"({c5:6.2f} s CPU)   ratio {s4 / s5:6.3f} x (CPU {c4 / c5:6.3f} x)")
            if old_check:
                old, c_old = timed["old"]
                old_ratios.append(old / s5)
                line += f"   baseline check {old:7.2f} s ({c_old:6.2f} s CPU)   ratio {old / s5:6.3f} x (CPU {c_old / c5:6.3f} x)"
            print(line, flush=True)
        ratios = [a / b for a, b in pairs]
        print(f"     check / python script: median {statistics.median(ratios):.3f} x, best {min(ratios):.3f} x "
              f"over {repeats} round(s)  (target <= 1.3)")
        if old_ratios:
            print(f"     baseline check / python script: median {statistics.median(old_ratios):.3f} x, "
                  f"best {min(old_ratios):.3f} x")


def script_way(root: Path, epochs: int, threads: int) -> None:
    """The three script ways in one run (mlp-d2l trains 10 epochs whatever ``--epochs`` says; (s1) follows it)."""
    print(f"mlp-d2l (d2l 4.2 from scratch, 784-256-10), {threads} torch thread(s), data in {root}")
    s1 = bare_scratch(root, epochs)
    print(f"(s1) bare torch, preloaded tensors, {epochs} epochs : {s1:7.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        grade, reference, check, notes = graded_script(Path(tmp) / "cache")
        print(f"(s2) grader: the reference's first run        : {reference:7.2f} s   (fills the cache)")
        print(f"     grader: one graded script submission     : {grade:7.2f} s   {notes}")
        print(f"     grader check, reference cached           : {check:7.2f} s")
        print(f"     graded / bare torch                      : {grade / s1:7.3f} x  (target <= 1.3)")
        print(f"     check / graded submission                : {check / grade:7.3f} x  (target <= 1.3 x one training)")
        s3 = real_loader_script(root, threads, Path(tmp) / "real")
        print(f"(s3) real DataLoader path, plain python       : {s3:7.2f} s")
        print(f"     real path / graded                       : {s3 / grade:7.2f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--loader-workers", type=int, default=4, help="DataLoader workers for (c); d2l uses 4")
    parser.add_argument("--skip-d2l", action="store_true")
    parser.add_argument("--script", action="store_true", help="the script way: mlp-d2l graded vs bare torch vs real DataLoader")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for every way (default 1)")
    parser.add_argument("--assignment", type=Path, default=MLP_D2L, help="--script: the assignment folder (default mlp-d2l)")
    parser.add_argument("--file", type=Path, default=None, help="--script: the script measured (default: the reference's)")
    parser.add_argument("--repeats", type=int, default=2, help="--script: interleaved check / python pairs")
    parser.add_argument("--check-only", action="store_true", help="--script: only grader check vs python script.py")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="--script: another grader checkout whose grader check runs in each round too (before/after)")
    parser.add_argument("--model", choices=("mlp", "softmax"), default="mlp",
                        help="the concise MLP of d2l 4.3 (default), or d2l 3.7's softmax regression")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = datasets.locate()
    if args.script:
        if not args.check_only and args.assignment.resolve() == MLP_D2L.resolve() and args.file is None:
            script_way(root, args.epochs, args.threads)
        script = _script_file(args.assignment, args.file)
        print(f"{args.assignment.name}: {script}, {args.threads} thread(s)")
        check_side_by_side(root, args.assignment.resolve(), script, args.threads, args.repeats,
                           args.baseline.resolve() if args.baseline else None)
        return
    scratch = tempfile.TemporaryDirectory()
    use_model(args.model, Path(scratch.name))
    title = "concise MLP (784-256-10)" if args.model == "mlp" else "softmax regression (784-10)"
    print(f"{title}, {args.epochs} epochs, {args.threads} torch thread(s), data in {root}")
    a, acc_a = bare(root, args.epochs)
    print(f"(a) bare torch, preloaded tensors : {a:7.2f} s   accuracy {acc_a:.4f}")
    b, b_train, acc_b = in_grader(args.epochs, args.threads)
    print(f"(b) grader, one graded submission : {b:7.2f} s   (training {b_train:.2f} s)   accuracy {acc_b:.4f}")
    print(f"    grader / bare torch           : {b / a:7.3f} x  (target <= 1.15)")
    if not args.skip_d2l:
        c, acc_c = d2l_way(root, args.epochs, args.loader_workers)
        print(f"(c) d2l ToTensor + DataLoader({args.loader_workers}) : {c:7.2f} s   accuracy {acc_c:.4f}")
        print(f"    d2l way / grader              : {c / b:7.2f} x  (target >= 10)")


if __name__ == "__main__":
    main()
