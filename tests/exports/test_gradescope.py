"""Gradescope export: results.json validated against a schema of the documented format,
the visibility mapping, no hidden details, and the autograder zip."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from report.samples import HIDDEN_EXPECTED, HIDDEN_INPUT, HOSTILE, as_result, full_result, hostile_result, result

from grader.cli import cli as main
from grader.exports.gradescope import build_bundle, to_gradescope

from .gradescope_schema import RESULTS_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft202012Validator(RESULTS_SCHEMA)


def test_the_schema_is_valid_and_strict() -> None:
    jsonschema.Draft202012Validator.check_schema(RESULTS_SCHEMA)
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1, "max_score": 1, "status": "passed", "visibility": "visible"}]}
    assert VALIDATOR.is_valid(good)
    for bad in ({"tests": [{"name": "no score anywhere"}]},
                {**good, "visiblity": "visible"},
                {**good, "tests": [{**good["tests"][0], "status": "error"}]},
                {**good, "tests": [{**good["tests"][0], "visibility": "public"}]},
                {**good, "stdout_visibility": "always"}):
        assert not VALIDATOR.is_valid(bad), bad


@pytest.mark.parametrize("data", [full_result(), hostile_result(),
                                  result("eve", [], status="error", message="bp.py is missing")],
                         ids=["full", "hostile", "ungraded"])
def test_export_follows_the_documented_format(data: dict) -> None:
    exported = to_gradescope(as_result(data))
    VALIDATOR.validate(exported)
    assert json.loads(json.dumps(exported, allow_nan=False)) == exported
    assert list(exported)[:6] == ["score", "execution_time", "output", "output_format", "test_output_format",
                                  "test_name_format"]
    assert exported["score"] == data["score"]
    assert len(exported["tests"]) == len(data["checks"])
    assert sum(t["score"] for t in exported["tests"]) == pytest.approx(data["score"])
    assert exported["visibility"] == "visible" and exported["stdout_visibility"] == "hidden"
    assert exported["output_format"] == exported["test_output_format"] == exported["test_name_format"] == "text"


def test_tests_map_status_points_and_visibility() -> None:
    data = full_result()
    tests = to_gradescope(as_result(data))["tests"]
    for c, t in zip(data["checks"], tests):
        assert t["name"] == c["title"]
        assert (t["score"], t["max_score"]) == (c["score"], c["max_score"])
        assert t["status"] == ("passed" if c["status"] == "passed" else "failed")
        assert t["visibility"] == {"public": "visible", "hidden": "after_published"}[c["visibility"]]
        assert t["output"].startswith(c["message"])
        assert f"What this check proves: {c['description']}" in t["output"]
    by_name = {t["name"]: t for t in tests}
    assert "Expected at [5]: -0.583866; your code: -0.416134" in by_name["One SGD step"]["output"]
    assert "Wrong: w1, w2" in by_name["Gradients of the given network"]["output"]
    assert "ValueError: bad shape" in by_name["Crash"]["output"]


def test_hidden_tests_carry_the_message_only() -> None:
    data = hostile_result()
    hidden = to_gradescope(as_result(data))["tests"][1]
    assert hidden["visibility"] == "after_published"
    for leak in (f"{HIDDEN_EXPECTED:.3g}", f"{HIDDEN_INPUT:.3g}", "x = ", "reference"):
        assert leak not in hidden["output"].replace("like the reference", "")
    data["checks"][1]["visibility"] = "public"    # the same check made public does show them
    assert f"{HIDDEN_EXPECTED}" in to_gradescope(as_result(data))["tests"][1]["output"]


def test_text_is_plain_text() -> None:
    exported = to_gradescope(as_result(hostile_result()))
    assert all("\x1b" not in t["output"] and "\x00" not in t["output"] for t in exported["tests"])
    assert HOSTILE in exported["tests"][0]["output"]    # declared "text": Gradescope shows it, does not render it


def test_cli_export_writes_results_json(tmp_path: Path) -> None:
    source = tmp_path / "alice" / "result.json"
    source.parent.mkdir()
    source.write_text(json.dumps(full_result()))
    out = tmp_path / "results.json"
    run = CliRunner().invoke(main, ["export", "gradescope", str(source), "--out", str(out),
                                    "--stdout-visibility", "after_published"])
    assert run.exit_code == 0, run.output
    exported = json.loads(out.read_text())
    VALIDATOR.validate(exported)
    assert exported["stdout_visibility"] == "after_published"
    # A folder holding result.json works too; a file that is no result is one clear sentence.
    assert CliRunner().invoke(main, ["export", "gradescope", str(source.parent), "--out", "-"]).exit_code == 0
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}")
    run = CliRunner().invoke(main, ["export", "gradescope", str(bogus)])
    assert run.exit_code == 3 and "is not a grader result.json" in run.output


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    build_bundle(ROOT / "assignments" / "bp-manual", out)
    return out


def test_bundle_has_the_scripts_at_its_root_executable(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        for name in ("setup.sh", "run_autograder"):
            info = zf.getinfo(name)
            assert stat.S_IMODE(info.external_attr >> 16) == 0o755
            text = zf.read(name).decode()
            assert text.startswith("#!/usr/bin/env bash\n")
            assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0  # syntax
        setup = zf.read("setup.sh").decode()
        assert "pip install torch==" in setup and "download.pytorch.org/whl/cpu" in setup
        assert "pip install /autograder/source/grader-src" in setup
        run = zf.read("run_autograder").decode()
        assert 'grade "$ROOT/source/assignment" "$ROOT/submission"' in run
        assert 'export gradescope "$OUT/submission/result.json" --out "$ROOT/results/results.json"' in run
        assert "assignment/assignment.yaml" in names and "assignment/reference/bp.py" in names
        assert "assignment/hidden/oracle.py" in names
        for needed in ("grader-src/pyproject.toml", "grader-src/README.md", "grader-src/grader/cli.py",
                       "grader-src/grader/report/templates/result.html.j2", "grader-src/grader/report/templates/sort.js"):
            assert needed in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        assert 'name = "grader"' in zf.read("grader-src/pyproject.toml").decode()


def test_bundle_run_autograder_grades_a_submission(bundle: Path, tmp_path: Path) -> None:
    """run_autograder, pointed at a local /autograder layout, writes a valid results.json."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copytree(ROOT / "submissions" / "bp-manual" / "update-sign-error", root / "submission")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "grader").write_text(f"#!/bin/sh\nexec {sys.executable} -m grader \"$@\"\n")
    (bindir / "grader").chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AUTOGRADER_ROOT": str(root),
           "GRADER_BIN": str(bindir / "grader"), "GRADER_SECRET": "bundle-test",
           "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))}
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    exported = json.loads((root / "results" / "results.json").read_text())
    VALIDATOR.validate(exported)
    assert exported["score"] == 8.0 and len(exported["tests"]) == 10
    failed = {t["name"] for t in exported["tests"] if t["status"] == "failed"}
    assert "One SGD step on the given network with its true gradient (lr = 1)" in failed


def test_cli_bundle_command(tmp_path: Path) -> None:
    out = tmp_path / "ag.zip"
    run = CliRunner().invoke(main, ["gradescope-bundle", str(ROOT / "assignments" / "bp-manual"), "--out", str(out),
                                    "--torch", "torch==2.5.1", "--insecure"])
    assert run.exit_code == 0, run.output
    with zipfile.ZipFile(out) as zf:
        assert "pip install torch==2.5.1 " in zf.read("setup.sh").decode()
        assert "--jobs 1 --insecure" in zf.read("run_autograder").decode()


def test_bundle_of_a_spec_that_includes_another_holds_the_merged_spec(tmp_path: Path) -> None:
    """activation-relu include:s ../bp-manual, which the zip does not hold: the zip's spec is merged."""
    from grader import spec

    out = tmp_path / "relu.zip"
    build_bundle(ROOT / "assignments" / "activation-relu", out)
    folder = tmp_path / "assignment"
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("assignment/"):
                zf.extract(name, tmp_path)
    text = (folder / "assignment.yaml").read_text()
    assert "include:" not in text.split("\n", 1)[1]
    bundled, original = spec.load(folder), spec.load(ROOT / "assignments" / "activation-relu")
    assert bundled.checks == original.checks and bundled.max_score == original.max_score
    assert {k: repr(v) for k, v in bundled.input_sets.items()} == {k: repr(v) for k, v in original.input_sets.items()}
    assert (folder / "hidden" / "oracle.py").read_bytes() == (ROOT / "assignments" / "activation-relu" / "hidden" / "oracle.py").read_bytes()
