"""``include:``: one assignment spec built on another.

``include: ../bp-manual/assignment.yaml`` (a path relative to the including
file: a spec file, or a folder holding ``assignment.yaml``; or the name of a
sibling assignment, ``include: bp-manual``) makes the included spec the base,
and the including spec's keys are merged over it:

* a top-level key replaces the included one (``name``, ``title``, ``files``, ...);
* mapping sections (``sandbox``, ``tolerance``, any other) merge key by key;
* ``inputs`` merge by input-set name, and within a set by value name (a value,
  a generator such as ``{uniform: [-1, 1], shape: [2]}`` included, is replaced whole);
* ``checks`` merge by ``id``: an entry whose id the included spec has is merged
  onto that check key by key (its keys win; a different ``kind`` replaces the
  check whole), ``{id: x, remove: true}`` drops check x, and entries with new
  ids are appended, in order, after the included checks;
* in every merged mapping, ``key: null`` removes the included key (the default
  applies again).

Included specs may include others; a cycle is an error. Errors name the file and
line a value came from, the included file's included. Paths inside checks (e.g.
``autograd: {function: "hidden/oracle.py:loss"}``) and the ``files`` of the
reference always resolve against the folder of the assignment being loaded, not
the included spec's: an included check uses the including assignment's own
``reference/`` and ``hidden/`` files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from grader import yamlpos
from grader.errors import SpecError

SPEC_FILE = "assignment.yaml"
MAX_DEPTH = 16
Positions = tuple[dict[yamlpos.KeyPath, int], dict[yamlpos.KeyPath, str]]


def resolve(doc: yamlpos.PositionedYaml, path: Path) -> tuple[yamlpos.PositionedYaml, list[Path]]:
    """``doc`` (parsed from ``path``) with its ``include:`` chain merged in, and the files included
    (nearest first). A spec without ``include`` comes back unchanged."""
    return _resolve(doc, Path(path), [Path(path).resolve()])


def _resolve(doc: yamlpos.PositionedYaml, path: Path, chain: list[Path]) -> tuple[yamlpos.PositionedYaml, list[Path]]:
    if not isinstance(doc.data, dict) or "include" not in doc.data:
        return doc, []
    target, display = _target(doc, path)
    real = target.resolve()
    if real in chain:
        loop = " → ".join([*(_short(p) for p in chain[chain.index(real):]), _short(real)])
        raise SpecError(f"{doc.where(('include',))}: including {display} would make a cycle ({loop})")
    if len(chain) >= MAX_DEPTH:
        raise SpecError(f"{doc.where(('include',))}: more than {MAX_DEPTH} specs include one another")
    try:
        base = yamlpos.load(target, display)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(f"{display}{f':{mark.line + 1}' if mark else ''}: not valid YAML "
                        f"({getattr(exc, 'problem', exc)})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{doc.where(('include',))}: cannot read {display} ({getattr(exc, 'strerror', None) or exc})") from None
    if not isinstance(base.data, dict):
        raise SpecError(f"{display}:1: an included spec must be a mapping of keys such as sandbox, inputs, checks")
    base, deeper = _resolve(base, target, [*chain, real])
    return merge(base, doc), [target, *deeper]


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _target(doc: yamlpos.PositionedYaml, path: Path) -> tuple[Path, str]:
    """The file an ``include`` names, and how messages show it."""
    raw = doc.data["include"]
    where = doc.where(("include",))
    if not isinstance(raw, str) or not raw.strip():
        raise SpecError(f"{where}: expected the path of another {SPEC_FILE} (relative to this one) or an assignment's name")
    folder, shown = path.parent, Path(doc.filename).parent
    candidates = [(folder / raw, shown / raw)]
    if "/" not in raw and "\\" not in raw:   # a name: the sibling assignment of that name
        candidates.append((folder.parent / raw, shown.parent / raw))
    tried = []
    for target, display in candidates:
        if target.is_dir():
            target, display = target / SPEC_FILE, display / SPEC_FILE
        tried.append(os.path.normpath(display))
        if target.is_file():
            return target, os.path.normpath(display)
    raise SpecError(f"{where}: no spec to include at {' or '.join(tried)}")


# ------------------------------------------------------------------ merging
def merge(base: yamlpos.PositionedYaml, over: yamlpos.PositionedYaml) -> yamlpos.PositionedYaml:
    """``over`` merged onto ``base`` (both top-level mappings), keeping every value's file and line."""
    lines: dict[yamlpos.KeyPath, int] = {}
    files: dict[yamlpos.KeyPath, str] = {}
    _place(over, (), (), (lines, files), subtree=False)
    data: dict[Any, Any] = {}
    for key in [*base.data, *(k for k in over.data if k not in base.data)]:
        if key not in over.data:
            data[key] = _copy(base, (key,), (key,), (lines, files))
        elif key == "include":
            data[key] = _copy(over, (key,), (key,), (lines, files))
        elif key not in base.data:
            if over.data[key] is not None:
                data[key] = _copy(over, (key,), (key,), (lines, files))
        elif key == "checks" and isinstance(base.data[key], list) and isinstance(over.data[key], list):
            data[key] = _merge_checks(base, over, (lines, files))
        elif isinstance(base.data[key], dict) and isinstance(over.data[key], dict):
            data[key] = _merge_mapping(base, over, (key,), (key,), (key,), (lines, files), depth=2 if key == "inputs" else 1)
        elif over.data[key] is not None:
            data[key] = _copy(over, (key,), (key,), (lines, files))
    return yamlpos.PositionedYaml(data, lines, over.filename, {k: f for k, f in files.items() if f != over.filename})


def _get(doc: yamlpos.PositionedYaml, path: yamlpos.KeyPath) -> Any:
    value = doc.data
    for part in path:
        value = value[part]
    return value


def _place(doc: yamlpos.PositionedYaml, src: yamlpos.KeyPath, dst: yamlpos.KeyPath, positions: Positions,
           subtree: bool = True) -> None:
    """Record where ``doc``'s value at ``src`` (and, with ``subtree``, everything under it) came from, at ``dst``."""
    lines, files = positions
    n = len(src)
    for key, line in doc.lines.items():
        if key[:n] == src and (subtree or len(key) == n):
            new = (*dst, *key[n:])
            lines[new] = line
            files[new] = doc.files.get(key, doc.filename)


def _copy(doc: yamlpos.PositionedYaml, src: yamlpos.KeyPath, dst: yamlpos.KeyPath, positions: Positions) -> Any:
    _place(doc, src, dst, positions)
    return _get(doc, src)


def _merge_mapping(base: yamlpos.PositionedYaml, over: yamlpos.PositionedYaml, bpath: yamlpos.KeyPath,
                   opath: yamlpos.KeyPath, dst: yamlpos.KeyPath, positions: Positions, depth: int) -> dict[Any, Any]:
    """Key by key, ``depth`` levels deep: below that, the including value replaces the included one."""
    b, o = _get(base, bpath), _get(over, opath)
    _place(over, opath, dst, positions, subtree=False)
    out: dict[Any, Any] = {}
    for key in [*b, *(k for k in o if k not in b)]:
        if key not in o:
            out[key] = _copy(base, (*bpath, key), (*dst, key), positions)
        elif o[key] is None:
            continue                                  # key: null removes the included value
        elif depth > 1 and key in b and isinstance(b[key], dict) and isinstance(o[key], dict):
            out[key] = _merge_mapping(base, over, (*bpath, key), (*opath, key), (*dst, key), positions, depth - 1)
        else:
            out[key] = _copy(over, (*opath, key), (*dst, key), positions)
    return out


def _merge_checks(base: yamlpos.PositionedYaml, over: yamlpos.PositionedYaml, positions: Positions) -> list[Any]:
    included: list[Any] = base.data["checks"]
    index = {c["id"]: i for i, c in enumerate(included) if isinstance(c, dict) and isinstance(c.get("id"), str)}
    plan: list[tuple[str, int, int | None]] = [("base", i, None) for i in range(len(included))]   # (how, base i, over i)
    _place(over, ("checks",), ("checks",), positions, subtree=False)
    for j, entry in enumerate(over.data["checks"]):
        check_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and "remove" in entry:
            if entry["remove"] is not True or set(entry) != {"id", "remove"}:
                raise SpecError(f"{over.where(('checks', j, 'remove'))}: write {{id: <check id>, remove: true}} "
                                "to drop an included check, with no other keys")
            if check_id not in index:
                raise SpecError(f"{over.where(('checks', j, 'id'))}: no included check {check_id!r} to remove")
            plan[index[check_id]] = ("removed", index[check_id], None)
        elif check_id in index and plan[index[check_id]][0] == "base":
            b = included[index[check_id]]
            same_kind = "kind" not in entry or entry["kind"] == b.get("kind")
            plan[index[check_id]] = ("merged" if same_kind else "replaced", index[check_id], j)
        else:
            plan.append(("new", -1, j))
    out: list[Any] = []
    for how, base_i, over_j in plan:
        dst = ("checks", len(out))
        if how == "removed":
            continue
        if how == "base" or over_j is None:
            out.append(_copy(base, ("checks", base_i), dst, positions))
        elif how == "merged":
            out.append(_merge_mapping(base, over, ("checks", base_i), ("checks", over_j), dst, positions, depth=1))
        else:
            out.append(_copy(over, ("checks", over_j), dst, positions))
    return out


def flatten(spec_path: Path) -> str | None:
    """The spec at ``spec_path`` as one self-contained YAML text, its ``include:`` chain merged in
    (for copies of an assignment folder without its neighbours, e.g. an autograder zip); None
    when it includes nothing."""
    doc = yamlpos.load(spec_path)
    if not isinstance(doc.data, dict) or "include" not in doc.data:
        return None
    merged, included = resolve(doc, spec_path)
    data = {key: value for key, value in merged.data.items() if key != "include"}
    sources = ", ".join(os.path.normpath(p) for p in included)
    return (f"# {spec_path.name} with the specs it includes ({sources}) merged in by grader.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
