"""The self-test proves each layer by trying what it must stop, and the engine fails closed."""

from __future__ import annotations

import dataclasses

import pytest

from grader.engine import Engine
from grader.errors import SandboxUnavailable
from grader.sandbox import runner


@pytest.fixture()
def light():
    with Engine(workers=1, secret="t", preload=["numpy"], require=[]) as eng:
        yield eng


def test_every_available_layer_holds_here(light) -> None:
    held = light.self_test()
    available = runner.available_layers()
    assert {name for name, ok in held.items() if ok} >= {name for name, mech in available.items() if mech}


def _without(monkeypatch, field: str) -> None:
    original = runner.plan

    def weakened(*args, **kwargs):
        return dataclasses.replace(original(*args, **kwargs), **{field: False})

    monkeypatch.setattr(runner, "plan", weakened)


@pytest.mark.skipif(not runner.available_layers()["filesystem"], reason="Landlock is unavailable here")
def test_probe_notices_a_missing_filesystem_layer(light, monkeypatch) -> None:
    _without(monkeypatch, "use_landlock")
    held = light.self_test()
    assert held["filesystem"] is False


@pytest.mark.skipif(not runner.available_layers()["seccomp"], reason="seccomp is unavailable here")
def test_probe_notices_a_missing_seccomp_layer(light, monkeypatch) -> None:
    _without(monkeypatch, "use_seccomp")
    assert light.self_test()["seccomp"] is False


@pytest.mark.skipif(not runner.available_layers()["filesystem"], reason="Landlock is unavailable here")
def test_engine_refuses_when_a_present_layer_does_not_hold(monkeypatch) -> None:
    _without(monkeypatch, "use_landlock")
    with pytest.raises(SandboxUnavailable, match="filesystem"):
        Engine(workers=1, secret="t", preload=["numpy"], require=["filesystem"])
    with Engine(workers=1, secret="t", preload=["numpy"], require=["filesystem"], insecure=True) as engine:
        assert engine.insecure
