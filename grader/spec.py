"""Assignment specs: ``assignment.yaml`` -> validated, frozen objects.

Unknown keys, wrong types and missing files are errors that name the file, the
line and the key path, e.g.
``assignments/bp-manual/assignment.yaml:14: checks[2].rtol: expected a number``.
"""

from __future__ import annotations

import difflib
import hashlib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from grader import calls, includes, inputs, yamlpos
from grader.assignment import (
    ALL_LAYERS,
    Assignment,
    CheckSpec,
    InputSet,
    LateSpec,
    Layer,
    RootSpec,
    SandboxSpec,
    ToleranceSpec,
    check_inputs,
)
from grader.checks import CHECKS
from grader.errors import SpecError, UnknownAssignment

__all__ = [
    "ALL_LAYERS",
    "Assignment",
    "CheckSpec",
    "InputSet",
    "LateSpec",
    "Layer",
    "RootSpec",
    "SandboxSpec",
    "ToleranceSpec",
    "check_inputs",
    "find",
    "load",
    "missing_requirements",
]

T = TypeVar("T")
SPEC_FILE = "assignment.yaml"
EXPECTED_FILE, EXPECTED_ARRAYS = "expected.json", "expected.npz"   # a student bundle's precomputed answers


def _where(doc: yamlpos.PositionedYaml, path: yamlpos.KeyPath) -> str:
    return doc.where(path)


def _raise_validation(doc: yamlpos.PositionedYaml, prefix: yamlpos.KeyPath, exc: ValidationError) -> None:
    raise SpecError(_joined(_validation_messages(doc, prefix, exc))) from None


def _joined(messages: list[str]) -> str:
    """One problem as it is; several as a count and one indented line each, in the spec's order."""
    if len(messages) == 1:
        return messages[0]
    return f"{len(messages)} problems in the spec:\n" + "\n".join(f"  {m}" for m in messages)


def _validation_messages(doc: yamlpos.PositionedYaml, prefix: yamlpos.KeyPath, exc: ValidationError,
                         unknown_key: str = "unknown key", fields: list[str] | None = None) -> list[str]:
    """Every error pydantic found, each as ``file:line: key.path: what``. A required key that is
    only missing because it was misspelt (an unknown key next to it suggests it) is not repeated."""
    errors = exc.errors()
    messages: list[str] = []
    suggested: set[tuple[Any, ...]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = _loc(error)
            known = fields if fields is not None else _known_keys(prefix, loc[:-1])
            guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
            suggested.update((*loc[:-1], g) for g in guess)
            messages.append(f"{_where(doc, (*prefix, *loc))}: {unknown_key}"
                            + (f"; did you mean {guess[0]!r}?" if guess else ""))
    for error in errors:
        loc = _loc(error)
        if error["type"] == "extra_forbidden" or (error["type"] == "missing" and loc in suggested):
            continue
        message = error["msg"]
        if error["type"] == "missing":
            message = "required key is missing"
        elif error["type"] in ("float_parsing", "float_type", "int_parsing", "int_type"):
            message = f"expected a number ({message.lower()})"
        messages.append(f"{_where(doc, (*prefix, *loc))}: {message}")
    return messages


def _loc(error: Any) -> tuple[Any, ...]:
    return tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))


def _known_keys(prefix: yamlpos.KeyPath, loc: tuple[Any, ...]) -> list[str]:
    model: Any = RootSpec
    for part in (*prefix, *loc):
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        if typing.get_origin(annotation) in (typing.Union, type(int | None)):  # an optional section
            annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), None)
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def find(name_or_path: str, search_root: Path | None = None) -> Path:
    """An assignment folder from a path, or a name looked up under ``./assignments``."""
    candidate = Path(name_or_path)
    if (candidate / SPEC_FILE).is_file():
        return candidate
    if candidate.name == SPEC_FILE and candidate.is_file():
        return candidate.parent
    base = (search_root or Path.cwd()) / "assignments"
    if (base / name_or_path / SPEC_FILE).is_file():
        return base / name_or_path
    known = sorted(p.parent.name for p in base.glob(f"*/{SPEC_FILE}")) if base.is_dir() else []
    hint = difflib.get_close_matches(name_or_path, known, n=1)
    if hint:
        raise UnknownAssignment(f"no assignment {name_or_path!r}; did you mean {hint[0]!r}?")
    where = f" (assignments here: {', '.join(known)})" if known else f" and {base} has none"
    raise UnknownAssignment(f"no assignment {name_or_path!r}: give a folder holding {SPEC_FILE} or a name under ./assignments{where}")


def load(folder: Path) -> Assignment:
    """Load and validate ``folder/assignment.yaml``; raises :class:`SpecError`."""
    path = folder / SPEC_FILE
    display = str(path)
    try:
        doc = yamlpos.load(path, display)
    except FileNotFoundError:
        raise SpecError(f"{display}: no such file; an assignment folder needs {SPEC_FILE}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise SpecError(f"{display}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(doc.data, dict):
        raise SpecError(f"{display}:1: the spec must be a mapping of keys such as name, files, checks")
    top = doc
    doc, included = includes.resolve(top, path)   # include: another spec as the base (see grader.includes)
    try:
        root = RootSpec.model_validate(doc.data)
    except ValidationError as exc:
        _raise_validation(doc, (), exc)
        raise  # unreachable
    problems: list[str] = []
    input_sets = _load_input_sets(doc, root)
    loaded = [_collecting(problems, _load_check, doc, i, raw, root, input_sets) for i, raw in enumerate(root.checks)]
    ids = [c.id if c is not None else None for c in loaded]
    for i, check_id in enumerate(ids):
        if check_id is not None and check_id in ids[:i]:
            problems.append(f"{_where(doc, ('checks', i, 'id'))}: duplicate check id {check_id!r}")
    bundle = (folder / EXPECTED_FILE).is_file() and not (folder / "reference").exists()
    checks = tuple(c for c in loaded if c is not None)
    if len(checks) == len(loaded):   # forms name checks: judged once every check loaded
        _collecting(problems, _check_forms, doc, root, checks, not bundle)
    for i, name in enumerate(root.files if not bundle else ()):
        if not (folder / "reference" / name).is_file():
            problems.append(f"{_where(doc, ('files', i))}: the reference has no {name} "
                            f"(expected {folder / 'reference' / name})")
    if problems:   # every mistake at once, not one per run
        raise SpecError(_joined(problems))
    return Assignment(folder.resolve(), root, checks, input_sets,
                      _with_included(_hash_folder(folder, skip=_late_lines(top)), included),
                      expected=(folder / EXPECTED_FILE).resolve() if bundle else None)


def _check_forms(doc: yamlpos.PositionedYaml, root: RootSpec, checks: tuple[CheckSpec, ...],
                 same_points: bool = True) -> None:
    """``forms``: at least two, naming existing checks, none in two forms, each worth the same points
    (except in a student bundle, whose forms hold their public checks only)."""
    if not root.forms:
        return
    points = {c.id: c.points for c in checks}
    seen: set[str] = set()
    worth = []
    for name, ids in root.forms.items():
        for i, check_id in enumerate(ids):
            if check_id not in points:
                raise SpecError(f"{_where(doc, ('forms', name, i))}: no check {check_id!r}")
            if check_id in seen:
                raise SpecError(f"{_where(doc, ('forms', name, i))}: check {check_id!r} is in two forms")
            seen.add(check_id)
        worth.append(round(sum(points[i] for i in ids), 6))
    if len(root.forms) < 2 or (same_points and len(set(worth)) > 1):
        raise SpecError(f"{_where(doc, ('forms',))}: forms must be two or more, each worth the same points "
                        f"(here {', '.join(f'{n}: {w:g}' for n, w in zip(root.forms, worth))})")


def _collecting(problems: list[str], load: Callable[..., T], *args: Any) -> T | None:
    """``load(*args)``, or None with its SpecError's message added to ``problems``."""
    try:
        return load(*args)
    except SpecError as exc:
        lines = str(exc).splitlines()
        problems.extend(line.strip() for line in (lines[1:] if len(lines) > 1 else lines))   # no "N problems" header
        return None


def _load_input_sets(doc: yamlpos.PositionedYaml, root: RootSpec) -> dict[str, InputSet]:
    sets = {}
    for set_name, raw in root.inputs.items():
        sets[set_name] = _parse_input_set(doc, ("inputs", set_name), set_name, raw)
    return sets


def _parse_input_set(doc: yamlpos.PositionedYaml, path: yamlpos.KeyPath, name: str, raw: Any) -> InputSet:
    if not isinstance(raw, dict):
        raise SpecError(f"{_where(doc, path)}: an input set must be a mapping of names to values")
    cases = raw.get("cases", 1)
    if not isinstance(cases, int) or isinstance(cases, bool) or not 1 <= cases <= 10_000:
        raise SpecError(f"{_where(doc, (*path, 'cases'))}: expected a whole number of cases from 1 to 10000")
    values = {}
    for key, value in raw.items():
        if key == "cases":
            continue
        if not isinstance(key, str) or not key.isidentifier():
            raise SpecError(f"{_where(doc, (*path, key))}: input names must be Python identifiers")
        try:
            values[key] = inputs.parse_value(value)
        except ValidationError as exc:
            _raise_validation(doc, (*path, key), exc)
        except ValueError as exc:
            raise SpecError(f"{_where(doc, (*path, key))}: {exc}") from None
    return InputSet(name, cases, values)


def _load_check(doc: yamlpos.PositionedYaml, index: int, raw: dict[str, Any], root: RootSpec,
                input_sets: dict[str, InputSet]) -> CheckSpec:
    path: yamlpos.KeyPath = ("checks", index)
    if not isinstance(raw, dict):
        raise SpecError(f"{_where(doc, path)}: each check must be a mapping with at least id and kind")
    kind = raw.get("kind")
    if kind not in CHECKS:
        guess = difflib.get_close_matches(str(kind), list(CHECKS), n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else f"; known kinds: {', '.join(sorted(CHECKS))}"
        what = "missing" if kind is None else f"unknown kind {kind!r}"
        raise SpecError(f"{_where(doc, (*path, 'kind'))}: {what}{hint}")
    model = CHECKS[kind].Spec
    try:
        check = model.model_validate(raw)
    except ValidationError as exc:
        kind_name = model.__name__.removesuffix("Spec").lower()
        raise SpecError(_joined(_validation_messages(doc, path, exc, f"unknown key for a {kind_name} check",
                                                     list(model.model_fields)))) from None
    _validate_check_refs(doc, path, check, raw, root, input_sets)
    return check


def _validate_check_refs(doc: yamlpos.PositionedYaml, path: yamlpos.KeyPath, check: CheckSpec, raw: dict[str, Any],
                         root: RootSpec, input_sets: dict[str, InputSet]) -> None:
    """Every call the check's kind evaluates parses, and uses only inputs its set defines."""
    for use in CHECKS[check.kind].input_uses(check):
        try:
            tree = calls.parse(use.call)
        except calls.CallSyntaxError as exc:
            raise SpecError(f"{_where(doc, (*path, use.key))}: {exc}") from None
        available = _available_inputs(doc, path, use.inputs, input_sets)
        used, _ = calls.names(tree)
        missing = sorted(used - available)
        if missing:
            raise SpecError(f"{_where(doc, (*path, use.key))}: {', '.join(missing)} not among the check's inputs "
                            f"({', '.join(sorted(available)) or 'none'})")


def _available_inputs(doc: yamlpos.PositionedYaml, path: yamlpos.KeyPath, input_ref: str | dict[str, Any] | None,
                      input_sets: dict[str, InputSet]) -> set[str]:
    """The input names a named or inline set defines (none without a set)."""
    if isinstance(input_ref, str):
        if input_ref not in input_sets:
            guess = difflib.get_close_matches(input_ref, list(input_sets), n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else f"; defined sets: {', '.join(input_sets) or 'none'}"
            raise SpecError(f"{_where(doc, (*path, 'inputs'))}: no input set {input_ref!r} under inputs{hint}")
        return set(input_sets[input_ref].values)
    if isinstance(input_ref, dict):
        return {k for k in input_ref if k != "cases"}
    return set()


def _late_lines(doc: yamlpos.PositionedYaml) -> range:
    """The 1-based lines of the top-level ``late:`` section (up to the next top-level key).

    Penalties are applied after grading, on every ``grade`` run, so editing them
    must not invalidate graded results; when in doubt nothing is skipped.
    """
    start = doc.lines.get(("late",))
    if start is None:
        return range(0)
    tops = [line for path, line in doc.lines.items() if len(path) == 1 and path != ("late",)]
    if start in tops:           # another key on the same line (a flow mapping): hash everything
        return range(0)
    return range(start, min((line for line in tops if line > start), default=1 << 30))


_OTHER_BREAKS = (b"\r", "\x85".encode(), "\u2028".encode(), "\u2029".encode())  # YAML line breaks splitlines may count differently


def _with_included(spec_hash: str, included: list[Path]) -> str:
    """The spec hash extended by the content of every spec it includes (unchanged without any)."""
    if not included:
        return spec_hash
    digest = hashlib.sha256(spec_hash.encode() + b"\0")
    for path in included:
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _hash_folder(folder: Path, skip: range = range(0)) -> str:
    """Content hash of the spec (less the lines in ``skip``) and everything the grader reads beside it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.parts[len(folder.parts)] in (SPEC_FILE, "reference", "hidden",
                                                                        EXPECTED_FILE, EXPECTED_ARRAYS)):
        data = path.read_bytes()
        if skip and path == folder / SPEC_FILE and not any(mark in data for mark in _OTHER_BREAKS):
            lines = data.splitlines(keepends=True)
            if not any(b"&" in line for number, line in enumerate(lines, 1) if number in skip):  # no anchor used elsewhere
                data = b"".join(line for number, line in enumerate(lines, 1) if number not in skip)
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:16]


def missing_requirements(assignment: Assignment) -> list[str]:
    """One sentence per module in the spec's ``requires`` that this interpreter cannot import (none: empty)."""
    import importlib.util

    missing = []
    for module, install in assignment.spec.requires.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(f"{assignment.name} needs the Python module {module}, which is not installed here; "
                           f"{install or f'install {module}'}")
    return missing
