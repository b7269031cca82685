"""A student bundle's precomputed answers, read back as evaluations.

:mod:`grader.authoring.bundle` writes ``expected.json`` and ``expected.npz``; the engine
reads them here when it grades against a bundle, which has no reference to run. This
module imports neither of them, so neither depends on the other through it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from grader import wire
from grader.checks.base import Evaluation, Task
from grader.errors import GraderError
from grader.spec import EXPECTED_ARRAYS, EXPECTED_FILE, SPEC_FILE, Assignment

FORMAT = "grader.expected/1"


def load_expected(assignment: Assignment, tasks: list[Task]) -> list[Evaluation]:
    """The precomputed answers of a bundle, in the order of ``tasks`` (validated like a sandbox reply)."""
    folder = assignment.root
    where = folder / EXPECTED_FILE
    try:
        described = json.loads(where.read_text(encoding="utf-8"))
        spec_bytes = (folder / SPEC_FILE).read_bytes()
        with np.load(folder / EXPECTED_ARRAYS, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as exc:
        raise GraderError(f"{where}: the bundle's expected answers are unreadable ({exc}); download the bundle again") from None
    if not isinstance(described, dict) or described.get("format") != FORMAT:
        raise GraderError(f"{where}: not a bundle file this grader understands (format {described.get('format')!r}); "
                          "update grader or rebuild the bundle")
    if described.get("spec_sha256") != hashlib.sha256(spec_bytes).hexdigest():
        raise GraderError(f"{folder / SPEC_FILE} was changed after the bundle was built, so its expected answers no "
                          "longer fit; download the bundle again")
    by_task = {(t.get("check"), t.get("case")): t.get("value") for t in described.get("tasks", []) if isinstance(t, dict)}
    evaluations = []
    for task in tasks:
        value = by_task.get((task.check_id, task.case))
        if value is None:
            raise GraderError(f"{where}: no expected answer for check {task.check_id!r}; download the bundle again")
        buffers: list[bytes] = []
        try:
            tree = _arrays_in(value, arrays, buffers)
            evaluations.append(Evaluation(True, value=wire.decode(tree, buffers)))
        except (wire.WireError, KeyError, TypeError, ValueError) as exc:
            raise GraderError(f"{where}: the answer for check {task.check_id!r} is malformed ({exc}); "
                              "download the bundle again") from None
    return evaluations


def _arrays_in(node: Any, arrays: dict[str, np.ndarray], buffers: list[bytes]) -> Any:
    if isinstance(node, dict):
        if node.get("t") == "array":
            array = arrays[str(node["array"])]
            buffers.append(np.ascontiguousarray(array, dtype=np.dtype(str(node["dtype"]))).tobytes())
            return {**{k: v for k, v in node.items() if k != "array"}, "buf": len(buffers) - 1}
        return {k: _arrays_in(v, arrays, buffers) for k, v in node.items()}
    if isinstance(node, list):
        return [_arrays_in(v, arrays, buffers) for v in node]
    return node
