"""The export commands: ``export gradescope|junit|canvas|moodle`` and ``gradescope-bundle`` (registered in :mod:`grader.cli`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from grader import api
from grader.cli_common import ExitCode, insecure_option
from grader.errors import GraderError
from grader.results import Result


@click.group("export")
def export_group() -> None:
    """Convert result.json files for other systems (Gradescope, JUnit, Canvas, Moodle)."""


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


def _lms_options(command: Any) -> Any:
    """What ``export canvas`` and ``export moodle`` share."""
    for option in reversed([
        click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path)),
        click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="CSV with the header submission,student_id,name,email (optional: section, login_id, canvas_id): "
                          "which student each submission id is."),
        click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="The CSV file to import into the LMS."),
        click.option("--column", default=None, metavar="NAME",
                     help="The assignment's name in the LMS (default: the grader's assignment name)."),
        click.option("--points", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="The LMS assignment's maximum, when it differs from the grader's: scores are scaled to it."),
    ]):
        command = option(command)
    return command


@export_group.command("canvas")
@_lms_options
@click.option("--assignment-id", "assignment_id", default=None, metavar="ID",
              help="Canvas's id of the assignment (the number in its URL): the column becomes 'NAME (ID)', which "
                   "Canvas updates; without it Canvas offers to create a new assignment.")
def export_canvas(results_dir: Path, roster: Path, out: Path, column: str | None, points: float | None,
                  assignment_id: str | None) -> ExitCode:
    """Write Canvas's gradebook import CSV for RESULTS_DIR (grade's --out): Student, ID, SIS User ID,
    SIS Login ID, Section, then the assignment's column. Import it under Grades → Import."""
    from grader.exports import lms

    results = _results_of(results_dir)
    export = lms.canvas(results, lms.read_roster(roster), lms.grade_column(results, column, assignment_id), points)
    return _wrote(export, out)


@export_group.command("moodle")
@_lms_options
def export_moodle(results_dir: Path, roster: Path, out: Path, column: str | None, points: float | None) -> ExitCode:
    """Write Moodle's grade import CSV for RESULTS_DIR (grade's --out): ID number, Email address, Full name,
    then the assignment's column. Import it under Grades → Import → CSV file; identify users by email
    address (or ID number) and map the last column to the assignment."""
    from grader.exports import lms

    results = _results_of(results_dir)
    export = lms.moodle(results, lms.read_roster(roster), lms.grade_column(results, column, None), points)
    return _wrote(export, out)


def _results_of(folder: Path) -> list[Result]:
    """Every result.json under ``folder`` (one assignment's batch)."""
    results = [_read_result(p) for p in sorted(folder.glob("*/result.json"))]
    if not results:
        raise GraderError(f"{folder} holds no <id>/result.json; give the folder that grade --out wrote")
    names = sorted({r.assignment for r in results})
    if len(names) > 1:
        raise GraderError(f"{folder} holds results of several assignments ({', '.join(names)}); an LMS column is one")
    return results


def _wrote(export: Any, out: Path) -> ExitCode:
    export.write(out)
    click.echo(f"wrote {out}: {len(export.rows) - 1} student(s)")
    if export.missing:
        click.echo(f"{len(export.missing)} student(s) on the roster have no result (left out of the file): "
                   + ", ".join(f"{s.name or s.student_id} ({s.submission})" for s in export.missing))
    if export.unknown:
        click.echo(f"grader: warning: {len(export.unknown)} result(s) have no roster row (left out): "
                   + ", ".join(export.unknown), err=True)
    if export.pending:
        click.echo(f"grader: warning: {len(export.pending)} student(s) have manual checks awaiting instructor grading; "
                   "their scores count those as 0 (grade again with --overrides FILE first)", err=True)
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
