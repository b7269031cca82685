"""The child's half of roles (see :mod:`grader.roles`): find a value by what it is, not by its name.

Runs only in the sandboxed child, on the student's objects. What leaves the child is the
value a check's call evaluates to (encoded like any other) and, per task, one line per role
saying how it was found: plain strings, capped in length.

The order for a role named ``net``: the name itself and the role's ``names``, each kept only
if it fits; then every value the submission's main module defines, in definition order (and,
for an optimizer, every ``torch.optim`` optimizer the run constructed); then, unless the role
is ``strict``, the value under the name itself even though it does not fit (so the check can
say what is wrong with it). Nothing found is a ``NameError`` that says what was looked for.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from grader import roles as spec

_MAX_TEXT = 200
_built: list[tuple[Any, str]] = []    # (optimizer, where it was built), in construction order


def capture_optimizers(box: str) -> None:
    """Record every ``torch.optim`` optimizer built from here on (with the student's file and line),
    so one kept local to a function (d2l's ``train_concise``) can still be judged."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    base = torch.optim.Optimizer
    original = base.__init__
    if getattr(original, "_grader_capture", False):
        return

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _built.append((self, _where(box)))

    __init__._grader_capture = True  # type: ignore[attr-defined]
    base.__init__ = __init__


def _where(box: str) -> str:
    frames = [f for f in traceback.extract_stack() if f.filename.startswith(box)]
    if not frames:
        return ""
    last = frames[-1]
    return f" at {os.path.relpath(last.filename, box)} line {last.lineno}"


class Finder:
    """Resolves a role's name in the child; ``found`` collects how each role was found for one task."""

    def __init__(self, roles: dict[str, dict[str, Any]], namespace: Callable[[], dict[str, Any]], box: str) -> None:
        self.roles = {name: spec.RoleSpec.model_validate(raw) for name, raw in roles.items()}
        self.namespace = namespace
        self.box = box
        self.found: dict[str, str] = {}

    def find(self, name: str) -> Any:
        """The value for role ``name``; raises NameError when nothing fits."""
        role = self.roles[name]
        space = self.namespace()
        for candidate in dict.fromkeys([name, *role.names]):
            if candidate in space and self._fits(role, space[candidate]):
                if candidate != name:
                    self._say(name, f"{candidate} ({spec.describe(role)}, by its name)")
                return space[candidate]
        if role.kind == "trained":
            return self._trained(name, role)
        for label, value in self._candidates(role, space):
            if self._fits(role, value):
                self._say(name, f"{label} ({spec.describe(role)}, found by {_how(role)})")
                return value
        if role.kind == "params":
            assembled = self._assemble(role, space)
            if assembled is not None:
                labels, value = assembled
                self._say(name, f"{', '.join(labels)} ({spec.describe(role)}, found by their shapes)")
                return value
        if name in space and not role.strict:
            return space[name]
        if name in space:
            raise NameError(f"{name} is not {spec.describe(role)}, and nothing else in the submission is")
        raise NameError(f"name {name!r} is not defined, and nothing else in the submission is "
                        f"{spec.describe(role)}")

    def _trained(self, name: str, role: spec.RoleSpec) -> Any:
        """No training function: one that returns what the script trained itself (its arguments unused)."""
        assert role.model is not None
        said = dict(self.found)
        try:
            model = self.find(role.model)
        except NameError:
            raise NameError(f"name {name!r} is not defined, and nothing the script trained itself is "
                            f"{spec.describe(self.roles[role.model])}") from None
        how = self.found.get(role.model, role.model)
        self.found = said
        self._say(name, f"{name} is not defined: the script trained its model itself ({how})")
        return lambda *args, **kwargs: model

    def _say(self, name: str, text: str) -> None:
        self.found[name] = text[:_MAX_TEXT]

    def _candidates(self, role: spec.RoleSpec, space: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        for key, value in list(space.items()):
            if not key.startswith("__"):
                yield key, value
        if role.kind == "optimizer":
            built = _built if role.pick == "first" else list(reversed(_built))
            for optimizer, where in built:
                yield f"the {type(optimizer).__name__} optimizer built{where}", optimizer

    def _fits(self, role: spec.RoleSpec, value: Any) -> bool:
        try:
            return bool(_FITS[role.kind](self, role, value))
        except Exception:  # noqa: BLE001 - a candidate that raises does not fit
            return False

    def _module(self, role: spec.RoleSpec, value: Any) -> bool:
        nn = sys.modules["torch"].nn
        return isinstance(value, nn.Module) and _shapes(value.parameters()) == _want(role.shapes)

    def _params(self, role: spec.RoleSpec, value: Any) -> bool:
        return isinstance(value, (list, tuple)) and all(_is_array(v) for v in value) \
            and _shapes(value) == _want(role.shapes)

    def _array(self, role: spec.RoleSpec, value: Any) -> bool:
        return _is_array(value) and tuple(value.shape) == tuple(role.shape or ())

    def _optimizer(self, role: spec.RoleSpec, value: Any) -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(value, torch.optim.Optimizer)

    def _callable(self, role: spec.RoleSpec, value: Any) -> bool:
        if not callable(value) or inspect.isclass(value) or not self._own(value):
            return False
        probe = role.probe
        assert probe is not None
        args = [_draw(a, i) for i, a in enumerate(probe.args)]
        if not _accepts(value, len(args)):
            return False
        out = _quietly(value, args)
        if not _is_array(out) or not _shape_matches(tuple(out.shape), probe.shape):
            return False
        return role.uses is None or self._uses(role.uses, value, args, out)

    def _uses(self, other: str, function: Any, args: list[Any], out: Any) -> bool:
        """Whether ``function``'s output changes when every tensor of role ``other`` is shifted by 1."""
        torch = sys.modules["torch"]
        said = dict(self.found)
        found = self.find(other)
        self.found = said   # the callable's line says "through the <other> tensors"
        tensors = list(found.parameters()) if isinstance(found, torch.nn.Module) else list(found)
        with torch.no_grad():
            saved = [t.detach().clone() for t in tensors]
            try:
                for t in tensors:
                    t.add_(1)
                changed = _quietly(function, args)
            finally:
                for t, s in zip(tensors, saved):
                    t.copy_(s)
        return not torch.equal(torch.as_tensor(changed).detach(), torch.as_tensor(out).detach())

    def _own(self, value: Any) -> bool:
        """A module the submission built, or a function its own files define (never a library's)."""
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.nn.Module):
            return True
        code = getattr(value, "__code__", None) or getattr(getattr(value, "forward", None), "__code__", None)
        return code is not None and str(code.co_filename).startswith(self.box)

    def _assemble(self, role: spec.RoleSpec, space: dict[str, Any]) -> tuple[list[str], list[Any]] | None:
        """One tensor per shape from the module's top-level names, in definition order, each used once."""
        taken: set[int] = set()
        labels, values = [], []
        for shape in _want(role.shapes):
            match = next(((k, v) for k, v in space.items() if not k.startswith("__") and _is_array(v)
                          and id(v) not in taken and tuple(v.shape) == shape), None)
            if match is None:
                return None
            taken.add(id(match[1]))
            labels.append(match[0])
            values.append(match[1])
        return labels, values


class Resolver:
    """A task's name lookup: roles through the :class:`Finder`, every other name through ``fallback``."""

    def __init__(self, finder: Finder | None, fallback: Callable[[str], Any]) -> None:
        self.finder = finder
        self.fallback = fallback

    def __call__(self, name: str) -> Any:
        if self.finder is not None and name in self.finder.roles:
            return self.finder.find(name)
        return self.fallback(name)

    def take_found(self) -> dict[str, str]:
        """How the roles used since the last call were found (and forget it)."""
        if self.finder is None:
            return {}
        found, self.finder.found = self.finder.found, {}
        return found


_FITS: dict[str, Callable[[Finder, spec.RoleSpec, Any], bool]] = {
    "module": Finder._module, "params": Finder._params, "array": Finder._array,
    "optimizer": Finder._optimizer, "callable": Finder._callable,
    "trained": lambda finder, role, value: callable(value) and not inspect.isclass(value),
}


def _how(role: spec.RoleSpec) -> str:
    return {"module": "its parameter shapes", "params": "their shapes", "array": "its shape",
            "optimizer": "its type", "callable": "calling it on test inputs", "trained": "its name"}[role.kind]


def _want(shapes: list[list[int]] | None) -> list[tuple[int, ...]]:
    return [tuple(s) for s in shapes or []]


def _shapes(values: Any) -> list[tuple[int, ...]]:
    return [tuple(v.shape) for v in values]


def _is_array(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return isinstance(value, np.ndarray) or (torch is not None and isinstance(value, torch.Tensor))


def _shape_matches(got: tuple[int, ...], want: list[int]) -> bool:
    return len(got) == len(want) and all(w == -1 or g == w for g, w in zip(got, want))


def _accepts(function: Any, count: int) -> bool:
    """Whether ``function`` can be called with ``count`` positional arguments (by its signature)."""
    try:
        inspect.signature(function).bind(*range(count))
    except (TypeError, ValueError):
        return False
    return True


def _quietly(function: Any, args: list[Any]) -> Any:
    """Call a candidate with what it prints kept out of the run's output."""
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args)


def _draw(arg: spec.ProbeArg, index: int) -> Any:
    rng = np.random.default_rng(1000 + index)   # fixed: the same probe in every run
    low, high = arg.range
    if arg.dtype == "int64":
        array = rng.integers(int(low), int(high), size=arg.shape, dtype=np.int64)
    else:
        array = rng.uniform(low, high, size=arg.shape).astype(arg.dtype)
    if arg.as_ == "array":
        return array
    return sys.modules["torch"].from_numpy(array)
