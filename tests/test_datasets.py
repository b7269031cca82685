"""Where Fashion-MNIST comes from, what the worker holds, and the one sentence when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from grader import datasets

SHARED = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist")
needs_data = pytest.mark.usefixtures("fashion_mnist")   # skips without the data, fails in CI (conftest)


def test_data_dir_is_the_variable_else_a_per_user_cache(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GRADER_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path
    assert datasets.data_dir(tmp_path / "given") == tmp_path / "given"   # --data-dir, passed explicitly, comes first
    monkeypatch.delenv("GRADER_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert datasets.data_dir() == tmp_path / "cache" / "grader" / "data"


def test_missing_data_is_one_sentence_naming_the_folder_and_the_variable(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GRADER_DATA", str(tmp_path))
    monkeypatch.delenv("GRADER_DOWNLOAD", raising=False)
    with pytest.raises(datasets.DataMissing) as info:
        datasets.locate()
    message = str(info.value)
    assert str(tmp_path) in message and "GRADER_DATA" in message and "GRADER_DOWNLOAD" in message
    assert "\n" not in message and message.endswith(".")


def test_a_truncated_label_file_is_refused(tmp_path) -> None:
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-labels-idx1-ubyte").write_bytes((2049).to_bytes(4, "big") + (10).to_bytes(4, "big") + b"\0" * 3)
    with pytest.raises(datasets.DataMissing, match="truncated"):
        datasets.test_labels(str(tmp_path))


@needs_data
def test_test_labels_are_read_by_the_grader_as_int64() -> None:
    labels = datasets.test_labels(str(SHARED.resolve()))
    assert labels.shape == (10_000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [1000] * 10


@needs_data
def test_the_worker_holds_uint8_images_and_no_test_labels() -> None:
    data = datasets.load_in_worker(datasets.FASHION_MNIST, str(SHARED.resolve()))
    import torch
    assert data.train_images.dtype == torch.uint8 and tuple(data.train_images.shape) == (60_000, 28, 28)
    assert data.test_images.dtype == torch.uint8 and tuple(data.test_images.shape) == (10_000, 28, 28)
    assert tuple(data.train_labels.shape) == (60_000,)
    assert not any("label" in f and "test" in f for f in vars(data))
    assert datasets.load_in_worker(datasets.FASHION_MNIST, str(SHARED.resolve())) is data  # loaded once
    images = datasets.as_float_images(data.test_images[:5], torch.device("cpu"))
    assert images.shape == (5, 1, 28, 28) and images.dtype == torch.float32 and float(images.max()) <= 1.0


def test_the_data_path_note_is_fixed_words_whatever_the_child_wrote() -> None:
    """The child's record of how Fashion-MNIST reached a script is untrusted: only known codes become a note."""
    from grader import script_data

    assert "same images, labels and order" in (script_data.data_path_note("fast") or "")
    slow = script_data.data_path_note("torchvision:transform") or ""
    assert "torchvision's own path" in slow and "this code's loaders" in slow and "a transform other" in slow
    assert "some of this code's loaders" in (script_data.data_path_note("mixed:worker_init_fn") or "")
    for forged in (None, 3, "", "fast!", "torchvision:<script>alert(1)</script>", "other:transform", ["fast"]):
        assert script_data.data_path_note(forged) is None
