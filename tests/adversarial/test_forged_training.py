"""Issue 15, item 11: a ``train`` check's accuracy must come from a trained model, not from the public test set.

Two forged submissions, between honest controls, on a small training check: a hash -> label
table of the 10,000 public Fashion-MNIST test images answering in ``model(X)``, and a 1-NN
over the training images that ``train`` receives. The grader perturbs the test images with
seeded noise (no hash matches) and gives predicting a time budget (a search through 60,000
stored images overruns it on the CPU), so both score below the lowest tier; the controls keep theirs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

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


def _table(root: Path) -> dict[str, int]:
    """The public test images' pixel hashes -> their public labels (what a forger downloads)."""
    raw = datasets.raw_folder(root)
    images = datasets.read_idx(raw / datasets.FILES["test_images"], datasets.IMAGES_MAGIC)
    labels = datasets.read_idx(raw / datasets.FILES["test_labels"], datasets.LABELS_MAGIC)
    return {hashlib.blake2b(image.tobytes(), digest_size=8).hexdigest(): int(label)
            for image, label in zip(images, labels)}


@pytest.fixture(scope="module")
def results(tmp_path_factory, fashion_mnist: Path):
    root = tmp_path_factory.mktemp("forged-training")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_DATA", str(fashion_mnist))
        honest = (ROOT / "assignments" / "mlp" / "reference" / "mlp.py").read_text()
        folder = write_assignment(root / "a", SPEC, {"mlp.py": honest})
        subs = {"control-first": honest, "lookup": LOOKUP.replace("{table}", repr(_table(fashion_mnist))),
                "knn": KNN, "control-last": honest}
        paths = [write_submission(root / "subs" / name, {"mlp.py": code}) for name, code in subs.items()]
        graded = api.grade(spec.load(folder), paths, root / "out", jobs=1, secret="forged")
    return {r.submission: r.checks[0] for r in graded}


def test_honest_controls_keep_their_tier_and_the_verdict_says_the_images_were_perturbed(results) -> None:
    for name in ("control-first", "control-last"):
        verdict = results[name]
        assert verdict.status in ("passed", "partial"), (name, verdict.message)
        assert "noise" in verdict.details["evaluated_on"]


@pytest.mark.parametrize("name", ["lookup", "knn"])
def test_a_forged_model_scores_below_the_lowest_tier(results, name: str) -> None:
    verdict = results[name]
    assert verdict.score == 0 and verdict.status == "failed", verdict.message
