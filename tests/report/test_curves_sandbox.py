"""Training curves end to end: a submission trains in the sandbox, the child records one point per
epoch through its loss function, the grader validates them and the report draws them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment, write_submission

from grader import datasets, report, spec
from grader.engine import Engine

from .html_tree import parse

SHARED = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not datasets._present(SHARED), reason=f"no Fashion-MNIST in {SHARED} (set GRADER_DATA)")]

SPEC = """\
name: curves
title: Training curves
files: [fit.py]
seed: 3
sandbox: {timeout_s: 120, import_timeout_s: 120, memory_mb: 2048, preload: [numpy, torch]}
checks:
  - id: fit
    kind: train
    title: A linear classifier learns
    points: 1
    dataset: fashion-mnist
    train: fit(X, y, epochs)
    predict: model(X)
    inputs: {epochs: 2}
    tiers:
      - {min_accuracy: 0.7, credit: 1.0}
      - {min_accuracy: 0.5, credit: 0.5}
"""

FIT = """\
import torch
from torch import nn


def fit(X, y, epochs):
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    loss = nn.CrossEntropyLoss()
    trainer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), 1000):
            index = order[start:start + 1000]
            trainer.zero_grad()
            loss(model(X[index]), y[index]).backward()
            trainer.step()
    return model
"""


def test_the_child_records_one_point_per_epoch_and_the_report_draws_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRADER_DATA", str(SHARED))
    folder = write_assignment(tmp_path / "a", SPEC, {"fit.py": FIT})
    with Engine(workers=1, secret="curves", preload=["numpy", "torch"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        result = engine.grade(prepared, write_submission(tmp_path / "s", {"fit.py": FIT}))
    check = result.checks[0]
    assert check.status in ("passed", "partial"), check.message
    curves = check.details["curves"]
    loss, accuracy = curves["loss"]["training loss"], curves["accuracy"]["training accuracy"]
    assert loss["x"] == [1.0, 2.0] and accuracy["x"] == [1.0, 2.0]          # two epochs, two points
    assert loss["y"][0] > loss["y"][1] > 0 and 0.5 < accuracy["y"][0] < accuracy["y"][1] < 1
    assert curves["accuracy"]["test accuracy (graded)"] == {"x": [2.0], "y": [check.details["accuracy"]]}
    section = parse(report.render_result(result)).find("section", data_check="fit")
    assert len(section.find_all("svg")) == 1 and "full credit" in section.find("svg").text()
