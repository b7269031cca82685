"""dezero-step43's judges (hidden/judges.py), on hand-made plain data: no sandbox needed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("dezero_judges", ROOT / "assignments/dezero-step43/hidden/judges.py")
assert _spec is not None and _spec.loader is not None
judges = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(judges)


def _state(seed: int = 1) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    x = rng.random((100, 1))
    y = np.sin(2 * np.pi * x) + rng.random((100, 1))
    return x, y, [rng.normal(size=(1, 10)), rng.normal(size=10), rng.normal(size=(10, 1)), rng.normal(size=1)]


def _got(left, x, y, params, grads) -> list:
    return [*left, None, None, x, y, *params, *grads]   # as the step-45 alternative returns it


def test_right_gradients_that_were_cleared_earn_everything() -> None:
    x, y, params = _state()
    grads = judges._grads(x, y, params)
    assert judges.gradients(_got(grads, x, y, params, grads), None, {})[0] == 1.0


def test_a_sigmoid_backward_without_y_names_the_first_layer() -> None:
    x, y, params = _state()
    W1, b1, W2, b2 = params
    h = 1 / (1 + np.exp(-(x @ W1 + b1)))
    d = 2 * (h @ W2 + b2 - y) / len(x)
    dz = (d @ W2.T) * (1 - h)                    # the bug: y · (1 − y) lost its y
    grads = [x.T @ dz, dz.sum(0), h.T @ d, d.sum(0)]
    score, message = judges.gradients(_got(grads, x, y, params, grads), None, {})
    assert score == 0 and message.startswith("∂L/∂W1, ∂L/∂b1 are wrong while ∂L/∂W2 and ∂L/∂b2 are right")


def test_a_common_factor_points_at_mean_squared_error() -> None:
    x, y, params = _state()
    grads = [100 * g for g in judges._grads(x, y, params)]   # the sum instead of the mean
    score, message = judges.gradients(_got(grads, x, y, params, grads), None, {})
    assert score == 0 and "100×" in message and "mean_squared_error" in message


def test_gradients_the_script_let_accumulate_lose_a_quarter() -> None:
    x, y, params = _state()
    grads = judges._grads(x, y, params)
    score, message = judges.gradients(_got([9 * g for g in grads], x, y, params, grads), None, {})
    assert score == 0.75 and "accumulated" in message


@pytest.mark.parametrize(("shift", "score"), [(0.0, 1.0), (0.3, 0.5), (0.6, 0.0)])
def test_the_fit_is_scored_against_the_shifted_sine(shift: float, score: float) -> None:
    x = np.linspace(0, 1, 21).reshape(-1, 1)
    pred = np.sin(2 * np.pi * x) + 0.5 + shift
    assert judges.fit(pred, None, {"x": x})[0] == score


def test_a_diverged_fit_and_a_wrong_size_earn_nothing() -> None:
    x = np.linspace(0, 1, 21).reshape(-1, 1)
    assert judges.fit(np.full((21, 1), np.nan), None, {"x": x}) == (0.0, "the trained network's output is not finite: training diverged")
    assert judges.fit(np.zeros((5, 1)), None, {"x": x})[0] == 0.0
