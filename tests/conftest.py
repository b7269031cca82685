"""Shared fixtures: one warm engine for the whole session (workers import torch once), and each
assignment's example submissions graded once (:func:`golden_results`)."""

from __future__ import annotations

import importlib.util
import os
import textwrap
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader import api, datasets, spec
from grader.engine import Engine
from grader.results import Result

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DATA = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()


def must_have(reason: str, strict: bool | None = None) -> None:
    """Skip, saying why; but fail where CI (``$CI``) or ``$GRADER_DATA`` says the thing is meant to be here."""
    if strict if strict is not None else bool(os.environ.get("GRADER_DATA") or os.environ.get("CI")):
        pytest.fail(f"{reason}; $GRADER_DATA or $CI is set, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fashion_mnist() -> Path:
    """The Fashion-MNIST folder the training tests use (skips without it, fails in CI)."""
    if not datasets._present(DATA):
        must_have(f"no Fashion-MNIST in {DATA} (set GRADER_DATA)")
    return DATA


@pytest.fixture(scope="session")
def d2l_installed() -> None:
    if importlib.util.find_spec("d2l") is None:
        must_have("d2l is not installed (pip install '.[d2l]' && pip install --no-deps d2l==0.17.6)",
                  strict=bool(os.environ.get("CI")))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    with Engine(workers=2, secret="test-secret", preload=["numpy", "torch"]) as eng:
        yield eng


@pytest.fixture(scope="session")
def bp_manual() -> spec.Assignment:
    return api.load_assignment(ROOT / "assignments" / "bp-manual")


@pytest.fixture(scope="session")
def bp_prepared(engine: Engine, bp_manual: spec.Assignment):
    return engine.prepare(bp_manual)


def golden_pins(name: str) -> dict[str, Any]:
    """``tests/golden/<name>.yaml``: the assignment's pinned example results."""
    return yaml.safe_load((GOLDEN / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def golden_results(request: pytest.FixtureRequest) -> Callable[[str], dict[str, Result]]:
    """``golden_results(name)``: every example of the assignment, ``<reference>`` (and ``<starter>`` where
    pinned) graded once per session, two at a time; training assignments need Fashion-MNIST."""
    cache: dict[str, dict[str, Result]] = {}

    def graded(name: str) -> dict[str, Result]:
        if name not in cache:
            pins = golden_pins(name)
            if pins.get("training"):
                request.getfixturevalue("fashion_mnist")
            if pins.get("own_engine"):
                request.getfixturevalue("d2l_installed")
            cache[name] = _grade_examples(name, pins, None if pins.get("own_engine") else request.getfixturevalue("engine"))
        return cache[name]
    return graded


def _grade_examples(name: str, pins: dict[str, Any], shared: Engine | None) -> dict[str, Result]:
    assignment = api.load_assignment(ROOT / "assignments" / name)
    paths = {p.name: p for p in sorted((ROOT / "submissions" / name).iterdir())}
    if "reference" in pins:   # mlp-d2l pins none: its correct example is the reference's code (graded once, not twice)
        paths["<reference>"] = assignment.reference_dir
    if pins.get("starter"):
        paths["<starter>"] = assignment.starter_dir
    with pytest.MonkeyPatch.context() as mp:
        if pins.get("training"):
            mp.setenv("GRADER_DATA", str(DATA))   # the default folder beside the checkout, when the variable is unset
        if shared is not None:
            return _grade_all(shared, assignment, paths)
        with Engine(workers=2, secret="test-secret", preload=assignment.spec.sandbox.preload) as own:
            return _grade_all(own, assignment, paths)


def _grade_all(engine: Engine, assignment: spec.Assignment, paths: dict[str, Path]) -> dict[str, Result]:
    prepared = engine.prepare(assignment)
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(paths, pool.map(lambda p: engine.grade(prepared, p), paths.values())))


def write_assignment(folder: Path, yaml_text: str, reference: dict[str, str], hidden: dict[str, str] | None = None) -> Path:
    """Create a small assignment folder for a test."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "assignment.yaml").write_text(textwrap.dedent(yaml_text))
    for name, code in reference.items():
        path = folder / "reference" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    for name, code in (hidden or {}).items():
        path = folder / "hidden" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    return folder


def write_submission(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, code in files.items():
        (folder / name).write_text(textwrap.dedent(code))
    return folder
