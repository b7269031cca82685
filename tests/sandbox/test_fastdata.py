"""The fast Fashion-MNIST path gives torchvision's own batches, bit for bit, in the same order.

Each test iterates the same loader twice under the same seed: once through torchvision and
the DataLoader as they are, once with :mod:`grader.sandbox.fastdata` installed, and asserts
every batch equal (bytes, dtype, shape, strides, labels, the collated container's type) and
the global generator in the same state afterwards (the sampler drew what it draws). The real
Fashion-MNIST at $GRADER_DATA is used (the ``fashion_mnist`` fixture: a failure under CI when
missing); each test reads a few dozen batches at most.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from torch.utils.data import DataLoader  # noqa: E402
from torch.utils.data import dataloader as dl  # noqa: E402
from torchvision import transforms  # noqa: E402
from torchvision.datasets import FashionMNIST  # noqa: E402

from grader import script_data  # noqa: E402
from grader.sandbox import fastdata  # noqa: E402

REAL_GET_ITERATOR = dl.DataLoader._get_iterator
NORMALIZE = (0.2860,), (0.3530,)


@contextlib.contextmanager
def fast_path() -> Iterator[None]:
    """The fast path installed for the block, and torchvision and the DataLoader as they were after it."""
    saved = dict(fastdata._STATE)
    fastdata._STATE.update(fast=0, slow={})
    fastdata._patch()
    try:
        yield
    finally:
        del FashionMNIST.__getitems__
        dl.DataLoader._get_iterator = REAL_GET_ITERATOR
        fastdata._STATE.clear()
        fastdata._STATE.update(saved)


def batches(make: Callable[[], Any], seed: int, epochs: int = 1, limit: int = 12) -> tuple[list[Any], bytes]:
    """The first ``limit`` batches of each epoch of the loader ``make()`` builds, and the generator's state after."""
    torch.manual_seed(seed)
    loader = make()
    got = []
    for _ in range(epochs):
        for i, batch in enumerate(loader):
            got.append(batch)
            if i + 1 == limit:
                break
    return got, torch.random.get_rng_state().numpy().tobytes()


def assert_same(make: Callable[[], Any], seed: int = 7, **kw: Any) -> dict[str, Any]:
    """Both paths give byte-identical batches and leave the generator alike; what the fast one recorded."""
    assert DataLoader._get_iterator is REAL_GET_ITERATOR and not hasattr(FashionMNIST, "__getitems__")
    real, real_state = batches(make, seed, **kw)
    with fast_path():
        fast, fast_state = batches(make, seed, **kw)
        recorded = fastdata.record()
    assert len(real) == len(fast) > 0
    for n, (a, b) in enumerate(zip(real, fast)):
        assert type(a) is type(b) and len(a) == len(b) == 2, n
        for x, y in zip(a, b):
            assert (x.dtype, x.shape, x.stride()) == (y.dtype, y.shape, y.stride()), n
            assert x.numpy().tobytes() == y.numpy().tobytes(), f"batch {n} differs"
    assert real_state == fast_state, "the global generator ended in another state"
    return recorded


@pytest.fixture(scope="module")
def root(fashion_mnist: Path) -> str:
    return str(fashion_mnist)


def dataset(root: str, transform: Any, train: bool = True) -> Any:
    return FashionMNIST(root, train=train, transform=transform, download=False)


@pytest.mark.parametrize("workers", [0, 4])
@pytest.mark.parametrize("shuffle", [True, False])
def test_to_tensor(root: str, shuffle: bool, workers: int) -> None:
    data = dataset(root, transforms.ToTensor())
    recorded = assert_same(lambda: DataLoader(data, 256, shuffle=shuffle, num_workers=workers), epochs=2)
    assert recorded == {"data_path": "fast"}


@pytest.mark.parametrize("workers", [0, 4])
def test_to_tensor_then_normalize(root: str, workers: int) -> None:
    data = dataset(root, transforms.Compose([transforms.ToTensor(), transforms.Normalize(*NORMALIZE)]))
    recorded = assert_same(lambda: DataLoader(data, 128, shuffle=True, num_workers=workers))
    assert recorded == {"data_path": "fast"}


@pytest.mark.parametrize("workers", [0, 4])
def test_resize_then_to_tensor(root: str, workers: int) -> None:
    data = dataset(root, transforms.Compose([transforms.Resize(32), transforms.ToTensor()]))
    recorded = assert_same(lambda: DataLoader(data, 64, shuffle=True, num_workers=workers), epochs=2, limit=6)
    assert recorded == {"data_path": "fast"}


def test_every_test_image_in_order(root: str) -> None:
    """All 10,000 images of the test split, unshuffled: every value ToTensor gives, bit for bit."""
    data = dataset(root, transforms.ToTensor(), train=False)
    assert_same(lambda: DataLoader(data, 1000, shuffle=False), limit=10)


def test_a_generator_of_the_loaders_own_and_a_last_short_batch(root: str) -> None:
    data = dataset(root, transforms.ToTensor(), train=False)
    assert_same(lambda: DataLoader(data, 3000, shuffle=True, num_workers=4,
                                   generator=torch.Generator().manual_seed(3)), limit=4)


def test_the_default_dtype_is_followed(root: str) -> None:
    data = dataset(root, transforms.Compose([transforms.ToTensor(), transforms.Normalize(*NORMALIZE)]))
    torch.set_default_dtype(torch.float64)
    try:
        assert_same(lambda: DataLoader(data, 100, shuffle=True), limit=4)
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("resize", [None, 64])
def test_d2l_load_data_fashion_mnist(root: str, resize: int | None, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """d2l 0.17.6's loader as the book's scripts call it: ``../data``, shuffled, four workers."""
    d2l = pytest.importorskip("d2l.torch")
    script_data.link_into(tmp_path / "data", Path(root))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    loaders = {}

    def make(which: int) -> Any:
        if which == 0 or not loaders:
            loaders["both"] = d2l.load_data_fashion_mnist(256, resize=resize)
        return loaders["both"][which]

    limit = 8 if resize else 12
    assert assert_same(lambda: make(0), epochs=2, limit=limit) == {"data_path": "fast"}
    loaders.clear()
    assert assert_same(lambda: make(1), limit=limit) == {"data_path": "fast"}


def test_what_is_not_recognised_goes_through_torchvision_and_says_why(root: str) -> None:
    flipped = dataset(root, transforms.Compose([transforms.RandomHorizontalFlip(), transforms.ToTensor()]))
    assert assert_same(lambda: DataLoader(flipped, 256, shuffle=True), limit=3) == {"data_path": "torchvision:transform"}
    labelled = dataset(root, transforms.ToTensor())
    labelled.target_transform = int
    assert assert_same(lambda: DataLoader(labelled, 256, shuffle=True), limit=3) == \
        {"data_path": "torchvision:target_transform"}
    plain = dataset(root, transforms.ToTensor())
    assert assert_same(lambda: DataLoader(plain, 256, shuffle=True, num_workers=2, worker_init_fn=lambda _: None),
                       limit=3) == {"data_path": "torchvision:worker_init_fn"}


def test_single_items_and_other_datasets_are_untouched(root: str) -> None:
    data = dataset(root, transforms.ToTensor())
    with fast_path():
        image, label = data[5]
        assert fastdata.record() == {}
    assert isinstance(label, int) and image.shape == (1, 28, 28)
    assert fastdata._plan(torch.utils.data.TensorDataset(torch.zeros(2))) == "dataset"


def test_installed_before_torchvision_is_imported_it_patches_on_import() -> None:
    """A child whose worker did not preload torchvision: the script's own import installs the path."""
    import subprocess
    import sys
    code = ("import sys; from grader.sandbox import fastdata; fastdata.install(); "
            "assert 'torchvision' not in sys.modules; "
            "from torchvision.datasets import FashionMNIST; import torch.utils.data.dataloader as dl; "
            "assert FashionMNIST.__getitems__ is fastdata._getitems; "
            "assert dl.DataLoader._get_iterator.__module__ == 'grader.sandbox.fastdata'; print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "ok", run.stderr


PROBE_SPEC = """
    name: probe
    title: Probe
    files: [work.py]
    sandbox: {timeout_s: 30, import_timeout_s: 120, preload: [numpy, torch], max_processes: 64}
    checks:
      - {id: probe, kind: compare, call: probe()}
"""

SCRIPT = """
import torch
import torchvision
from torchvision import transforms

data = torchvision.datasets.FashionMNIST(root="../data", train=False, transform={transform}, download=True)
loader = torch.utils.data.DataLoader(data, 256, shuffle=True, num_workers=2)
sums = [float(X.sum()) for X, y in loader]

def probe():
    return "ok" if len(sums) == 40 else str(len(sums))
"""


@pytest.mark.parametrize(("transform", "note"), [
    ("transforms.ToTensor()", "Fashion-MNIST reached this code from tensors preloaded"),
    ("transforms.Compose([transforms.RandomHorizontalFlip(), transforms.ToTensor()])",
     "Fashion-MNIST went through torchvision's own path (image by image, slower) for this code's loaders: "
     "they use a transform other than ToTensor"),
])
def test_a_graded_script_s_result_says_which_path_ran(engine, fashion_mnist: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch, transform: str, note: str) -> None:
    """In the sandbox: the child installs the path before the script runs, and the note comes back in fixed words."""
    from conftest import write_assignment, write_submission

    from grader import api

    monkeypatch.setenv("GRADER_DATA", str(fashion_mnist))
    folder = write_assignment(tmp_path / "probe", PROBE_SPEC, {"work.py": "def probe():\n    return 'ok'\n"})
    prepared = engine.prepare(api.load_assignment(folder))
    result = engine.grade(prepared, write_submission(tmp_path / "student", {"work.py": SCRIPT.format(transform=transform)}))
    assert result.checks[0].status == "passed", result.checks[0].message
    assert [n for n in result.notes if n.startswith("Fashion-MNIST")] == [next(n for n in result.notes if note in n)]


D2L_SCRIPT = """
from d2l import torch as d2l

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)   # d2l 3.6 softmax, 4.6 dropout: the same call
for X, y in test_iter:                                             # d2l.predict_ch3: the first test batch only
    break
seen = sum(len(labels) for _, labels in train_iter)
big, _ = d2l.load_data_fashion_mnist(32, resize=64)                # the resize the later chapters use
first = next(iter(big))[0]

def probe():
    return "ok" if (seen, tuple(X.shape), tuple(first.shape)) == (60000, (256, 1, 28, 28), (32, 1, 64, 64)) else str((seen, X.shape, first.shape))
"""


def test_d2l_scripts_of_the_other_training_topics_are_served_by_the_fast_path(fashion_mnist: Path, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch,
                                                                              d2l_installed: None) -> None:
    """Issue 19: the softmax-regression and dropout scripts (d2l 0.17.6's loader, with and without resize, a
    loop broken after one batch as predict_ch3 does) get the fast path in the sandbox, and the result says so."""
    from conftest import write_assignment, write_submission

    from grader import api
    from grader.engine import Engine

    monkeypatch.setenv("GRADER_DATA", str(fashion_mnist))
    spec = PROBE_SPEC.replace("preload: [numpy, torch]", "preload: [numpy, torch, d2l.torch]")
    folder = write_assignment(tmp_path / "probe", spec, {"work.py": "def probe():\n    return 'ok'\n"})
    with Engine(workers=1, secret="d2l", preload=["numpy", "torch", "d2l.torch"], require=[]) as engine:
        prepared = engine.prepare(api.load_assignment(folder))
        result = engine.grade(prepared, write_submission(tmp_path / "student", {"work.py": D2L_SCRIPT}))
    assert result.checks[0].status == "passed", result.checks[0].message
    assert [n for n in result.notes if n.startswith("Fashion-MNIST")] == [
        next(n for n in result.notes if "Fashion-MNIST reached this code from tensors preloaded" in n)]
