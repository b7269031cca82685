"""Student bundles: they leak nothing, are reproducible, and self-check like the instructor's run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT

from grader import api, spec
from grader.authoring import bundle
from grader.authoring.starter import plan
from grader.errors import GraderError
from grader.inputs import draw_set
from grader.secret import derive_seed

EXAMPLES = ROOT / "submissions"


@pytest.fixture(scope="module")
def bp_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundles") / "bp-manual"
    bundle.build(api.load_assignment(ROOT / "assignments" / "bp-manual"), out)
    return out


def _all_text(folder: Path) -> str:
    """Every file of the bundle as text, npz members' names and raw bytes included."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as archive:
                parts += [name + archive.read(name).decode("latin-1") for name in archive.namelist()]
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_the_bundle_holds_starter_readme_public_spec_and_answers_only(bp_bundle: Path) -> None:
    files = sorted(p.relative_to(bp_bundle).as_posix() for p in bp_bundle.rglob("*") if p.is_file())
    assert files == ["README.md", "assignment.yaml", "expected.json", "expected.npz", "starter/bp.py"]
    loaded = spec.load(bp_bundle)
    assert loaded.expected is not None
    assert {c.visibility for c in loaded.checks} == {"public"}


def test_no_reference_line_beyond_the_starter_appears_in_the_bundle(bp_bundle: Path) -> None:
    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    starter_lines = {line.strip() for data in plan(assignment).files.values()
                     for line in data.decode().splitlines()} if (bp_bundle / "starter").is_dir() else set()
    starter_lines |= {line.strip() for p in (bp_bundle / "starter").rglob("*.py") for line in p.read_text().splitlines()}
    # The README is public by design (e.g. the reference's demo inputs are the README's example).
    starter_lines |= {line.strip() for line in (assignment.root / "README.md").read_text().splitlines()}
    published = (assignment.root / "README.md").read_text()  # handed out anyway
    text = _all_text(bp_bundle)
    leaked = [line.strip() for p in assignment.reference_dir.rglob("*.py") for line in p.read_text().splitlines()
              if len(line.strip()) > 12 and line.strip() not in starter_lines and not line.strip().startswith(("#", '"""'))
              and line.strip() in text and line.strip() not in published]
    assert leaked == []
    for oracle in (assignment.root / "hidden").rglob("*.py"):
        body = [line.strip() for line in oracle.read_text().splitlines() if len(line.strip()) > 12]
        assert not any(line in text for line in body if not line.startswith(("#", '"""', "from ", "import ")))


def test_no_hidden_check_id_input_or_expected_value_appears(bp_bundle: Path) -> None:
    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    text = _all_text(bp_bundle)
    hidden = [c for c in assignment.checks if c.visibility == "hidden"]
    assert hidden
    for check in hidden:
        assert check.id not in text
    described = json.loads((bp_bundle / "expected.json").read_text())
    assert {t["check"] for t in described["tasks"]} <= {c.id for c in assignment.checks if c.visibility == "public"}
    bundled_sets = set(spec.load(bp_bundle).input_sets)
    hidden_only = set(assignment.input_sets) - {getattr(c, "inputs", None) for c in assignment.checks
                                               if c.visibility == "public"}
    assert hidden_only and not hidden_only & bundled_sets
    # The values a hidden check would draw (with any secret, e.g. the instructor's) are nowhere in the answers.
    with np.load(bp_bundle / "expected.npz", allow_pickle=False) as archive:
        answers = np.concatenate([archive[n].ravel().astype(np.float64) for n in archive.files])
    for name in hidden_only:
        input_set = assignment.input_sets[name]
        for case in draw_set(input_set.values, derive_seed("instructor-secret", assignment.spec.seed, "x"), 2):
            for value in case.values():
                drawn = np.asarray(value.value, dtype=np.float64).ravel()
                assert not np.isin(drawn[np.abs(drawn) > 1e-3], answers).any()


def test_a_bundle_built_twice_is_byte_identical_whatever_the_course_secret(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    monkeypatch.setenv("GRADER_SECRET", "first-secret")
    bundle.build(assignment, tmp_path / "a")
    monkeypatch.setenv("GRADER_SECRET", "another-secret")
    bundle.build(assignment, tmp_path / "b")
    for path in sorted((tmp_path / "a").rglob("*")):
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert path.is_dir() or path.read_bytes() == twin.read_bytes(), path.name
    assert sorted(p.name for p in (tmp_path / "a").rglob("*")) == sorted(p.name for p in (tmp_path / "b").rglob("*"))


def test_checking_from_the_bundle_gives_the_instructors_messages(bp_bundle: Path, engine) -> None:
    full = engine.prepare(api.public_only(api.load_assignment(ROOT / "assignments" / "bp-manual")))
    alone = engine.prepare(spec.load(bp_bundle))
    for example in sorted((EXAMPLES / "bp-manual").iterdir()):
        expected, got = engine.grade(full, example), engine.grade(alone, example)
        assert [(c.id, c.status, c.score, c.message) for c in got.checks] == \
               [(c.id, c.status, c.score, c.message) for c in expected.checks], example.name


def test_grader_check_works_from_a_copy_of_the_bundle_alone(bp_bundle: Path, tmp_path: Path) -> None:
    """A student's machine: the bundle copied elsewhere, an empty home, no repository around it."""
    shutil.copytree(bp_bundle, tmp_path / "bundle")
    work = tmp_path / "work"
    shutil.copytree(EXAMPLES / "bp-manual" / "update-sign-error", work)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "grader", "check", "bundle", "work"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "FAIL  One SGD step on the given network" in run.stdout and "3.5 / 4 on public checks" in run.stdout


def test_a_changed_bundle_spec_is_refused_with_a_sentence(bp_bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "bundle"
    shutil.copytree(bp_bundle, copy)
    spec_file = copy / "assignment.yaml"
    spec_file.write_text(spec_file.read_text().replace("points: 1\n", "points: 5\n", 1))
    with pytest.raises(GraderError, match="was changed after the bundle was built"):
        api.check(spec.load(copy), EXAMPLES / "bp-manual" / "correct")


def test_validate_and_bundle_refuse_a_bundle(bp_bundle: Path, tmp_path: Path) -> None:
    loaded = spec.load(bp_bundle)
    with pytest.raises(GraderError, match="student bundle"):
        api.validate(loaded)
    with pytest.raises(GraderError, match="already a student bundle"):
        bundle.build(loaded, tmp_path / "again")


def test_a_manual_checks_rubric_stays_with_the_instructor() -> None:
    """The rubric holds the model answer: the student's spec has the question only."""
    assignment = api.load_assignment(ROOT / "assignments" / "activation-relu")
    manual = next(c for c in assignment.checks if c.kind == "manual" and c.visibility == "public")
    assert manual.rubric and manual.prompt
    text = bundle.public_spec_yaml(api.public_only(assignment))
    shipped = next(c for c in yaml.safe_load(text)["checks"] if c["id"] == manual.id)
    assert shipped["prompt"].strip() == manual.prompt.strip() and "rubric" not in shipped
    assert manual.rubric.strip()[:40] not in text
