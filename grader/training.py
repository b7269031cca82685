"""The child's side of a ``train`` check: train the student's model, then predict on the perturbed test images
(or, with ``predict: reference``, hand back the trained parameters for the grader to predict with).

Runs in the sandboxed child only, on the dataset the warm worker loaded
(:func:`grader.datasets.load_in_worker`). The test images reach the student's prediction
call with seeded noise of a few grey levels on every pixel (:func:`perturb`), so a table of
the public test images finds none of them, and predicting on them all must fit the check's
``predict_budget_s``, so a search through the stored training images runs out of time.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from grader.datasets import LOSS_SAMPLE, InMemory, as_float_images, as_logits, pick_device

EVAL_NOISE = 4           # grey levels of seeded noise added to every test pixel: no public hash matches
EVALUATION = f"the official test images, each pixel moved by seeded noise of up to {EVAL_NOISE} grey levels"
REFERENCE_EVALUATION = ("the official test images, predicted by the grader with the reference's forward pass "
                        "on the trained parameters the submission returned")
MAX_PARAMETERS = 16      # parameter arrays a reference forward may take


def train_and_predict(data: InMemory | None, harness: dict[str, Any], seed: int, values: dict[str, Any],
                      evaluate: Callable[[str, dict[str, Any]], Any]) -> dict[str, Any]:
    """Run the student's training call, then their prediction call on the test images.

    ``evaluate(expr, values)`` evaluates a call expression with the submission's names.
    Returns plain data: predicted labels, the device, seconds, the final training loss on
    the first images of the training set (for the message only; scores never use it).
    """
    import torch

    device = pick_device(harness.get("device", "auto"))
    if device.type == "cuda":
        torch.cuda.manual_seed_all(seed)
    from grader import calls

    used, _ = calls.names(calls.parse(harness["train"]))
    # A script that trained at import (``train: net``) needs no copy of the training set here.
    X = as_float_images(data.train_images, device) if "X" in used and data is not None else None
    y = data.train_labels.to(device) if "y" in used and data is not None else None
    began = time.perf_counter()
    model = evaluate(harness["train"], {**values, "X": X, "y": y})
    seconds = time.perf_counter() - began
    if isinstance(model, torch.nn.Module):
        model.eval()
    del X
    if harness.get("forward"):   # predict: reference: the grader predicts from the parameters alone
        with torch.no_grad():
            params = evaluate(harness["predict"], {**values, "model": model})
        return {"parameters": plain_parameters(params), "device": str(device), "train_seconds": seconds}
    assert data is not None, "a check whose child predicts always gets the images"
    chunk = int(harness.get("eval_batch", 1000))
    budget = float(harness.get("predict_budget_s") or math.inf)
    noise = torch.Generator().manual_seed(_noise_seed(seed))
    predictions, nonfinite, began = [], 0, time.perf_counter()
    with torch.no_grad():
        test = data.test_images
        for start in range(0, len(test), chunk):
            batch = as_float_images(perturb(test[start:start + chunk], noise), device)
            logits = as_logits(evaluate(harness["predict"], {**values, "X": batch, "model": model}), len(batch))
            nonfinite += int((~torch.isfinite(logits)).any(dim=1).sum())
            predictions.append(logits.argmax(dim=1).to("cpu", torch.int64))
            if time.perf_counter() - began > budget:
                break   # over budget: the grader fails the run on predict_seconds, nothing more to wait for
        predict_seconds = time.perf_counter() - began
    if len(predictions) * chunk < len(test):
        return {"predictions": np.zeros(0, np.int64), "device": str(device), "train_seconds": seconds,
                "train_loss": math.nan, "nonfinite_rows": nonfinite, "predict_seconds": predict_seconds}
    return {"predictions": torch.cat(predictions).numpy(), "device": str(device), "train_seconds": seconds,
            "train_loss": _train_loss(data, harness, values, model, device, evaluate),
            "nonfinite_rows": nonfinite, "predict_seconds": predict_seconds}


def plain_parameters(params: Any) -> Any:
    """What the parameters call gave, as a list of CPU tensors for the wire: a module's parameters in
    module order, a list, tuple or iterator item by item (at most MAX_PARAMETERS + 1: the grader says how many
    it needs); anything else as it is (the grader refuses it)."""
    import torch

    if isinstance(params, torch.nn.Module):
        params = params.parameters()
    if isinstance(params, Iterator):     # net.parameters()
        params = list(itertools.islice(params, MAX_PARAMETERS + 1))
    if not isinstance(params, (list, tuple)):
        return params
    return [p.detach().to("cpu") if isinstance(p, torch.Tensor) else p for p in list(params)[:MAX_PARAMETERS + 1]]


def _noise_seed(seed: int) -> int:
    """The evaluation noise's seed, derived from the grader's seed (never equal to the training seed)."""
    return int.from_bytes(hashlib.sha256(f"grader-eval-noise:{seed}".encode()).digest()[:8], "big")


def perturb(images: Any, generator: Any) -> Any:
    """uint8 images with seeded integer noise in [-EVAL_NOISE, EVAL_NOISE] added to every pixel (clipped).

    A trained classifier barely notices a few grey levels; an exact-match lookup of the public
    test images (a hash of the pixels) finds none of them.
    """
    import torch

    delta = torch.randint(-EVAL_NOISE, EVAL_NOISE + 1, tuple(images.shape), generator=generator, dtype=torch.int16)
    return (images.to(torch.int16) + delta).clamp_(0, 255).to(torch.uint8)


def _train_loss(data: InMemory, harness: dict[str, Any], values: dict[str, Any], model: Any, device: Any,
                evaluate: Callable[[str, dict[str, Any]], Any]) -> float:
    """The mean cross-entropy on the first training images (for the message only; scores never use it)."""
    import torch

    chunk = int(harness.get("eval_batch", 1000))
    loss_sum, loss_count = 0.0, 0
    with torch.no_grad():
        for start in range(0, min(LOSS_SAMPLE, len(data.train_images)), chunk):
            batch = as_float_images(data.train_images[start:start + chunk], device)
            logits = as_logits(evaluate(harness["predict"], {**values, "X": batch, "model": model}), len(batch)).double()
            target = data.train_labels[start:start + chunk].to(device)
            loss_sum += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
            loss_count += len(batch)
    return loss_sum / max(1, loss_count)
