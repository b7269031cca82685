"""Roles (``roles:`` in assignment.yaml): how the child finds a value the submission does not
define under the name a check's call uses.

Real coursework names things its own way: a d2l script trains ``model`` where the spec says
``net``, keeps its weights as ``w_hidden, b_hidden, ...`` instead of ``params``, builds the
optimizer inside a function. A role says what the named value *is* (an ``nn.Module`` with
given parameter shapes, a list of tensors with given shapes, a callable that maps given
inputs to a given shape, an array of a given shape, the ``torch.optim`` optimizer the run
built), so the sandboxed child (:mod:`grader.sandbox.roles`) can find it under any name.
This module is only the spec's model and the plain data the child receives; the finder
never runs in the grader.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RoleKind = Literal["module", "params", "callable", "array", "optimizer", "trained"]
Shape = list[int]


class ProbeArg(BaseModel):
    """One argument a ``callable`` role's candidates are called with: a tensor drawn in the child
    (uniform floats in ``range``, or integers in ``[low, high)`` for an integer dtype)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    shape: Shape
    dtype: Literal["float32", "float64", "int64"] = "float32"
    range: tuple[float, float] = (0.0, 1.0)
    as_: Literal["tensor", "array"] = Field(default="tensor", alias="as")


class Probe(BaseModel):
    """A ``callable`` role: call each candidate with ``args``; it fits when it returns an array or
    tensor of ``shape`` (``-1`` in ``shape`` matches any length)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    args: list[ProbeArg] = Field(min_length=1, max_length=8)
    shape: Shape


class RoleSpec(BaseModel):
    """What a role's value is, and the names tried first (the check's own name always first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: RoleKind
    names: list[str] = Field(default_factory=list, description="names tried before any search")
    shapes: list[Shape] | None = Field(default=None, description=(
        "module: its parameters' shapes in order (named_parameters()); params: the tensors' shapes in order"))
    shape: Shape | None = Field(default=None, description="array: the array's shape")
    probe: Probe | None = None
    pick: Literal["first", "last"] = Field(default="last", description=(
        "optimizer: which of the optimizers the run built, when no name holds one"))
    uses: str | None = Field(default=None, description=(
        "callable: another role (params or module) whose tensors the callable's output must depend on"))
    model: str | None = Field(default=None, description=(
        "trained: the role (a module or params) holding what a script trained itself; a training call "
        "under this role's name then returns it (``train: train_concise(X, y, ...)`` grades a script too)"))
    strict: bool = Field(default=False, description=(
        "never fall back to the value under the role's own name when it does not fit"))
    description: str | None = Field(default=None, description="what the value is, in the student's words")

    @model_validator(mode="after")
    def _needs(self) -> RoleSpec:
        need = {"module": "shapes", "params": "shapes", "array": "shape", "callable": "probe",
                "trained": "model"}.get(self.kind)
        if need is not None and getattr(self, need) is None:
            raise ValueError(f"{'an' if self.kind[0] in 'aeiou' else 'a'} {self.kind} role needs '{need}'")
        if self.uses is not None and self.kind != "callable":
            raise ValueError("only a callable role has 'uses'")
        return self


def wire(roles: dict[str, RoleSpec]) -> dict[str, dict[str, Any]]:
    """The roles as the child receives them in its job (plain JSON)."""
    return {name: role.model_dump(by_alias=True) for name, role in roles.items()}


def describe(role: RoleSpec) -> str:
    """How a role is found, in words (docs, ``grader validate`` and the finder's messages)."""
    if role.description:
        return role.description
    if role.kind == "module":
        return f"an nn.Module whose parameters have the shapes {_shapes(role.shapes or [])}"
    if role.kind == "params":
        return f"tensors of the shapes {_shapes(role.shapes or [])}"
    if role.kind == "array":
        return f"an array of shape {tuple(role.shape or [])}"
    if role.kind == "callable":
        probe = role.probe
        assert probe is not None
        args = ", ".join(str(tuple(a.shape)) for a in probe.args)
        uses = f", through the {role.uses} tensors" if role.uses else ""
        return f"a function that maps inputs of shape {args} to shape {tuple(probe.shape)}{uses}"
    if role.kind == "trained":
        return f"a training function, else the {role.model} the script trained itself"
    return "a torch.optim optimizer the script built"


def _shapes(shapes: list[Shape]) -> str:
    return ", ".join(str(tuple(s)) for s in shapes)
