"""Script-style submissions: the whole file runs top to bottom in the sandbox, then checks read its names.

Plots never block, ``input()`` gets end-of-file with a message that says so, code that
hard-codes ``cuda:0`` on a CPU machine is told what to write instead, and code that opens
Fashion-MNIST itself (``download=True`` under ``./data`` or ``../data``) finds it read-only,
without the held-out test labels.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment, write_submission

from grader import api, datasets, spec
from grader.engine import Engine
from grader.explain import GPU_ADVICE, advice

SHARED = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()

NAMES_SPEC = """
    name: scripty
    title: Script-style work
    files: [work.py]
    sandbox: {timeout_s: 10, import_timeout_s: 20, preload: [numpy, torch]}
    inputs:
      given:
        X: {value: [[0.5, -1.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]], dtype: float32, as: tensor}
    checks:
      - {id: w1, kind: compare, call: W1}
      - {id: net, kind: compare, call: net(X), inputs: given}
      - {id: last-loss, kind: compare, call: "losses[-1]", rtol: 1.0e-5}
      - {id: relu, kind: compare, call: relu(X), inputs: given}
"""

NAMES_REFERENCE = """
    import torch
    from torch import nn

    torch.manual_seed(0)
    W1 = torch.arange(6.0).reshape(2, 3)

    def relu(X):
        return torch.max(X, torch.zeros_like(X))

    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    X, y = torch.randn(32, 4), torch.randn(32, 2)
    losses = []
    for epoch in range(20):
        trainer.zero_grad()
        loss = ((net(X) - y) ** 2).mean()
        loss.backward()
        trainer.step()
        losses.append(loss.item())
    print(f"epoch {epoch + 1}, loss {losses[-1]:.4f}")
"""

PROBE_SPEC = """
    name: probe
    title: Probe
    files: [work.py]
    sandbox: {timeout_s: 10, import_timeout_s: 20, preload: [numpy, torch]}
    checks:
      - {id: probe, kind: compare, call: probe()}
"""


@pytest.fixture(scope="module")
def scripty(engine, tmp_path_factory):
    folder = write_assignment(tmp_path_factory.mktemp("scripty"), NAMES_SPEC, {"work.py": NAMES_REFERENCE})
    return engine.prepare(api.load_assignment(folder))


@pytest.fixture(scope="module")
def probe(engine, tmp_path_factory):
    folder = write_assignment(tmp_path_factory.mktemp("probe"), PROBE_SPEC, {"work.py": "def probe():\n    return 'ok'\n"})
    return engine.prepare(api.load_assignment(folder))


def grade(engine, prepared, tmp_path: Path, code: str):
    result = engine.grade(prepared, write_submission(tmp_path / "student", {"work.py": code}))
    return {c.id: c for c in result.checks}, result


def test_checks_read_names_the_script_defined_at_top_level(engine, scripty, tmp_path) -> None:
    checks, result = grade(engine, scripty, tmp_path, NAMES_REFERENCE)
    assert result.score == result.max_score, {c.id: c.message for c in checks.values()}
    assert checks["w1"].message == "W1 matches the reference."


def test_a_trained_net_that_learned_less_is_caught(engine, scripty, tmp_path) -> None:
    checks, _ = grade(engine, scripty, tmp_path, NAMES_REFERENCE.replace("range(20)", "range(5)"))
    assert checks["w1"].status == "passed" and checks["relu"].status == "passed"
    assert checks["net"].status == "failed" and checks["last-loss"].status == "failed"


def test_plots_never_block_and_show_does_nothing(engine, probe, tmp_path) -> None:
    checks, result = grade(engine, probe, tmp_path, """
        import matplotlib
        import matplotlib.pyplot as plt

        plt.plot([1, 2, 3], [3, 1, 2])
        plt.title("loss")
        plt.show()                 # would open a window (or warn on Agg)
        plt.pause(60)              # would sleep a minute; the import limit is 20 s
        plt.savefig("curve.png")   # the box is writable

        def probe():
            if matplotlib.get_backend().lower() != "agg":
                return "backend " + matplotlib.get_backend()
            return "ok"
    """)
    assert checks["probe"].status == "passed", checks["probe"].message
    assert "non-interactive" not in result.output.get("stderr", "")
    assert result.timing["wall_s"] < 15


def test_input_gets_end_of_file_and_the_message_says_so(engine, probe, tmp_path) -> None:
    checks, _ = grade(engine, probe, tmp_path, """
        def probe():
            return input("learning rate? ")
    """)
    assert checks["probe"].status == "error"
    assert "called input(), but graded code gets no keyboard input" in checks["probe"].message
    checks, _ = grade(engine, probe, tmp_path, "lr = float(input('lr? '))\ndef probe():\n    return 'ok'\n")
    assert "calls input() when imported, but graded code gets no keyboard input" in checks["probe"].message


def test_gpu_errors_get_advice() -> None:
    for error in ("AssertionError: Torch not compiled with CUDA enabled",
                  "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU",
                  "RuntimeError: No CUDA GPUs are available",
                  "RuntimeError: Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False"):
        assert advice(error) == GPU_ADVICE
    assert advice("RuntimeError: mat1 and mat2 shapes cannot be multiplied") is None
    assert advice("EOFError: EOF when reading a line").startswith("it called input()")


def _cuda_usable() -> bool:
    import torch
    return torch.cuda.is_available()


@pytest.mark.skipif(_cuda_usable(), reason="a usable GPU: cuda:0 works here")
def test_hard_coded_cuda_runs_on_the_cpu_with_a_note(engine, probe, tmp_path) -> None:
    """Before the CPU fallback, both of these failed (a RuntimeError in the call, and at import)."""
    checks, result = grade(engine, probe, tmp_path, """
        import torch
        def probe():
            x = torch.zeros(3, device="cuda:0") + torch.ones(3).to(torch.device("cuda")).cuda()
            return str(x.device)
    """)
    assert checks["probe"].status == "failed"      # it ran: "cpu" is not the reference's "ok"
    assert "got 'cpu'" in checks["probe"].message
    assert result.notes == ['Ran on the CPU: the code asks for CUDA at work.py, line 4 (`x = torch.zeros(3, device="cuda:0") '
                            '+ torch.ones(3).to(torch.device("cuda")).cuda()`), and grading has no GPU; it ran unchanged, '
                            "with every CUDA device mapped to the CPU."]
    checks, result = grade(engine, probe, tmp_path, "import torch\nnet = torch.nn.Linear(2, 2).cuda()\ndef probe():\n    return 'ok'\n")
    assert checks["probe"].status == "passed"
    assert result.notes[0].startswith("Ran on the CPU: the code asks for CUDA at work.py, line 2 (`net = torch.nn.Linear(2, 2).cuda()`)")


@pytest.mark.skipif(_cuda_usable(), reason="a usable GPU: cuda:0 works here")
def test_cuda_calls_the_fallback_does_not_map_are_told_to_fall_back_to_cpu(engine, probe, tmp_path) -> None:
    checks, _ = grade(engine, probe, tmp_path, """
        import torch
        def probe():
            name = torch.cuda.get_device_name(0)
            return "ok"
    """)
    message = checks["probe"].message
    assert checks["probe"].status == "error"
    assert message.startswith("probe() raised ") and 'at File "work.py", line 4, in probe: ' in message
    assert message.endswith("your code asks for the GPU (cuda:0) but grading runs on CPU; "
                            "use `device = 'cuda' if torch.cuda.is_available() else 'cpu'`.")
    checks, _ = grade(engine, probe, tmp_path, "import torch\nprint(torch.cuda.get_device_name(0))\ndef probe():\n    return 'ok'\n")
    assert checks["probe"].message.startswith("work.py could not be imported: ") and '(File "work.py", line 2' in checks["probe"].message
    assert GPU_ADVICE in checks["probe"].message


def test_the_warm_worker_never_initialises_cuda(tmp_path) -> None:
    """Children forked from a worker that initialised CUDA could not use it ("Cannot re-initialize
    CUDA in forked subprocess"): the child sees torch's state as the worker left it."""
    preload = ["numpy", "torch", "torchvision", "matplotlib.pyplot", "d2l.torch"]
    folder = write_assignment(tmp_path / "a", PROBE_SPEC.replace("preload: [numpy, torch]", f"preload: [{', '.join(preload)}]"),
                              {"work.py": "def probe():\n    return 'ok'\n"})
    code = ("import torch\n\ndef probe():\n    return 'ok' if not (torch.cuda.is_initialized() or torch.cuda._is_in_bad_fork()) "
            "else 'cuda initialised'\n")
    with Engine(workers=1, secret="cuda", preload=preload, require=[]) as engine:
        result = engine.grade(engine.prepare(spec.load(folder)), write_submission(tmp_path / "s", {"work.py": code}))
    assert result.score == result.max_score, result.checks[0].message


@pytest.mark.skipif(not datasets._present(SHARED), reason=f"no Fashion-MNIST in {SHARED} (set GRADER_DATA)")
def test_fashion_mnist_is_staged_read_only_without_the_test_labels(engine, probe, tmp_path, monkeypatch) -> None:
    """The training split is the real one; the test split a script finds is the last 10,000 training
    images with their labels, so d2l's own evaluation works while the real test labels stay out."""
    monkeypatch.setenv("GRADER_DATA", str(SHARED))
    real_labels = SHARED / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte"
    checks, result = grade(engine, probe, tmp_path, f"""
        import os
        import torch
        import torchvision

        train = torchvision.datasets.FashionMNIST(root="../data", train=True, download=True)   # d2l's root
        test = torchvision.datasets.FashionMNIST(root="./data", train=False, download=True)
        print(len(train), len(test))

        def probe():
            if (len(train), len(test), tuple(train.data.shape[1:])) != (60000, 10000, (28, 28)):
                return f"sizes {{len(train)}}, {{len(test)}}"
            if not (torch.equal(test.data, train.data[-10000:]) and torch.equal(test.targets, train.targets[-10000:])):
                return "the test split is not the last 10,000 training images and labels"
            try:
                open({str(real_labels)!r}, "rb").read(16)
                return "read the real test labels"
            except OSError:
                pass
            try:
                open("../data/FashionMNIST/raw/train-images-idx3-ubyte", "ab")
                return "wrote the shared data"
            except OSError:
                pass
            return "ok"
    """)
    assert checks["probe"].status == "passed", checks["probe"].message
    assert "60000 10000" in result.output["stdout"]
    assert result.notes == []


def test_code_that_loads_missing_data_is_told_why_it_cannot(engine, probe, tmp_path, monkeypatch) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("GRADER_DATA", str(empty))
    checks, result = grade(engine, probe, tmp_path, """
        import torchvision

        def probe():
            torchvision.datasets.FashionMNIST(root="../data", train=True, download=True)
            return "ok"
    """)
    assert checks["probe"].status == "error"
    assert len(result.notes) == 1 and result.notes[0].startswith(
        f"This code loads Fashion-MNIST itself, but the grader has no copy to give it (Fashion-MNIST is not in {empty.resolve()}")
    assert "the sandbox has no network" in result.notes[0]


def test_code_that_never_mentions_the_dataset_gets_no_data_folder(engine, probe, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRADER_DATA", str(SHARED))
    checks, _ = grade(engine, probe, tmp_path, """
        import os
        def probe():
            return "ok" if not os.path.exists("data") else "a data folder"
    """)
    assert checks["probe"].status == "passed", checks["probe"].message


STOPS_AT_THE_END = """
    def relu(X):
        return X * (X > 0)

    LOSSES = [0.9, 0.7]
    assert LOSSES[-1] < 0.5, LOSSES[-1]     # a script's own check, failing after the work is done
    NEVER = 1
"""
KEEP_GOING_SPEC = """
    name: keep-going
    title: A script that stops at its last line
    files: [work.py]
    import_errors: {policy}
    sandbox: {{timeout_s: 10, import_timeout_s: 20, preload: [numpy, torch]}}
    inputs:
      given:
        X: {{value: [[0.5, -1.0], [2.0, -3.0]], dtype: float32, as: tensor}}
    checks:
      - {{id: relu, kind: compare, call: relu(X), inputs: given}}
      - {{id: losses, kind: compare, call: "LOSSES[-1]"}}
      - {{id: never, kind: compare, call: NEVER}}
"""


@pytest.mark.parametrize("policy", ["fail", "continue"])
def test_import_errors_decide_whether_checks_run_on_what_a_script_defined(tmp_path, policy) -> None:
    """`import_errors: continue` grades what the script defined before it raised, and notes where it stopped;
    the default, `fail`, gives every check the import's error."""
    reference = "import torch\n\ndef relu(X):\n    return torch.clamp(X, min=0)\n\nLOSSES = [0.9, 0.7]\nNEVER = 1\n"
    folder = write_assignment(tmp_path / "a", textwrap.dedent(KEEP_GOING_SPEC.format(policy=policy)), {"work.py": reference})
    with Engine(workers=1, secret="keep", preload=["numpy", "torch"], require=[]) as engine:
        result = engine.grade(engine.prepare(spec.load(folder)),
                              write_submission(tmp_path / "s", {"work.py": "import torch\n" + textwrap.dedent(STOPS_AT_THE_END)}))
    statuses = {c.id: c.status for c in result.checks}
    if policy == "fail":
        assert set(statuses.values()) == {"error"} and result.notes == []
        assert all("could not be imported: AssertionError: 0.7" in c.message for c in result.checks)
    else:
        assert statuses == {"relu": "passed", "losses": "passed", "never": "error"}
        assert "NameError: name 'NEVER' is not defined" in next(c.message for c in result.checks if c.id == "never")
        assert result.notes == ["work.py stopped at line 7 (`assert LOSSES[-1] < 0.5, LOSSES[-1]     # a script's own check, "
                                "failing after the work is done`) with AssertionError: 0.7. "
                                "The checks ran on what it had defined by then."]
