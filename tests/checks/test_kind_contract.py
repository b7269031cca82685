"""The check-kind contract: every registered kind inherits KindBase's defaults; harnesses keep their wire shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader import tolerance
from grader.checks import CHECKS
from grader.checks.base import CheckSpec, Harness, KindBase
from grader.checks.output import Output, OutputSpec
from grader.checks.train import Train, TrainSpec

MEMBERS = ("name", "Spec", "held_out", "tasks", "judge", "draw", "harness", "stand_in", "input_uses", "detail_rows")


def test_every_kind_inherits_the_base_and_has_every_member() -> None:
    for name, kind in CHECKS.items():
        assert isinstance(kind, KindBase) and kind.name == name
        assert issubclass(kind.Spec, CheckSpec)
        assert all(hasattr(kind, member) for member in MEMBERS)
    assert {"compare", "gradient", "property", "experiment", "python", "train", "output", "manual", "source"} <= set(CHECKS)


def test_the_defaults_are_exactly_nothing_to_add() -> None:
    class Bare(KindBase):
        name = "bare"
        Spec = CheckSpec

    spec = CheckSpec(id="x", kind="bare")
    harness = Harness(script="a.py")
    bare = Bare()
    assert bare.draw(spec, None, 0) is None  # type: ignore[arg-type]
    assert bare.harness(spec, None) is None  # type: ignore[arg-type]
    assert bare.stand_in(spec, harness, Path(".")) is harness
    assert bare.held_out is False and bare.tasks(spec, 3) == [] and bare.input_uses(spec) == []
    assert CHECKS["train"].held_out is True


def test_detail_rows_render_every_plain_detail_as_text() -> None:
    rows = KindBase().detail_rows({"max_abs_err": 0.123456, "wrong": ["w1", "b2"], "case": 2, "tiers": {"a": 1}})
    assert [(r.label, r.text, r.section) for r in rows] == [
        ("max abs err", "0.123456", "extra"), ("wrong", "w1, b2", "extra"), ("case", "2", "extra")]  # a mapping is not plain
    # (keys read as words, a list as its items)


def test_harnesses_travel_in_the_shape_the_child_reads(monkeypatch, tmp_path) -> None:
    out = Output().harness(OutputSpec(id="o", file="run.py", args=["--n", "3"]))
    assert out.wire() == {"script": "run.py", "args": ["--n", "3"], "max_chars": 1 << 20}
    monkeypatch.setenv("GRADER_DATA", str(tmp_path))
    monkeypatch.delenv("GRADER_DOWNLOAD", raising=False)
    spec = TrainSpec(id="t", train="fit(X, y)", predict="model(X)", tiers=[{"min_accuracy": 0.5, "credit": 1}])
    missing = Train().harness(spec).wire()
    assert list(missing) == ["skip", "missing", "skip_reference", "data"] and missing["skip"] is True


def test_the_tolerance_table_is_todays_defaults() -> None:
    assert tolerance.for_dtypes(np.dtype("float32"), np.dtype("float64")) == (1.3e-6, 1e-5)
    assert tolerance.for_dtypes(np.dtype("float64"), np.dtype("float64")) == (1e-7, 1e-7)
    assert tolerance.for_dtypes(np.dtype("float16")) == (1e-3, 1e-5)
    assert tolerance.COMPUTED == (1e-7, 1e-7) and tolerance.PRINTED == (1e-5, 0.0)
    assert tolerance.resolve((None, 0.5), (0.1, 0.2), default=(9.0, 9.0)) == (0.1, 0.5)
    assert tolerance.resolve((None, None), default=(1e-7, 1e-7)) == (1e-7, 1e-7)
