"""Fashion-MNIST where script-style code looks for it, without the held-out test labels.

Scripts open the data themselves: d2l's ``load_data_fashion_mnist`` runs
``torchvision.datasets.FashionMNIST(root="../data", train=..., download=True)``, a
notebook's first cell often ``root="./data"``. A submission that mentions the dataset
finds, read-only under ``./data`` and ``../data`` of its box, torchvision's
``FashionMNIST/raw/`` files, so ``download=True`` sees them present and never reaches
for the network:

- the **training split** is the real one (all 60,000 images and labels, the files
  themselves);
- the **test split** is a *validation* split: the last 10,000 *training* images with
  their labels. The real test images and labels never enter a sandbox this way, so a
  ``train`` check's accuracy (measured by the grader on the real test images, which it
  hands to the trained model itself) cannot be learned from disk, while d2l's
  ``train_ch3`` still finds a labelled test set for its own accuracy and its asserts.
  That accuracy reads a little high: the model has trained on those images.

``grader demo`` builds the same layout from its offline stand-in (see
:func:`grader.datasets.stand_in`) when Fashion-MNIST is not on disk.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from grader import datasets

MENTIONS = re.compile(rb"FashionMNIST|fashion[-_ ]?mnist", re.IGNORECASE)
VALIDATION_IMAGES = 10_000          # of the real training set; the stand-in gives a sixth of its own
_FILES = datasets.FILES
_IMAGES_MAGIC, _LABELS_MAGIC = datasets.IMAGES_MAGIC, datasets.LABELS_MAGIC


_WHY = {"dataset": "a dataset class other than torchvision's FashionMNIST",
        "target_transform": "a target_transform", "data": "data or targets replaced by other tensors",
        "transform": "a transform other than ToTensor, optionally after Resize and before a one-channel Normalize",
        "indices": "a sampler giving other indices than plain integers in range",
        "resize": "a Resize that does not give one-channel images of one size",
        "collate_fn": "a collate_fn of its own (or no batching)", "worker_init_fn": "a worker_init_fn",
        "pin_memory": "pin_memory=True", "persistent_workers": "persistent_workers=True",
        "multiprocessing_context": "a multiprocessing_context", "in_order": "in_order=False"}


def data_path_note(code: object) -> str | None:
    """The note a result gets from the child's record of how Fashion-MNIST reached the script
    (:func:`grader.sandbox.fastdata.record`): fixed words, whatever the child wrote."""
    if code == "fast":
        return ("Fashion-MNIST reached this code from tensors preloaded from its files, a batch at a time: "
                "the same images, labels and order as torchvision's DataLoader gives, faster.")
    if not isinstance(code, str) or ":" not in code:
        return None
    how, why = code.split(":", 1)
    if how not in ("mixed", "torchvision") or why not in _WHY:
        return None
    which = "some of this code's loaders" if how == "mixed" else "this code's loaders"
    return (f"Fashion-MNIST went through torchvision's own path (image by image, slower) for {which}: "
            f"they use {_WHY[why]}, which the grader's fast path does not serve.")


def mentions_dataset(files: dict[str, bytes]) -> bool:
    return any(name.endswith(".py") and MENTIONS.search(data) for name, data in files.items())


def mirror(root: Path, folder: Path) -> list[str]:
    """Build (once) ``folder/FashionMNIST/raw`` from the data under ``root``; returns the files a sandbox must read.

    ``root`` is a Fashion-MNIST root in torchvision's layout, or the demo's prepared
    stand-in (``.npy`` files). Training files of a real root are linked, not copied.
    """
    raw = datasets.raw_folder(folder)
    done = raw / _FILES["test_labels"]
    real = (datasets.raw_folder(root) / _FILES["train_images"]).is_file()
    if not done.is_file():
        raw.mkdir(parents=True, exist_ok=True)
        for part in (folder, raw.parent, raw):
            os.chmod(part, 0o755)
        images, labels = _training_split(root, real)
        held = VALIDATION_IMAGES if real else max(1, len(labels) // 6)
        if real:
            for key in ("train_images", "train_labels"):
                link = raw / _FILES[key]
                if not link.is_symlink():
                    link.symlink_to(datasets.raw_folder(root) / _FILES[key])
        else:
            _write_idx(raw / _FILES["train_images"], images, _IMAGES_MAGIC)
            _write_idx(raw / _FILES["train_labels"], labels, _LABELS_MAGIC)
        _write_idx(raw / _FILES["test_images"], images[-held:], _IMAGES_MAGIC)
        _write_idx(raw / _FILES["test_labels"], labels[-held:], _LABELS_MAGIC)   # last: it marks the mirror done
    files = [raw / _FILES[key] for key in ("test_images", "test_labels")]
    if real:
        files += [datasets.raw_folder(root) / _FILES[key] for key in ("train_images", "train_labels")]
    else:
        files += [raw / _FILES[key] for key in ("train_images", "train_labels")]
    return [str(f) for f in files]


def link_into(target: Path, mirror_folder: Path) -> None:
    """``target/FashionMNIST/raw/*`` in a staged box: symlinks to the mirror's files (a submission's own files win)."""
    raw = datasets.raw_folder(target)
    raw.mkdir(parents=True, exist_ok=True)
    for name in _FILES.values():
        link = raw / name
        if not link.exists() and not link.is_symlink():
            link.symlink_to(datasets.raw_folder(mirror_folder) / name)


def _training_split(root: Path, real: bool) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images (N, 28, 28), uint8 labels (N,)) of the training split, read without torch."""
    if not real:
        images = np.load(root / "train_images.npy", allow_pickle=False)
        labels = np.load(root / "train_labels.npy", allow_pickle=False)
        return images.astype(np.uint8), labels.astype(np.uint8)
    raw = datasets.raw_folder(root)
    return (datasets.read_idx(raw / _FILES["train_images"], _IMAGES_MAGIC),
            datasets.read_idx(raw / _FILES["train_labels"], _LABELS_MAGIC))


def _write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + len(array).to_bytes(4, "big")
    if magic == _IMAGES_MAGIC:
        header += array.shape[1].to_bytes(4, "big") + array.shape[2].to_bytes(4, "big")
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
