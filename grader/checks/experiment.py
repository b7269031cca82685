"""``experiment``: run the student's code under several configurations, then assert properties
of the outcomes, computed in the grader.

    - id: learning-rates
      kind: experiment
      call: train(x, y, w, lr, epochs)
      inputs: given                     # the base input set (named or inline)
      names: [w, losses]
      configs:                          # each one is merged over the base set
        tiny: {lr: 1.0e-5}
        huge: {lr: 100}
      properties:
        - {of: "tiny.losses[-1]", close_to: "tiny.losses[0]", rtol: 0.01,
           label: "the loss after 20 steps with lr = 1e-5"}
        - {of: huge.losses, diverges: true, label: "the loss with lr = 100"}
        - {of: "huge.losses[1]", greater_than: "tiny.losses[1]"}

Every configuration runs ``call`` once per case of the base set (``cases: N``
repeats the whole experiment on N draws; each property must hold on every
repetition). Inside properties, ``<config>.<part>`` is what that run returned
(``<config>.out`` the whole value), ``<config>.<input>`` an input it got, a bare
input name the base set's value (from a configuration that keeps it), and ``ref.<config>.<part>`` the
reference's outcome. The property vocabulary is that of the ``property`` kind.
The base set must give every input the call uses; configurations override them
(a value can be a literal, a string or a generator such as ``{normal: [0, 0.01], shape: [8]}``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from grader import charts
from grader import inputs as inp
from grader.assignment import Assignment, check_inputs
from grader.checks import expr as ex
from grader.checks.base import CheckSpec, InputUse, JudgeContext, KindBase, Task, Verdict
from grader.checks.display import DetailRow
from grader.checks.property import Property, PropertyItem, input_values, judge_cases, parts, tolerances

RESERVED = {"ref", "out"}


class ExperimentSpec(CheckSpec):
    kind: str = "experiment"
    call: str = Field(description="call expression run once per configuration, e.g. train(x, y, w, lr, epochs)")
    inputs: str | dict[str, Any] | None = Field(default=None, description="the base input set")
    configs: dict[str, dict[str, Any]] = Field(min_length=1, description="name -> inputs merged over the base set")
    names: list[str] | None = Field(default=None, description="labels for the parts of a returned tuple")
    properties: list[PropertyItem] = Field(min_length=1)
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)

    @field_validator("configs")
    @classmethod
    def _configs(cls, configs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, overrides in configs.items():
            if not name.isidentifier() or name in RESERVED:
                raise ValueError(f"configuration names must be Python identifiers other than ref and out; got {name!r}")
            if not isinstance(overrides, dict):
                raise ValueError(f"configuration {name!r} must map input names to values")
            for key, raw in overrides.items():
                if not isinstance(key, str) or not key.isidentifier():
                    raise ValueError(f"configuration {name!r}: input names must be Python identifiers, got {key!r}")
                try:
                    inp.parse_value(raw)
                except ValueError as exc:
                    raise ValueError(f"configuration {name!r}, input {key!r}: {exc}") from None
        return configs

    @field_validator("names")
    @classmethod
    def _names(cls, names: list[str] | None) -> list[str] | None:
        for name in names or []:
            if not name.isidentifier() or name in RESERVED:
                raise ValueError(f"names must be Python identifiers other than out and ref; got {name!r}")
        return names


class Experiment(KindBase):
    """Proves the student's code behaves as the theory predicts across configurations (e.g. a
    tiny step size barely moves the loss, a huge one diverges, dead or symmetric units stay so,
    one setting beats another): it runs every configuration and judges the stated properties
    of the outcomes in the grader, each with its own message and an equal share of the points."""

    name: ClassVar[str] = "experiment"
    Spec: ClassVar[type[CheckSpec]] = ExperimentSpec

    def input_uses(self, spec: ExperimentSpec) -> list[InputUse]:
        return [InputUse(spec.call, spec.inputs)]

    def draw(self, spec: ExperimentSpec, assignment: Assignment, seed: int) -> list[dict[str, inp.InputValue]]:
        """One case per configuration (times the base set's cases), configurations in spec order.

        Every configuration of one repetition shares the same draw of the base set, so
        configurations differ only in what they override.
        """
        base = check_inputs(assignment, spec)
        repeats = inp.draw_set(base.values, seed, base.cases)
        parsed = {name: {k: inp.parse_value(v) for k, v in overrides.items()} for name, overrides in spec.configs.items()}
        cases = []
        for r, case in enumerate(repeats):
            for c, overrides in enumerate(parsed.values()):
                rng = np.random.default_rng([seed, r, c, 1])
                cases.append({**case, **{k: inp.draw(v, rng) for k, v in overrides.items()}})
        return cases

    def tasks(self, spec: ExperimentSpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: ExperimentSpec, ctx: JudgeContext) -> Verdict:
        configs = list(spec.configs)
        per = len(configs)
        envs = []
        for start in range(0, len(ctx.got), per):
            env: dict[str, Any] = {}
            ref_env: dict[str, Any] = {}
            ref_spaces = {}
            for offset, name in enumerate(configs):
                index = start + offset
                given = input_values(ctx.inputs[index]) if index < len(ctx.inputs) else {}
                # A bare input name is the base set's value: taken from a configuration that keeps it.
                shared = {k: v for k, v in given.items() if k not in spec.configs[name] and k not in env}
                env.update(shared)
                ref_env.update(shared)
                got = parts(ctx.got[index].value, spec.names)
                want = parts(ctx.expected[index].value, spec.names)
                env[name] = ex.Namespace({**given, **got}, f"configuration {name}")
                ref_spaces[name] = ex.Namespace({**given, **want}, f"the reference's configuration {name}")
            ref_env.update(ref_spaces)
            env["ref"] = ex.Namespace(ref_spaces, "ref")
            envs.append((env, ref_env))
        verdict = judge_cases(spec.properties, envs, spec.call, spec.visibility == "public", tolerances(spec, ctx),
                              unit="repetition")
        if spec.visibility == "public":   # the outcomes drawn: curves per configuration, or bars
            first = {name: parts(ctx.got[i].value, spec.names) for i, name in enumerate(configs) if i < len(ctx.got)}
            verdict.details.update(charts.experiment_charts(first, repeated=len(ctx.got) > per))
        return verdict

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """The properties as ``property`` shows them (the report draws the ``curves`` and ``bars``)."""
        return Property().detail_rows(details)
