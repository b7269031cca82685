"""Student bundles: what a course hands out, with no reference, no hidden check and no secret.

A bundle folder holds the starter, the README, ``assignment.yaml`` with only the public
checks (and only the input sets they draw from), and the reference's answers to those
checks precomputed as plain data: ``expected.json`` (the values' descriptions, as the
sandbox's wire format writes them) and ``expected.npz`` (their arrays, loaded with
``allow_pickle=False``). ``grader check BUNDLE SUBMISSION`` grades against those answers
on a machine that never saw the reference. Building the same bundle twice gives the same
bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from grader import wire
from grader.authoring import starter
from grader.engine import Engine
from grader.errors import GraderError
from grader.expected import FORMAT
from grader.spec import EXPECTED_ARRAYS, EXPECTED_FILE, SPEC_FILE, Assignment, check_inputs

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DROPPED_KEYS = ("include", "late")   # composed already / about grading, not about the student's work


def build(assignment: Assignment, out: Path, *, insecure: bool = False) -> list[str]:
    """Write the student bundle of ``assignment`` into ``out`` (replaced); returns its files."""
    if assignment.expected is not None:
        raise GraderError(f"{assignment.root} is already a student bundle; build bundles from the instructor's folder")
    public = dataclasses.replace(assignment, checks=tuple(c for c in assignment.checks if c.visibility == "public"))
    if not public.checks:
        raise GraderError(f"{assignment.name} has no public checks, so a bundle could not check anything; "
                          "make at least one check `visibility: public`")
    files: dict[str, bytes] = {SPEC_FILE: public_spec_yaml(public).encode()}
    readme = assignment.root / "README.md"
    if readme.is_file():
        files["README.md"] = readme.read_bytes()
    for name, data in starter_files(assignment).items():
        files[f"starter/{name}"] = data
    described, arrays = expected_data(public, insecure=insecure)
    described["spec_sha256"] = hashlib.sha256(files[SPEC_FILE]).hexdigest()
    files[EXPECTED_FILE] = (json.dumps(described, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()
    files[EXPECTED_ARRAYS] = _npz_bytes(arrays)
    _replace_folder(out, files)
    return sorted(files)


def public_spec_yaml(public: Assignment) -> str:
    """The spec a student receives: public checks (a manual check's prompt without its rubric) and the
    input sets they use, nothing else."""
    data = json.loads(json.dumps(public.spec.model_dump(mode="json", exclude_unset=True), default=str))
    for key in _DROPPED_KEYS:
        data.pop(key, None)
    raw_checks = {str(raw.get("id")): raw for raw in public.spec.checks if isinstance(raw, dict)}
    data["checks"] = [json.loads(json.dumps(raw_checks[c.id], default=str)) for c in public.checks]
    for raw in data["checks"]:
        raw.pop("rubric", None)          # a manual check's rubric holds the model answer: the prompt only
    used = {check_inputs(public, c).name for c in public.checks if isinstance(getattr(c, "inputs", None), str)}
    if "inputs" in data:
        data["inputs"] = {k: v for k, v in data["inputs"].items() if k in used}
    if data.get("forms"):   # each form's public checks only (a bundle's forms need not be worth the same)
        kept = {c.id for c in public.checks}
        data["forms"] = {name: [i for i in ids if i in kept] for name, ids in data["forms"].items()}
    header = (f"# Student bundle of {public.name}: public checks only, built by `grader bundle`.\n"
              "# Check your work with:  grader check <this folder> <your folder or file>\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)


def expected_data(public: Assignment, *, insecure: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Run the reference on the public checks; its answers as JSON-able descriptions plus arrays."""
    with tempfile.TemporaryDirectory(prefix="grader-bundle-") as cache:
        with Engine(1, insecure=insecure, require=public.spec.sandbox.require, preload=public.spec.sandbox.preload,
                    cache_dir=Path(cache)) as engine:
            prepared = engine.prepare(public)
        streams = list(Path(cache).glob("reference-*.bin"))
        if len(streams) != 1:
            raise GraderError(f"the reference answers of {public.name} were not recorded; run `grader validate` first")
        frames = {f.header["task"]: f for f in wire.read(str(streams[0]), 1 << 30)
                  if f.header.get("type") == "result" and f.header.get("ok")}
    tasks: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    for index, task in enumerate(prepared.tasks):
        frame = frames.get(index)
        if frame is None:
            raise GraderError(f"the reference gave no answer for check {task.check_id!r}; run `grader validate`")
        value = _arrays_out(frame.header["value"], frame.buffers, arrays, f"t{index}")
        tasks.append({"check": task.check_id, "case": task.case, "value": value})
    described: dict[str, Any] = {"format": FORMAT, "assignment": public.name, "tasks": tasks}
    quantities = _public_quantities(public, prepared.case_inputs)
    if quantities:
        described["quantities"] = quantities
    return described, arrays


def _public_quantities(public: Assignment, case_inputs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """An ``output`` check's oracle quantities on its public inputs, computed now: the bundle has no hidden/."""
    from grader.checks.quantities import oracle_quantities

    out = {}
    for check in public.checks:
        judge = getattr(check, "quantities", None)
        if judge:
            cases = case_inputs.get(check.id) or [{}]
            raw = oracle_quantities(judge, public.root, cases[0])   # pairs: expected.json's keys are sorted
            wanted = getattr(check, "groups", None)              # only what the check reads (training is long)
            out[check.id] = [[str(name), _jsonable(value)] for name, value in dict(raw).items()
                             if not wanted or name in wanted]
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):   # inside a quantity only ("values", "orders", "mistakes"): order kept where it counts
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(f"{float(value):.12g}")   # far below any printed digit; a third of the text
    if isinstance(value, np.generic):
        return value.item()
    return value


def _arrays_out(node: Any, buffers: list[bytes], arrays: dict[str, np.ndarray], prefix: str) -> Any:
    """A wire description with each raw buffer moved into ``arrays`` under a stable name."""
    if isinstance(node, dict):
        if node.get("t") == "array":
            name = f"{prefix}_{len([k for k in arrays if k.startswith(prefix + '_')])}"
            arrays[name] = np.frombuffer(buffers[node["buf"]], dtype=node["dtype"]).reshape(node["shape"])
            return {**{k: v for k, v in node.items() if k != "buf"}, "array": name}
        return {k: _arrays_out(v, buffers, arrays, prefix) for k, v in node.items()}
    if isinstance(node, list):
        return [_arrays_out(v, buffers, arrays, prefix) for v in node]
    return node


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` with fixed timestamps and order, so the same arrays give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return out.getvalue()


def starter_files(assignment: Assignment) -> dict[str, bytes]:
    if starter.uses_markers(assignment):
        return starter.plan(assignment).files
    if not assignment.starter_dir.is_dir():
        raise GraderError(f"{assignment.name} has no starter/ and no solution markers to make one from; "
                          "add markers to reference/ and run `grader starter`")
    return starter.reference_files(assignment.starter_dir)


def _replace_folder(out: Path, files: dict[str, bytes]) -> None:
    if out.exists() and not (out / SPEC_FILE).is_file() and any(out.iterdir()):
        raise GraderError(f"{out} exists and is not a bundle; choose an empty or new folder for --out")
    staging = out.with_name(f".{out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    for name, data in sorted(files.items()):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
