"""Datasets for ``train`` checks: found by the grader, loaded once per warm worker, used in children.

Three processes, three roles:

- the **grader** locates the data (:func:`locate`; ``$GRADER_DATA``, else
  ``~/.cache/grader/data``; a download only with ``GRADER_DOWNLOAD=1``) and reads
  the **test labels** itself (:func:`test_labels`) to score predictions;
- the **warm worker** loads the training images and labels and the test *images*
  through ``torchvision.datasets.FashionMNIST(root, download=False)`` once, as
  uint8 tensors (:func:`load_in_worker`), before it forks; the test labels are
  never read there, so no child can find them in memory it inherited;
- each **child** turns them into float tensors, calls the student's training
  function and returns only its predictions on the test images
  (:func:`train_and_predict`).

``grader demo`` alone may train on a **stand-in** when Fashion-MNIST is not on disk
(:func:`stand_in`): scikit-learn's handwritten digits (1797 real 8×8 images of 10 classes
inside the scikit-learn wheel: nothing is downloaded), upscaled to 28×28, split the same
way every time, handled as Fashion-MNIST is (test labels kept by the grader; not secret,
though: scikit-learn's own file holds them, one more reason a stand-in score is no grade).
``grader grade``, ``check`` and ``validate`` never use it: an instructor's dataset is never swapped.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.errors import GraderError

ENV_DIR = "GRADER_DATA"
ENV_DOWNLOAD = "GRADER_DOWNLOAD"
FASHION_MNIST = "fashion-mnist"
KNOWN = (FASHION_MNIST,)
_RAW = ("FashionMNIST", "raw")
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049   # IDX headers: uint8 data in 3 and in 1 dimensions
FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
          "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
CLASSES = 10
LOSS_SAMPLE = 10_000     # training images the child uses to report the final training loss

DIGITS = "digits"        # scikit-learn's handwritten digits: the demo's offline stand-in, never a spec's dataset
STAND_IN = {FASHION_MNIST: DIGITS}
TITLES = {FASHION_MNIST: "Fashion-MNIST", DIGITS: "scikit-learn's handwritten digits"}
IMAGE_SIZE = 28          # what a Fashion-MNIST model expects: (N, 1, 28, 28)
DIGITS_TEST_EVERY = 5    # within each class, every 5th image (the 1st, 6th, ...) is a test image
_STAND_IN_FILES = ("train_images.npy", "train_labels.npy", "test_images.npy")   # never the test labels
_STAND_IN_VERSION = 1    # bump when the upscaling or the split changes


class DataMissing(GraderError):
    """The dataset a check needs is not on disk (and may not be downloaded)."""

    def __init__(self, message: str, folder: Path | None = None) -> None:
        super().__init__(message)
        self.folder = folder     # where the grader looked, when it looked in a folder


def data_dir(given: Path | None = None) -> Path:
    """The data folder: ``given`` (``--data-dir``), else ``$GRADER_DATA``, else ``$XDG_CACHE_HOME/grader/data``."""
    env = given or os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "grader" / "data"


def raw_folder(root: Path) -> Path:
    """``root/FashionMNIST/raw``: torchvision's layout."""
    return root.joinpath(*_RAW)


def _present(root: Path) -> bool:
    return all((raw_folder(root) / name).is_file() for name in FILES.values())


def locate(name: str = FASHION_MNIST, root: Path | None = None, download: bool | None = None) -> Path:
    """The absolute root holding ``FashionMNIST/raw/`` (torchvision's layout); raises :class:`DataMissing`.

    Downloads (in the grader process, never in a sandbox) only when ``download`` is
    true, or ``$GRADER_DOWNLOAD=1`` when it is None.
    """
    if name not in KNOWN:
        raise DataMissing(f"unknown dataset {name!r}; known: {', '.join(KNOWN)}")
    root = (root or data_dir()).resolve()
    if _present(root):
        return root
    if download if download is not None else os.environ.get(ENV_DOWNLOAD, "").strip().lower() in ("1", "true", "yes"):
        try:
            from torchvision.datasets import FashionMNIST
            for train in (True, False):
                FashionMNIST(str(root), train=train, download=True)
        except Exception as exc:  # noqa: BLE001 - offline, disk full, ...: one sentence either way
            raise DataMissing(f"Fashion-MNIST is not in {root} and downloading it failed ({exc}); "
                              f"set {ENV_DIR} to a folder holding FashionMNIST/raw/") from None
        if _present(root):
            return root
    raise DataMissing(f"Fashion-MNIST is not in {root} (looked for {raw_folder(root)}/{FILES['train_images']}); "
                      f"pass --data-dir (or set {ENV_DIR}) to the folder that holds FashionMNIST/raw/, or set {ENV_DOWNLOAD}=1 to download it there.",
                      folder=root)


def describe_located(name: str, root: Path) -> dict[str, Any]:
    """What a training check records about the dataset it used (``details["dataset"]``)."""
    raw = raw_folder(root)
    return {"name": name, "title": TITLES[name], "root": str(root), "stand_in": False,
            "train_images": _idx_count(raw / FILES["train_images"]), "test_images": _idx_count(raw / FILES["test_images"])}


def _idx_count(path: Path) -> int | None:
    """The item count in an IDX file's header (None when unreadable: the load will say why)."""
    try:
        with open(path, "rb") as fh:
            return int.from_bytes(fh.read(8)[4:8], "big")
    except OSError:
        return None


def read_idx(path: Path, magic: int) -> np.ndarray:
    """An IDX file (big-endian header, uint8 body) as a NumPy array, with its header checked."""
    data = path.read_bytes()
    if len(data) < 8 or int.from_bytes(data[:4], "big") != magic:
        raise DataMissing(f"{path} is not an IDX file of the expected kind (bad magic number)")
    dims = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != math.prod(shape):
        raise DataMissing(f"{path} is truncated ({body.size} bytes for shape {shape})")
    return body.reshape(shape)


@functools.lru_cache(maxsize=4)
def test_labels(root: str, name: str = FASHION_MNIST) -> np.ndarray:
    """The held-out labels, read in the grader process only (never by a worker or a child)."""
    if name == DIGITS:   # never written to the stand-in's folder: taken from scikit-learn's file again
        meta = _stand_in_meta(Path(root))
        labels = _digits(meta["source"], meta["sha256"]).test_labels
    else:
        labels = read_idx(raw_folder(Path(root)) / FILES["test_labels"], LABELS_MAGIC).astype(np.int64)
    labels.setflags(write=False)
    return labels


@functools.lru_cache(maxsize=2)
def grader_images(root: str, name: str = FASHION_MNIST) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(test images, the first LOSS_SAMPLE training images, their labels), read in the grader
    process for a check that predicts there (``predict: reference``); read-only uint8/int64."""
    if name == DIGITS:
        meta = _stand_in_meta(Path(root))
        digits = _digits(meta["source"], meta["sha256"])
        arrays = (digits.test_images, digits.train_images[:LOSS_SAMPLE], digits.train_labels[:LOSS_SAMPLE])
    else:
        raw = raw_folder(Path(root))
        arrays = (read_idx(raw / FILES["test_images"], IMAGES_MAGIC),
                  read_idx(raw / FILES["train_images"], IMAGES_MAGIC)[:LOSS_SAMPLE].copy(),  # not the 47 MB file
                  read_idx(raw / FILES["train_labels"], LABELS_MAGIC)[:LOSS_SAMPLE].astype(np.int64))
    for array in arrays:
        array.setflags(write=False)
    return arrays


# --------------------------------------------------- the demo's offline stand-in

def digits_source() -> Path:
    """scikit-learn's bundled ``digits.csv.gz``, found without importing scikit-learn (nor SciPy)."""
    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return path.resolve()
    if not folders:
        raise DataMissing("the offline stand-in (scikit-learn's handwritten digits) needs scikit-learn, "
                          "which is not installed: pip install 'grader[demo]' (or scikit-learn)")
    raise DataMissing(f"scikit-learn is installed in {folders[0]} but its bundled digits.csv.gz is not "
                      "where grader looks for it (datasets/data/); reinstall scikit-learn")


@dataclass(frozen=True)
class _Digits:
    train_images: np.ndarray     # uint8 (N, 28, 28)
    train_labels: np.ndarray     # int64 (N,)
    test_images: np.ndarray      # uint8 (M, 28, 28)
    test_labels: np.ndarray      # int64 (M,): the grader's alone


def upscale(images: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """Bilinear resize of (N, h, w) float images to (N, size, size).

    The same numbers as ``torch.nn.functional.interpolate(x, size, mode="bilinear",
    align_corners=False)`` (a test holds them equal), in NumPy and elementwise only, so
    no BLAS or torch thread pool starts in the process that prepares the stand-in.
    """
    def axis(n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = np.maximum((np.arange(size) + 0.5) * (n_in / size) - 0.5, 0.0)
        low = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        return low, np.minimum(low + 1, n_in - 1), src - low

    r0, r1, rw = axis(images.shape[1])
    rows = images[:, r0, :] * (1 - rw)[None, :, None] + images[:, r1, :] * rw[None, :, None]
    c0, c1, cw = axis(images.shape[2])
    return rows[:, :, c0] * (1 - cw) + rows[:, :, c1] * cw


@functools.lru_cache(maxsize=2)
def _digits(source: str, sha256: str | None = None) -> _Digits:
    """The digits read, checked, upscaled to 28×28 uint8 (as ``ToTensor`` would see a Fashion-MNIST image)
    and split: within each class, every ``DIGITS_TEST_EVERY``-th image is a test image (stratified, no RNG)."""
    data = Path(source).read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise DataMissing(f"{source} changed after the stand-in was prepared from it; run again")
    try:
        table = np.loadtxt(gzip.decompress(data).decode("ascii").splitlines(), delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, ValueError, EOFError) as exc:
        raise DataMissing(f"{source} is not scikit-learn's digits table ({exc})") from None
    pixels, labels = table[:, :-1], table[:, -1]
    if table.shape[1] != 65 or len(table) < 100 or pixels.min() < 0 or pixels.max() > 16 \
            or set(np.unique(labels)) != set(range(CLASSES)):
        raise DataMissing(f"{source} is not scikit-learn's digits table (shape {table.shape})")
    labels = labels.astype(np.int64)
    images = np.rint(np.clip(upscale(pixels.reshape(-1, 8, 8) / 16.0), 0.0, 1.0) * 255).astype(np.uint8)
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(CLASSES):
        test[np.flatnonzero(labels == digit)[::DIGITS_TEST_EVERY]] = True
    return _Digits(images[~test], labels[~test], images[test], labels[test])


def stand_in(name: str, folder: Path, reason: str = "") -> tuple[Path, dict[str, Any]]:
    """Prepare the offline stand-in for dataset ``name`` under ``folder``; returns (root, what it is).

    Only ``grader demo`` asks for it. The root holds the training images and labels and
    the test images as ``.npy`` files (for the warm worker); the test labels stay in
    this process (:func:`test_labels`). Raises :class:`DataMissing` when there is none.
    """
    if STAND_IN.get(name) != DIGITS:
        raise DataMissing(f"there is no offline stand-in for {name!r}")
    source = digits_source()
    sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
    digits = _digits(str(source), sha256)
    root = folder / f"{DIGITS}-{sha256[:12]}-v{_STAND_IN_VERSION}"
    if not (root / "meta.json").is_file():
        tmp = folder / f".{root.name}.{os.getpid()}.tmp"
        tmp.mkdir(parents=True, mode=0o700, exist_ok=True)
        for file, array in zip(_STAND_IN_FILES, (digits.train_images, digits.train_labels, digits.test_images)):
            np.save(tmp / file, array, allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps({"source": str(source), "sha256": sha256}))
        try:
            os.replace(tmp, root)
        except OSError:          # prepared meanwhile by another engine: theirs is the same
            shutil.rmtree(tmp, ignore_errors=True)
    info = {"name": DIGITS, "title": TITLES[DIGITS], "stand_in": True, "stand_in_for": name,
            "reason": reason, "source": str(source), "train_images": len(digits.train_labels),
            "test_images": len(digits.test_labels), "images": f"8×8 upscaled to {IMAGE_SIZE}×{IMAGE_SIZE}"}
    return root, info


def _stand_in_meta(root: Path) -> dict[str, str]:
    try:
        return json.loads((root / "meta.json").read_text())
    except (OSError, ValueError):
        raise DataMissing(f"{root} holds no prepared stand-in dataset") from None


def describe(info: dict[str, Any] | None) -> str:
    """One line on the dataset a training check used, from its ``details["dataset"]``."""
    if not isinstance(info, dict):
        return ""
    title = str(info.get("title") or info.get("name") or "an unnamed dataset")
    if info.get("missing"):
        return f"none: {info['missing']}"
    counts = f"{info['train_images']} training images" if isinstance(info.get("train_images"), int) else "training images"
    if isinstance(info.get("test_images"), int):
        counts += f", {info['test_images']} test images"
    if not info.get("stand_in"):
        return f"{title} ({counts}, {info.get('root', '?')})"
    meant = TITLES.get(str(info.get("stand_in_for")), str(info.get("stand_in_for") or "the spec's dataset"))
    reason = f", because {info['reason']}" if info.get("reason") else ""
    return (f"the offline stand-in for {meant}: {title} ({counts}, {info.get('images', '')}){reason}; "
            "a demonstration, not a grade")


def provisional(details: dict[str, Any] | None) -> bool:
    """A check that trained on the stand-in or found no data: its result is never reused, always graded again."""
    info = (details or {}).get("dataset")
    return isinstance(info, dict) and bool(info.get("stand_in") or info.get("missing"))


# ------------------------------------------------------------------ warm worker

@dataclass(frozen=True)
class InMemory:
    """A dataset as the warm worker holds it: uint8 images, int64 training labels, no test labels."""

    train_images: Any        # torch.uint8 (N, 28, 28)
    train_labels: Any        # torch.int64 (N,)
    test_images: Any         # torch.uint8 (M, 28, 28)


_LOADED: dict[tuple[str, str], InMemory] = {}


def load_in_worker(name: str, root: str) -> InMemory:
    """Load a dataset once per worker (before it forks: every child inherits the same pages).

    Uses ``FashionMNIST(root, train=True, download=False)`` for the training split and
    torchvision's own IDX reader for the test images alone. No torch op that could
    start a thread pool runs here (only ``frombuffer`` and ``view``).
    """
    key = (name, root)
    if key not in _LOADED and name == DIGITS:   # the demo's stand-in: .npy files the grader prepared
        import torch

        arrays = [np.load(Path(root) / file, allow_pickle=False) for file in _STAND_IN_FILES]
        _LOADED.clear()
        _LOADED[key] = InMemory(*(torch.from_numpy(a) for a in arrays))
    if key not in _LOADED:
        if name not in KNOWN:
            raise ValueError(f"unknown dataset {name!r}")
        from torchvision.datasets import FashionMNIST
        from torchvision.datasets.mnist import read_image_file

        train = FashionMNIST(root, train=True, download=False)
        test_images = read_image_file(os.path.join(train.raw_folder, FILES["test_images"]))
        _LOADED.clear()  # one dataset at a time: a worker serves one assignment per batch
        _LOADED[key] = InMemory(train.data, train.targets, test_images)
    return _LOADED[key]


# ------------------------------------------------------------------------ child

def pick_device(wanted: str) -> Any:
    """``cpu``, ``cuda``, or ``auto`` (CUDA when usable in this child, else CPU). CUDA starts here, in the child."""
    import torch

    if wanted == "cpu":
        return torch.device("cpu")
    usable = torch.cuda.is_available()
    if wanted == "cuda" and not usable:
        raise RuntimeError("this check asks for a CUDA device and none is usable here")
    return torch.device("cuda" if usable else "cpu")


def as_float_images(images: Any, device: Any) -> Any:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1], as d2l's ToTensor gives them."""
    return images.to(device).unsqueeze(1).float().div_(255.0)


def as_logits(out: Any, rows: int) -> Any:
    """The prediction call's result as a float (rows, 10) tensor, or a TypeError a student can read."""
    import torch

    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the prediction call must return a tensor of shape ({rows}, {CLASSES}), got {type(out).__name__}")
    if tuple(out.shape) != (rows, CLASSES):
        raise TypeError(f"the prediction call must return one row of {CLASSES} scores per image: "
                        f"expected shape ({rows}, {CLASSES}), got {tuple(out.shape)}")
    return out.detach().float()
