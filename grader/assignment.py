"""What a loaded assignment is: the spec's validated sections, its input sets and its checks' common fields.

A leaf of the check machinery: the check kinds (``grader.checks``) read an
:class:`Assignment` in their hooks, and :mod:`grader.spec` builds one from
``assignment.yaml``; this module imports neither, so neither depends on the other
through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from grader import inputs, times
from grader.roles import RoleSpec

Layer = Literal["lifecycle", "resources", "network", "filesystem", "uid", "seccomp"]
ALL_LAYERS: tuple[Layer, ...] = ("lifecycle", "resources", "network", "filesystem", "uid", "seccomp")
Visibility = Literal["public", "hidden"]


class CheckSpec(BaseModel):
    """Fields every check has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    kind: str
    title: str | None = None
    description: str | None = Field(default=None, description="what the check proves; shown in reports")
    visibility: Visibility = "public"
    points: float = Field(default=1.0, ge=0)
    timeout_s: float | None = Field(default=None, gt=0, le=3600)


class SandboxSpec(BaseModel):
    """Limits for every run of a submission (each check gets ``timeout_s``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    timeout_s: float = Field(default=10.0, gt=0, le=3600)
    import_timeout_s: float = Field(default=10.0, gt=0, le=3600)
    script_timeout_s: float = Field(default=300.0, gt=0, le=3600, description=(
        "run: main only: the wall-clock budget of the one run of the main file as __main__"))
    memory_mb: int = Field(default=2048, ge=64, le=1 << 20)
    max_output_kb: int = Field(default=1024, ge=1)
    max_file_mb: int = Field(default=64, ge=1)
    max_processes: int = Field(default=32, ge=1)
    disk_mb: int = Field(default=256, ge=1, description="size of the writable box (a private tmpfs where available)")
    max_files: int = Field(default=4096, ge=16, description="files and folders the box may hold")
    shm_mb: int = Field(default=256, ge=1, description="size of the private /dev/shm (multiprocessing, DataLoader workers)")
    threads: int = Field(default=1, ge=1, le=256, description=(
        "torch threads in each child; fixed by the spec, never by --jobs, since float sums and so a trained "
        "model's accuracy depend on it (the default --jobs is the usable cores divided by it)"))
    require: list[Layer] = Field(default_factory=lambda: list(ALL_LAYERS))
    preload: list[str] = Field(default_factory=lambda: ["numpy", "torch"])


class ToleranceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)


class LateSpec(BaseModel):
    """Late penalties (see :mod:`grader.late`): ``per_day`` of the earned score per started day
    after ``due``, nothing within ``grace_minutes``, never more than ``max_penalty`` in all."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    due: datetime = Field(description="ISO 8601 date and time with a UTC offset or Z")
    per_day: float = Field(ge=0, le=1, description="fraction of the earned score deducted per started day late")
    grace_minutes: float = Field(default=0.0, ge=0, le=7 * 24 * 60, description="lateness forgiven after due")
    max_penalty: float = Field(default=1.0, ge=0, le=1, description="cap on the total deduction (1 = may reach zero)")

    @field_validator("due", mode="before")
    @classmethod
    def _aware(cls, value: Any) -> datetime:
        try:
            return times.parse_time(value, "the due date")
        except ValueError as exc:
            raise PydanticCustomError("late_due", "{reason}", {"reason": str(exc)}) from None


class RootSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    include: str | None = Field(default=None, description="another spec this one builds on (see grader.includes)")
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str
    description: str | None = None
    files: list[str] = Field(min_length=1)
    seed: int = 0
    sandbox: SandboxSpec = Field(default_factory=SandboxSpec)
    tolerance: ToleranceSpec = Field(default_factory=ToleranceSpec)
    inputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    checks: list[dict[str, Any]] = Field(min_length=1)
    late: LateSpec | None = None
    import_errors: Literal["fail", "continue"] = Field(
        default="fail", description="when the submission raises while imported: every check fails (fail), or the checks "
                                    "run on what it had defined by then (continue: script-style work)")
    requires: dict[str, str] = Field(default_factory=dict, description="modules the code needs -> how to install them")
    forms: dict[str, list[str]] = Field(default_factory=dict, description=(
        "ways a submission may hand in the work -> the check ids that grade that way; each is graded in the "
        "form that earns it most (see grader.engine.forms)"))
    run: Literal["import", "main"] = Field(
        default="import", description="import: the submission's modules are imported and checks call into them; main: "
                                      "the main file runs once as __main__ (like `python file.py`) under "
                                      "sandbox.script_timeout_s, and checks read that run's globals and output")
    stdin: str = Field(default="", description="run: main: what the script's input() calls read (then end-of-file)")
    roles: dict[str, RoleSpec] = Field(default_factory=dict, description=(
        "how the child finds a value the submission does not define under a call's name (grader.roles)"))

    @model_validator(mode="after")
    def _main_file(self) -> RootSpec:
        if self.run == "main" and not any(f.endswith(".py") for f in self.files):
            raise ValueError("run: main runs the first .py file of files, and files lists none")
        return self

    @model_validator(mode="after")
    def _roles_used_exist(self) -> RootSpec:
        for name, role in self.roles.items():
            for key in ("uses", "model"):
                other = getattr(role, key)
                if other is not None and self.roles.get(other, role).kind not in ("params", "module"):
                    raise ValueError(f"roles.{name}.{key}: {other!r} is not a params or module role of this spec")
        return self


@dataclass(frozen=True)
class InputSet:
    name: str
    cases: int
    values: dict[str, Any]          # name -> literal or generator model


@dataclass(frozen=True)
class Assignment:
    """A loaded, validated assignment folder."""

    root: Path
    spec: RootSpec
    checks: tuple[CheckSpec, ...]
    input_sets: dict[str, InputSet]
    spec_hash: str
    expected: Path | None = None    # a student bundle: the reference's public answers, precomputed

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference"

    @property
    def starter_dir(self) -> Path:
        return self.root / "starter"

    @property
    def modules(self) -> list[str]:
        return [Path(f).stem for f in self.spec.files if f.endswith(".py")]

    @property
    def max_score(self) -> float:
        """The checks' points, counting one form's checks only (every form is worth the same)."""
        others = {i for ids in list(self.spec.forms.values())[1:] for i in ids}
        return float(sum(c.points for c in self.checks if c.id not in others))


def check_inputs(assignment: Assignment, check: CheckSpec) -> InputSet:
    """The input set a check draws from (named, inline, or empty)."""
    ref = getattr(check, "inputs", None)
    if isinstance(ref, str):
        return assignment.input_sets[ref]
    if isinstance(ref, dict):
        return _parse_inline(ref, check.id)
    return InputSet(check.id, 1, {})


def _parse_inline(raw: dict[str, Any], check_id: str) -> InputSet:
    values = {k: inputs.parse_value(v) for k, v in raw.items() if k != "cases"}
    return InputSet(check_id, int(raw.get("cases", 1)), values)
