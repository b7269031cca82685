"""Result dicts built by hand for report and export tests (no sandbox run needed).

They follow ``result.json`` as the engine writes it, including what the engine
already strips from hidden checks, plus the generic ``curves`` / ``bars``
details that training and experiment checks will put there.
"""

from __future__ import annotations

import copy
from typing import Any

from grader.results import Result

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{XSS_SCRIPT}{XSS_IMG}"

# Values that must never appear in a page for the hidden check below.
HIDDEN_EXPECTED = 0.8172634519
HIDDEN_INPUT = 0.3141592653


def check(id: str, status: str, score: float, max_score: float, message: str, *, kind: str = "compare",
          visibility: str = "public", details: dict[str, Any] | None = None, title: str = "",
          description: str = "", signal: str | None = None) -> dict[str, Any]:
    data = {"id": id, "kind": kind, "visibility": visibility, "status": status, "score": score,
            "max_score": max_score, "message": message, "title": title or id.replace("-", " ").capitalize(),
            "description": description or f"Proves that {id} behaves like the reference.", "details": details or {}}
    if signal is not None:     # the signal the child crashed with, as the engine records it
        data["signal"] = signal
    return data


def result(submission: str = "alice", checks: list[dict[str, Any]] | None = None, *, status: str = "graded",
           message: str = "", stdout: str = "", stderr: str = "", assignment: str = "mlp-scratch") -> dict[str, Any]:
    checks = checks if checks is not None else []
    return {
        "schema": "grader.result/1", "assignment": assignment, "submission": submission, "status": status,
        "score": round(sum(c["score"] for c in checks), 4), "max_score": round(sum(c["max_score"] for c in checks), 4),
        "checks": checks, "sandbox": {"layers": ["lifecycle", "resources", "network", "filesystem", "uid", "seccomp"]},
        "timing": {"wall_s": 1.234}, "grader_version": "0.1.0", "spec_hash": "4e57824116968e3d",
        "submission_hash": "6fa1f7e3ae2a0e3b", "message": message, "output": {"stdout": stdout, "stderr": stderr},
    }


def full_result(submission: str = "alice") -> dict[str, Any]:
    """One check of every shape a report has to draw."""
    return result(submission, [
        check("forward", "passed", 1, 1, "forward(x, w) matches the reference."),
        check("update", "failed", 0, 0.5,
              "update(w, g, lr): 8 of 8 values differ; worst at [5]: expected -0.583866, got -0.416134 "
              "(abs err 0.168, rel err 1.06; allowed 1e-06 + 1e-06·|expected|)",
              title="One SGD step", details={
                  "step": "values", "path": "update(w, g, lr)", "case": 0, "mismatched": 8, "size": 8,
                  "max_abs_err": 0.16773, "max_rel_err": 1.0574, "worst_index": [5], "rtol": 1e-06, "atol": 1e-06,
                  "got_at_worst": -0.416134, "expected_at_worst": -0.583866}),
        check("shape", "failed", 0, 1, "forward(x, w)[1]: expected shape (2,), got shape (2, 1)",
              details={"step": "shape", "path": "forward(x, w)[1]", "case": 0,
                       "expected_shape": [2], "got_shape": [2, 1]}),
        check("gradients", "failed", 0, 1,
              "Wrong gradient: ∂E/∂w1, ∂E/∂w2 (worst w2: rel err 3); the gradients for w3, w4 are right.",
              kind="gradient", title="Gradients of the given network", details={
                  "step": "values", "case": 0, "wrong": ["w1", "w2"], "rel_err": {"w1": 3.01, "w2": 3.02},
                  "max_abs_err": 0.038, "max_rel_err": 3.02}),
        check("forward-hidden", "failed", 0, 1.5,
              "h: 2 of 2 values are wrong (max abs err 0.0971, max rel err 0.209) (case 1 of 10)",
              visibility="hidden", title="Forward pass on random networks", details={
                  "step": "values", "path": "h", "case": 0, "mismatched": 2, "size": 2, "max_abs_err": 0.0971,
                  "max_rel_err": 0.209, "worst_index": [1], "rtol": 1e-06, "atol": 1e-06}),
        check("train", "partial", 1, 2, "Accuracy on held-out data is 0.81; 0.85 is needed for full marks.",
              kind="train", title="Training on Fashion-MNIST", details={
                  "curves": {"loss": {"student": [2.1, 1.2, 0.8, 0.62, 0.55], "reference": [1.9, 0.9, 0.6, 0.5, 0.45]},
                             "accuracy": {"student": [0.41, 0.63, 0.72, 0.78, 0.81],
                                          "reference": [0.45, 0.70, 0.79, 0.83, 0.86]}}}),
        check("activations", "passed", 2, 2, "ReLU trains faster than sigmoid, as expected.", kind="experiment",
              title="Sigmoid vs ReLU", details={"bars": {"student": {"sigmoid": 0.71, "relu": 0.86},
                                                         "reference": {"sigmoid": 0.73, "relu": 0.88}},
                                                "bars_label": "accuracy"}),
        check("dropout", "partial", 1, 2, "1 of 2 properties fail: the fraction of zeros at p = 0.3 should match "
              "0.3 within 0.0096, but got 0.70046", kind="experiment", title="Dropout at p = 0.3", details={
                  "properties": [{"property": "dropout(X, 0)", "kind": "close_to", "passed": True,
                                  "message": "dropout(X, 0) matches X"},
                                 {"property": "zeros at p = 0.3", "kind": "close_to", "passed": False,
                                  "message": "the fraction of zeros at p = 0.3 should match 0.3 within 0.0096, "
                                             "but got 0.70046"}]}),
        check("crash", "error", 0, 1, "train(x, y) raised ValueError: bad shape at File \"mlp.py\", line 12.",
              details={"traceback": 'Traceback (most recent call last):\n  File "mlp.py", line 12, in train\n'
                                    "ValueError: bad shape\n"}),
        check("slow", "timeout", 0, 1, "train(x, y) did not finish within 5 s (an endless loop, or waiting for input?)."),
    ], stdout="epoch 1 loss 2.1\nepoch 2 loss 1.2\n", stderr="UserWarning: something\n")


def hostile_result(submission: str = HOSTILE) -> dict[str, Any]:
    """Everything a student controls filled with markup; a hidden check whose details leak on purpose."""
    leaky = {"step": "values", "path": HOSTILE, "case": 3, "mismatched": 1, "size": 4, "max_abs_err": 0.5,
             "max_rel_err": 0.6, "worst_index": [2], "rtol": 1e-06, "atol": 1e-06,
             # An engine bug or a new check kind could leave these in; the report must not show them.
             "expected_at_worst": HIDDEN_EXPECTED, "got_at_worst": 0.25, "expected_shape": [4],
             "inputs": {"x": [HIDDEN_INPUT]}, "expected": [HIDDEN_EXPECTED], "traceback": f"x = {HIDDEN_INPUT}",
             "curves": {"student": [1.0, 0.5], "reference": [HIDDEN_EXPECTED, HIDDEN_EXPECTED]},
             "bars": {"student": {HOSTILE: 0.5}, "reference": {"relu": HIDDEN_EXPECTED}}}
    return result(submission, [
        check("public-xss", "failed", 0, 1, f"forward returned {HOSTILE}", title=f"Public {XSS_SCRIPT}",
              details={"step": "values", "path": HOSTILE, "expected_at_worst": 1.0, "got_at_worst": HOSTILE,
                       "worst_index": [0], "traceback": f"ValueError: {HOSTILE}",
                       "curves": {HOSTILE: [1.0, 2.0]}, "bars": {HOSTILE: 1.0}, "note": HOSTILE}),
        check("hidden-leak", "failed", 0, 2, f"forward: 1 of 4 values are wrong {XSS_IMG}", visibility="hidden",
              details=copy.deepcopy(leaky)),
        check("error", "error", 0, 1, f"forward raised RuntimeError: {XSS_IMG}",
              details={"traceback": f"RuntimeError: {XSS_SCRIPT}"}),
    ], stdout=f"{XSS_SCRIPT}\n{XSS_IMG}\n\x1b[31mred\x1b[0m\x00", stderr=f"{XSS_IMG}\n")


def as_result(data: dict[str, Any]) -> Result:
    """The :class:`grader.results.Result` a result dict stands for (the report, the API and the CLI take results)."""
    return Result.from_dict(data)
