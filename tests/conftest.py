"""Shared fixtures: one warm engine for the whole session (workers import torch once)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import api, spec
from grader.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


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
