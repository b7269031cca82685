"""Fashion-MNIST for script-style code at preloaded-tensor speed, with torchvision's own batches.

Runs in the sandboxed child only (:func:`install`, before the submission is imported).
A script that loads Fashion-MNIST itself (d2l's ``load_data_fashion_mnist``, or
``torchvision.datasets.FashionMNIST`` with ``ToTensor``) gets every image through PIL,
one at a time, often in four DataLoader worker processes forked each epoch. Here a
batch is built at once from the tensors torchvision itself read from the raw IDX files:

- **what is recognised**: an instance of exactly ``torchvision.datasets.FashionMNIST``
  whose ``target_transform`` is None, whose ``data`` is a uint8 (N, H, W) tensor and
  ``targets`` an integer (N,) tensor, and whose ``transform`` is ``ToTensor()``, or a
  ``Compose`` of any ``Resize`` steps, one ``ToTensor`` and any one-channel ``Normalize``
  steps, in that order (exact classes, never subclasses). It is checked again at every
  batch, so a dataset changed between batches is seen as torchvision would see it;
- **the same values**: ``data[i]`` as uint8, ``.to(torch.get_default_dtype()).div(255)``
  as ``ToTensor`` computes it, the user's own ``Normalize`` called on the batch (elementwise
  ``sub`` and ``div``: each element computed as for one image), the user's own ``Resize``
  called on each PIL image as torchvision does (once per image and dataset, kept as
  uint8), labels ``int(targets[i])``; stacked and collated as ``default_collate`` would:
  ``[images (B, 1, H, W), labels int64 (B,)]``;
- **the same order**: the loader's sampler and generator are untouched; the fast
  iterators only replace how a batch of indices becomes a batch;
- ``DataLoader(num_workers > 0)`` is served in this process only when that cannot change
  a batch: the dataset is recognised, ``collate_fn`` is ``default_collate``, and there is
  no ``worker_init_fn``, ``pin_memory``, ``persistent_workers``, ``multiprocessing_context``
  or ``in_order=False``. The sampler is pulled exactly when the worker path pulls it
  (``prefetch_factor * num_workers`` batches ahead), and the base seed is drawn as there,
  so the global generator ends each step in the same state. (Workers hold a copy of the
  dataset from the iteration's start; a script that changes its dataset in the middle of
  a multi-worker epoch would see the change here. That is not detected.)

Anything else goes through torchvision unchanged. :func:`record` says which path ran,
as codes the grader turns into a note (:func:`grader.script_data.data_path_note`).
"""

from __future__ import annotations

import sys
import weakref
from collections import deque
from typing import Any

from grader.sandbox.import_hooks import after_import

_STATE: dict[str, Any] = {"installed": False, "fast": 0, "slow": {}}
_CACHE_BYTES = 256 << 20          # resized images kept per dataset (uint8) up to this size
_RESIZED: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_MNIST = "torchvision.datasets.mnist"


def install() -> None:
    """Patch torchvision's FashionMNIST and the DataLoader now, or when torchvision is imported."""
    if _STATE["installed"]:
        return
    _STATE["installed"] = True
    after_import(_MNIST, lambda module: _patch())


def record() -> dict[str, Any]:
    """What the load frame carries: ``{"data_path": code}`` once Fashion-MNIST was iterated, else nothing.

    ``fast``: every loader was served by the fast path; ``torchvision:<why>`` (or
    ``mixed:<why>``): some or all went through torchvision's own path, ``why`` being the
    first reason met."""
    slow: dict[str, int] = _STATE["slow"]
    if not slow:
        return {"data_path": "fast"} if _STATE["fast"] else {}
    why = next(iter(slow))
    return {"data_path": f"{'mixed' if _STATE['fast'] else 'torchvision'}:{why}"}


def _patch() -> None:
    import torch.utils.data.dataloader as dl

    sys.modules[_MNIST].FashionMNIST.__getitems__ = _getitems   # torchvision.datasets may be importing still
    real = dl.DataLoader._get_iterator

    def _get_iterator(self: Any) -> Any:
        why = _loader_refusal(self)
        if why is not None:
            if why != "-":
                _note_slow(why)
            return real(self)
        _STATE["fast"] += 1
        if self.num_workers == 0:
            return _fast_single(dl)(self)
        self.check_worker_number_rationality()
        return _in_process(dl)(self)
    dl.DataLoader._get_iterator = _get_iterator   # type: ignore[method-assign]


def _note_slow(why: str) -> None:
    _STATE["slow"][why] = _STATE["slow"].get(why, 0) + 1


# ------------------------------------------------------------------ recognising a dataset

def _plan(ds: Any) -> tuple[list[Any], list[Any]] | str:
    """(Resize steps, Normalize steps) of a dataset the fast path serves, else why not (a code)."""
    import torch
    from torchvision import transforms
    from torchvision.datasets import FashionMNIST

    if type(ds) is not FashionMNIST:
        return "dataset"
    if ds.target_transform is not None:
        return "target_transform"
    data, targets = getattr(ds, "data", None), getattr(ds, "targets", None)
    if not (isinstance(data, torch.Tensor) and data.dtype == torch.uint8 and data.dim() == 3 and data.device.type == "cpu"
            and isinstance(targets, torch.Tensor) and targets.dim() == 1 and len(targets) == len(data)
            and targets.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
            and not data.requires_grad):
        return "data"
    steps = ds.transform.transforms if type(ds.transform) is transforms.Compose else [ds.transform]
    kinds = [type(step) for step in steps]
    if kinds.count(transforms.ToTensor) != 1:
        return "transform"
    at = kinds.index(transforms.ToTensor)
    resizes, normalizes = list(steps[:at]), list(steps[at + 1:])
    if any(type(r) is not transforms.Resize for r in resizes):
        return "transform"
    for step in normalizes:
        if type(step) is not transforms.Normalize or not (_one_channel(step.mean) and _one_channel(step.std)):
            return "transform"
    return resizes, normalizes


def _one_channel(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    return isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], (int, float))


def _indices(ds: Any, index: Any) -> list[int] | None:
    """The batch's indices when they are plain in-range ints (anything else: torchvision's path)."""
    if not isinstance(index, list) or not index or not all(type(i) is int for i in index):
        return None
    return index if min(index) >= 0 and max(index) < len(ds.data) else None


# ------------------------------------------------------------------ building a batch

def _batch(ds: Any, index: Any) -> list[Any] | None:
    """``default_collate`` of ``[ds[i] for i in index]`` built at once; None when not recognised."""
    import torch

    plan = _plan(ds)
    indices = _indices(ds, index) if not isinstance(plan, str) else None
    if isinstance(plan, str) or indices is None:
        _note_slow(plan if isinstance(plan, str) else "indices")
        return None
    resizes, normalizes = plan
    rows = torch.tensor(indices, dtype=torch.int64)
    images = _resized(ds, resizes, indices) if resizes else ds.data.index_select(0, rows)
    if images is None:
        _note_slow("resize")
        return None
    x = images.unsqueeze(1).to(dtype=torch.get_default_dtype()).div(255)
    for step in normalizes:
        x = step(x)
    return [x, torch.tensor(ds.targets.index_select(0, rows).tolist())]


def _resized(ds: Any, resizes: list[Any], indices: list[int]) -> Any:
    """uint8 (B, h, w): each image through the dataset's own ``Resize`` steps on its PIL image, as
    torchvision does it, once per image while the data and the steps are unchanged; None when
    they do not give one-channel images of one size."""
    import numpy as np
    import torch
    import torchvision.datasets.mnist as mnist
    from PIL import Image

    data = ds.data
    key = (id(data), data._version, tuple((id(r), repr(r), repr(vars(r))) for r in resizes))
    cache = _RESIZED.get(ds)
    if cache is None or cache["key"] != key:
        cache = _RESIZED[ds] = {"key": key, "images": None, "done": None, "data": data}
    fromarray = getattr(mnist, "_Image_fromarray", None) or (lambda a, mode: Image.fromarray(a, mode=mode))
    if cache["done"] is None:
        todo = indices
    else:
        wanted = torch.tensor(indices, dtype=torch.int64)
        todo = wanted[~cache["done"].index_select(0, wanted)].tolist()
    made = []
    for i in dict.fromkeys(todo):
        img = fromarray(data[i].numpy(), mode="L")
        for step in resizes:
            img = step(img)
        if not isinstance(img, Image.Image) or img.mode != "L":
            return None
        made.append((i, np.array(img, dtype=np.uint8)))   # a copy: writable, as ToTensor makes it
    if made and cache["images"] is None and len(data) * made[0][1].size <= _CACHE_BYTES:
        cache["images"] = torch.zeros((len(data), *made[0][1].shape), dtype=torch.uint8)
        cache["done"] = torch.zeros(len(data), dtype=torch.bool)
    if cache["images"] is None:
        if len({a.shape for _, a in made}) > 1:
            return None
        by_index = dict(made)
        return torch.from_numpy(np.stack([by_index[i] for i in indices]))
    for i, array in made:
        if array.shape != tuple(cache["images"].shape[1:]):
            return None
        cache["images"][i] = torch.from_numpy(array)
        cache["done"][i] = True
    return cache["images"].index_select(0, torch.tensor(indices, dtype=torch.int64))


def _getitems(self: Any, index: Any) -> list[Any]:
    """``FashionMNIST.__getitems__``: the samples of a batch, built at once when recognised (what a
    DataLoader worker process fetches); ``[self[i] for i in index]`` otherwise, as without it."""
    batch = _batch(self, index)
    if batch is None:
        return [self[i] for i in index]
    images, labels = batch
    return list(zip(images.unbind(0), labels.tolist()))


# ------------------------------------------------------------------ the loaders' iterators

def _loader_refusal(loader: Any) -> str | None:
    """None when the fast iterators give this loader's batches; ``-`` for a dataset that is not
    Fashion-MNIST (nothing to record); else why not (a code)."""
    from torch.utils.data._utils.collate import default_collate
    from torchvision.datasets import FashionMNIST

    if not isinstance(loader.dataset, FashionMNIST):
        return "-"
    plan = _plan(loader.dataset)
    if isinstance(plan, str):
        return plan
    if loader.batch_sampler is None or loader.collate_fn is not default_collate:
        return "collate_fn"
    if loader.num_workers == 0:
        return None
    for name, plain in (("worker_init_fn", None), ("pin_memory", False), ("persistent_workers", False),
                        ("multiprocessing_context", None), ("in_order", True)):
        if getattr(loader, name, plain) != plain:
            return name
    return None


def _fetch(it: Any, index: Any) -> Any:
    data = _batch(it._dataset, index)
    if data is None:
        data = it._dataset_fetcher.fetch(index)
    if it._pin_memory:
        from torch.utils.data import _utils
        data = _utils.pin_memory.pin_memory(data, it._pin_memory_device)
    return data


_CLASSES: dict[str, type] = {}


def _fast_single(dl: Any) -> type:
    """``_SingleProcessDataLoaderIter`` whose batches are built at once."""
    if "single" not in _CLASSES:
        class _FastSingle(dl._SingleProcessDataLoaderIter):
            def _next_data(self) -> Any:
                return _fetch(self, self._next_index())
        _CLASSES["single"] = _FastSingle
    return _CLASSES["single"]


def _in_process(dl: Any) -> type:
    """A multi-worker loader's iterator served in this process: the base seed drawn and the sampler
    pulled when ``_MultiProcessingDataLoaderIter`` draws and pulls them, the batches in order."""
    if "many" not in _CLASSES:
        class _InProcess(dl._BaseDataLoaderIter):
            def __init__(self, loader: Any) -> None:
                super().__init__(loader)
                self._dataset_fetcher = dl._DatasetKind.create_fetcher(
                    self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn, self._drop_last)
                self._ahead: deque[Any] = deque()
                for _ in range(loader.prefetch_factor * loader.num_workers):
                    self._pull()

            def _pull(self) -> None:
                try:
                    self._ahead.append(self._next_index())
                except StopIteration:
                    pass

            def _next_data(self) -> Any:
                if not self._ahead:
                    raise StopIteration
                index = self._ahead.popleft()
                self._pull()        # as _process_data does before handing the batch over
                return _fetch(self, index)
        _CLASSES["many"] = _InProcess
    return _CLASSES["many"]
