"""The export commands: ``export gradescope``, ``export junit`` and ``gradescope-bundle`` (registered in :mod:`grader.cli`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader import api
from grader.cli_common import ExitCode, insecure_option
from grader.errors import GraderError
from grader.results import Result


@click.group("export")
def export_group() -> None:
    """Convert result.json files for other systems (Gradescope, JUnit)."""


@export_group.command("gradescope")
@click.argument("result_json", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", default="results.json", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write Gradescope's results.json ('-' for stdout).")
@click.option("--stdout-visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="hidden", show_default=True, help="When students may see the autograder's own stdout.")
def export_gradescope(result_json: Path, out: Path, stdout_visibility: str) -> ExitCode:
    """Write Gradescope's results.json for RESULT_JSON (a result.json, or the folder holding one).

    Public checks are visible to students at once; hidden checks after the
    instructor publishes grades.
    """
    from grader.exports.gradescope import write_gradescope

    data = _read_result(result_json)
    write_gradescope(data, out, stdout_visibility=stdout_visibility)
    if str(out) != "-":
        click.echo(f"wrote {out} ({data.score:g} / {data.max_score:g})")
    return ExitCode.OK


@export_group.command("junit")
@click.argument("result_json", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The JUnit XML file.")
def export_junit(result_json: tuple[Path, ...], out: Path) -> ExitCode:
    """Write JUnit XML for RESULT_JSON files (or folders holding a result.json, e.g. grade's --out)."""
    from grader.exports.junit import write_junit

    results = []
    for path in result_json:
        if path.is_dir() and not (path / "result.json").is_file():
            results += [_read_result(p) for p in sorted(path.glob("*/result.json"))]
        else:
            results.append(_read_result(path))
    write_junit(results, out)
    click.echo(f"wrote {out} ({len(results)} result(s))")
    return ExitCode.OK


@click.command("gradescope-bundle")
@click.argument("assignment")
@click.option("--out", "out", default="autograder.zip", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to upload as a Gradescope programming assignment's autograder.")
@click.option("--torch", "torch_spec", default=None, metavar="REQUIREMENT",
              help="The torch requirement setup.sh installs (default: this machine's torch version, CPU wheels).")
@insecure_option
def gradescope_bundle(assignment: str, out: Path, torch_spec: str | None, insecure: bool) -> ExitCode:
    """Build Gradescope's autograder zip for ASSIGNMENT.

    The zip holds setup.sh (installs Python, torch and this grader), run_autograder
    (grades /autograder/submission and writes /autograder/results/results.json)
    and the assignment folder. Use --insecure when Gradescope's container lacks a
    sandbox layer the spec requires (the container itself is then the sandbox).
    """
    from grader.exports.gradescope import build_bundle

    loaded = api.load_assignment(assignment)
    names = build_bundle(loaded.root, out, torch_spec=torch_spec, insecure=insecure)
    click.echo(f"wrote {out} ({len(names)} files): upload it as the autograder of a Gradescope programming assignment")
    return ExitCode.OK


def _read_result(path: Path) -> Result:
    file = path / "result.json" if path.is_dir() else path
    with open(file, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise GraderError(f"{file} is not valid JSON (line {exc.lineno}): is it a grader result.json?") from None
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("grader.result/"):
        raise GraderError(f"{file} is not a grader result.json (no \"schema\": \"grader.result/1\")")
    try:
        return Result.from_dict(data)
    except ValueError as exc:
        raise GraderError(f"{file} is not a grader result.json ({str(exc).splitlines()[0]})") from None


COMMANDS = (export_group, gradescope_bundle)
