"""Per-epoch training curves, recorded in the sandboxed child while the student's code trains.

Two sources, both plain numbers only (the child's figures are never sent or drawn):

- **the loss function**: while a ``train`` check's call runs, ``torch.nn.functional.cross_entropy``
  and ``nll_loss`` (what ``nn.CrossEntropyLoss`` and ``nn.NLLLoss`` call) are wrapped. Every call
  made with autograd recording (a training step, not an evaluation under ``no_grad``) adds its
  batch's summed loss and correct predictions; one pass over the grader's training images
  (``rows`` of them) is one epoch. The wrapper returns the original's value untouched.
- **d2l's Animator** (``d2l.torch.Animator``, what ``train_ch3`` draws with): ``__init__`` and
  ``add`` are wrapped from the start of the run, so a script that trains when it is run or
  imported has its own curves recorded with the legend it gave (train loss, train acc, test acc).

What comes back is :func:`result`'s plain dict; the grader validates and bounds it
(:mod:`grader.charts`) before anything is shown. A student's code can write anything here (it
runs in the same process): the values are the student's own claims, shown as such, never scored.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from grader.sandbox.import_hooks import after_import

MAX_EPOCHS = 1000          # epochs recorded from the loss function
MAX_ANIMATORS = 8
MAX_ADDS = 5000            # points one Animator series keeps
LOSS_FUNCTIONS = ("cross_entropy", "nll_loss")

_ANIMATORS: list[dict[str, Any]] = []


# ------------------------------------------------------------------ the loss function
class EpochRecorder:
    """Sums one epoch's loss and correct predictions over the training steps' batches.

    An epoch ends when ``rows`` rows were seen; when the rows seen leave no room for another
    full batch, the next call decides: a smaller batch that fits is the epoch's last (partial)
    batch, anything else starts the next epoch (a loop that drops the last partial batch).
    """

    def __init__(self, rows: int) -> None:
        self.rows = max(1, int(rows))
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self._seen = 0
        self._largest = 0
        self._loss_sum: Any = 0.0
        self._correct: Any = 0
        self._counted = 0        # rows with a prediction to count (2-D scores against class labels)
        self._pending = False
        self.busy = False

    def observe(self, scores: Any, target: Any, out: Any, reduction: str) -> None:
        """One training step's batch: ``scores`` went into the loss function, ``out`` came out."""
        import torch

        if len(self.loss) >= MAX_EPOCHS or not isinstance(scores, torch.Tensor) or scores.ndim < 1:
            return
        batch = int(scores.shape[0])
        if batch <= 0:
            return
        if self._pending:
            if batch < self._largest and self._seen + batch <= self.rows:
                self._add(batch, scores, target, out, reduction)
                self._close()
                return
            self._close()
        self._largest = max(self._largest, batch)
        self._add(batch, scores, target, out, reduction)
        if self._seen >= self.rows:
            self._close()
        elif self._seen + self._largest > self.rows:
            self._pending = True

    def _add(self, batch: int, scores: Any, target: Any, out: Any, reduction: str) -> None:
        import torch

        with torch.no_grad():
            loss = out.detach()
            total = loss.sum() if loss.ndim else (loss if reduction == "sum" else loss * batch)
            self._loss_sum = self._loss_sum + total.double()
            labels = target.argmax(dim=1) if target.ndim == 2 and target.is_floating_point() else target
            if scores.ndim == 2 and labels.ndim == 1 and len(labels) == batch:
                self._correct = self._correct + (scores.detach().argmax(dim=1) == labels).sum()
                self._counted += batch
        self._seen += batch

    def _close(self) -> None:
        """The epoch's mean loss and accuracy, as numbers (one device sync per epoch)."""
        if self._seen:
            self.loss.append(float(self._loss_sum) / self._seen)
            self.accuracy.append(float(self._correct) / self._counted if self._counted else math.nan)
        self._seen, self._counted, self._pending = 0, 0, False
        self._loss_sum, self._correct = 0.0, 0

    def finish(self) -> None:
        """Training returned: an epoch left open counts when it saw at least half the rows."""
        if self._seen * 2 >= self.rows:
            self._close()


@contextmanager
def recording(rows: int) -> Iterator[EpochRecorder]:
    """Wrap the loss functions while the block runs (a ``train`` check's call); restored after."""
    recorder = EpochRecorder(rows)
    try:
        import torch.nn.functional as F
    except ImportError:
        yield recorder
        return
    originals = {name: getattr(F, name) for name in LOSS_FUNCTIONS if callable(getattr(F, name, None))}
    for name, original in originals.items():
        setattr(F, name, _wrapped(original, recorder))
    try:
        yield recorder
    finally:
        for name, original in originals.items():
            setattr(F, name, original)
        recorder.finish()


def _wrapped(original: Any, recorder: EpochRecorder) -> Any:
    @functools.wraps(original)
    def loss_function(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        out = original(input, target, *args, **kwargs)
        if not recorder.busy and getattr(input, "requires_grad", False):
            recorder.busy = True
            try:
                recorder.observe(input, target, out, str(kwargs.get("reduction", "mean")))
            except Exception:  # noqa: BLE001 - recording must never change what the student's code does
                pass
            finally:
                recorder.busy = False
        return out
    return loss_function


# ------------------------------------------------------------------ d2l's Animator
def install() -> None:
    """Record d2l's Animator from now on in this child: patched at once when ``d2l.torch`` is loaded
    (a warm worker preloads it), else when the submission first imports it."""
    after_import("d2l.torch", _patch_animator)


def _patch_animator(module: Any) -> None:
    cls: Any = getattr(module, "Animator", None)
    if not isinstance(cls, type) or getattr(cls, "_grader_recorded", False):
        return
    init, add = getattr(cls, "__init__"), getattr(cls, "add", None)  # noqa: B009 - the class is d2l's, typed Any
    if not callable(add):
        return

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if len(_ANIMATORS) < MAX_ANIMATORS:
            legend = kwargs.get("legend", args[2] if len(args) > 2 else None)
            xlabel = kwargs.get("xlabel", args[0] if args else None)
            _ANIMATORS.append({"id": id(self), "legend": [str(n)[:60] for n in list(legend or [])[:8]],
                               "xlabel": str(xlabel or "")[:60], "series": []})

    @functools.wraps(add)
    def add_(self: Any, x: Any, y: Any) -> Any:
        try:
            _record(self, x, y)
        except Exception:  # noqa: BLE001 - recording must never change what the student's code does
            pass
        return add(self, x, y)

    setattr(cls, "__init__", __init__)  # noqa: B010
    setattr(cls, "add", add_)  # noqa: B010
    setattr(cls, "_grader_recorded", True)  # noqa: B010


def _record(animator: Any, x: Any, y: Any) -> None:
    entry = next((a for a in reversed(_ANIMATORS) if a["id"] == id(animator)), None)
    if entry is None:
        return
    ys = list(y) if hasattr(y, "__len__") else [y]
    xs = list(x) if hasattr(x, "__len__") else [x] * len(ys)
    series = entry["series"]
    while len(series) < min(len(ys), 8):
        series.append(([], []))
    for (px, py), a, b in zip(series, xs, ys):
        if a is not None and b is not None and len(px) < MAX_ADDS:
            px.append(_number(a))
            py.append(_number(b))


def _number(value: Any) -> float:
    try:
        return float(value)
    except Exception:  # noqa: BLE001 - a tensor on a device, an object: no number
        return math.nan


# ------------------------------------------------------------------ what goes back
def mark() -> list[int]:
    """How many points each Animator holds now (see :func:`result`)."""
    return [sum(len(py) for _px, py in a["series"]) for a in _ANIMATORS]


def result(recorder: EpochRecorder | None, before: list[int]) -> dict[str, Any] | None:
    """The curves of one training call, for the grader: the last d2l Animator that drew during the
    call (the student's own chart), else what the loss function recorded, else the last Animator
    that drew before the call (a script that trained when it ran) and no call has used yet; None
    when there is no point at all."""
    now = mark()
    during = [a for i, a in enumerate(_ANIMATORS) if now[i] > (before[i] if i < len(before) else 0)]
    earlier = [a for a in _ANIMATORS if a["series"] and not a.get("used") and a not in during]
    if during:
        return _animator(during[-1])
    if recorder is not None and recorder.loss:
        epochs = [float(i + 1) for i in range(len(recorder.loss))]
        series = {"loss": {"x": epochs, "y": recorder.loss}}
        if any(not math.isnan(a) for a in recorder.accuracy):
            series["accuracy"] = {"x": epochs, "y": recorder.accuracy}
        return {"source": "loss", "xlabel": "epoch", "rows": recorder.rows, "series": series}
    return _animator(earlier[-1]) if earlier else None


def _animator(entry: dict[str, Any]) -> dict[str, Any]:
    entry["used"] = True
    legend = entry["legend"]
    names = legend + [f"series {i + 1}" for i in range(len(legend), len(entry["series"]))]
    return {"source": "animator", "xlabel": entry["xlabel"],
            "series": {names[i]: {"x": px, "y": py} for i, (px, py) in enumerate(entry["series"]) if py}}
