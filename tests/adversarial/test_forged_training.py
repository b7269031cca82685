"""Issue 15, item 11: a ``train`` check's accuracy must come from a trained model, not from the public test set.

Forged submissions, between honest controls, on a small training check: a hash -> label
table of the 10,000 public Fashion-MNIST test images answering in ``model(X)``, and a 1-NN
over the training images that ``train`` receives.

- With the student predicting (``predict: model(X)``, for free-form models) the grader perturbs
  the test images with seeded noise (no hash matches) and gives predicting a time budget (a
  search through 60,000 stored images overruns it on the CPU).
- With ``predict: reference`` (the spec fixes the architecture) the child returns only the
  trained parameters and the grader predicts with the reference's forward pass. Here the forged
  models carry parameters of the right shapes (an untrained network) beside their lookup, and
  the kNN uses compressed features small enough to fit the budget (1-NN on 7×7 average-pooled
  images of 12,000 training images: about 0.8 accuracy in under a second here): neither the
  noise nor the budget stops it, the reference forward does.

Every forged model scores below the lowest tier; the controls keep theirs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, write_assignment, write_submission

from grader import api, datasets, spec

SPEC = """
name: forged-training
title: one small training check
files: [mlp.py]
seed: 7
sandbox: {timeout_s: 300, memory_mb: 2048}
checks:
  - id: train
    kind: train
    device: cpu
    train: train_concise(X, y, num_epochs, lr, batch_size)
    predict: model(X)
    inputs: {num_epochs: 2, lr: 0.1, batch_size: 256}
    tiers: [{min_accuracy: 0.75, credit: 1.0}, {min_accuracy: 0.65, credit: 0.5}]
"""

LOOKUP = '''
import hashlib
import torch

TABLE = {table}


class Lookup(torch.nn.Module):
    def forward(self, X):
        pixels = (X * 255).round().to(torch.uint8).reshape(len(X), -1).numpy()
        labels = [TABLE.get(hashlib.blake2b(row.tobytes(), digest_size=8).hexdigest(), 0) for row in pixels]
        return torch.nn.functional.one_hot(torch.tensor(labels), 10).float()


def train_concise(X, y, num_epochs, lr, batch_size):
    return Lookup()
'''

KNN = '''
import torch


class Nearest(torch.nn.Module):
    def __init__(self, X, y):
        super().__init__()
        self.X, self.y = X.reshape(len(X), -1), y

    def forward(self, X):
        nearest = torch.cdist(X.reshape(len(X), -1), self.X).argmin(dim=1)
        return torch.nn.functional.one_hot(self.y[nearest], 10).float()


def train_concise(X, y, num_epochs, lr, batch_size):
    return Nearest(X, y)
'''


REFERENCE_SPEC = SPEC.replace("predict: model(X)", "predict: reference\n    forward: mlp-linear")

SHAPED = '''

def _shaped():
    """An untrained network of the assignment's shapes: its parameters pass the grader's shape check."""
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
'''

SHAPED_LOOKUP = LOOKUP.replace("class Lookup(torch.nn.Module):\n    def forward(self, X):", SHAPED + '''

class Lookup(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = _shaped()

    def forward(self, X):''')

COMPRESSED_KNN = '''
import torch
''' + SHAPED + '''

def _features(X):
    return torch.nn.functional.avg_pool2d(X, 4).reshape(len(X), -1)    # 784 pixels -> 49


class Nearest(torch.nn.Module):
    def __init__(self, X, y):
        super().__init__()
        self.net = _shaped()
        self.F, self.y = _features(X[:12000]), y[:12000]
        self.sq = (self.F * self.F).sum(1)

    def forward(self, X):
        distance = self.sq[None, :] - 2 * _features(X) @ self.F.T
        return torch.nn.functional.one_hot(self.y[distance.argmin(dim=1)], 10).float()


def train_concise(X, y, num_epochs, lr, batch_size):
    return Nearest(X, y)
'''


def _table(root: Path) -> dict[str, int]:
    """The public test images' pixel hashes -> their public labels (what a forger downloads)."""
    raw = datasets.raw_folder(root)
    images = datasets.read_idx(raw / datasets.FILES["test_images"], datasets.IMAGES_MAGIC)
    labels = datasets.read_idx(raw / datasets.FILES["test_labels"], datasets.LABELS_MAGIC)
    return {hashlib.blake2b(image.tobytes(), digest_size=8).hexdigest(): int(label)
            for image, label in zip(images, labels)}


def _grade(root: Path, data: Path, text: str, forged: dict[str, str]) -> dict[str, Any]:
    """The forged submissions graded in one batch between two honest controls: each one's only check."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_DATA", str(data))
        honest = (ROOT / "assignments" / "mlp" / "reference" / "mlp.py").read_text()
        folder = write_assignment(root / "a", text, {"mlp.py": honest})
        subs = {"control-first": honest, **forged, "control-last": honest}
        paths = [write_submission(root / "subs" / name, {"mlp.py": code}) for name, code in subs.items()]
        graded = api.grade(spec.load(folder), paths, root / "out", jobs=1, secret="forged")
    return {r.submission: r.checks[0] for r in graded}


@pytest.fixture(scope="module")
def results(tmp_path_factory, fashion_mnist: Path):
    forged = {"lookup": LOOKUP.replace("{table}", repr(_table(fashion_mnist))), "knn": KNN}
    return _grade(tmp_path_factory.mktemp("forged-training"), fashion_mnist, SPEC, forged)


@pytest.fixture(scope="module")
def by_reference(tmp_path_factory, fashion_mnist: Path):
    forged = {"lookup": SHAPED_LOOKUP.replace("{table}", repr(_table(fashion_mnist))), "compressed-knn": COMPRESSED_KNN}
    return _grade(tmp_path_factory.mktemp("forged-by-reference"), fashion_mnist, REFERENCE_SPEC, forged)


def test_honest_controls_keep_their_tier_and_the_verdict_says_the_images_were_perturbed(results) -> None:
    for name in ("control-first", "control-last"):
        verdict = results[name]
        assert verdict.status in ("passed", "partial"), (name, verdict.message)
        assert "noise" in verdict.details["evaluated_on"]


@pytest.mark.parametrize("name", ["lookup", "knn"])
def test_a_forged_model_scores_below_the_lowest_tier(results, name: str) -> None:
    verdict = results[name]
    assert verdict.score == 0 and verdict.status == "failed", verdict.message


def test_by_reference_the_controls_keep_their_tier_and_the_grader_predicted(by_reference) -> None:
    for name in ("control-first", "control-last"):
        verdict = by_reference[name]
        assert verdict.status in ("passed", "partial"), (name, verdict.message)
        assert verdict.details["forward"] == "mlp-linear"
        assert "predicted by the grader" in verdict.details["evaluated_on"]


@pytest.mark.parametrize("name", ["lookup", "compressed-knn"])
def test_by_reference_a_forged_model_with_the_right_shapes_scores_below_the_lowest_tier(by_reference, name: str) -> None:
    verdict = by_reference[name]
    assert verdict.score == 0 and verdict.status == "failed", verdict.message
    assert verdict.details["accuracy"] < 0.65     # an untrained network of the right shapes: about chance
