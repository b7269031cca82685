"""The ``grader`` command line: a thin click layer over :mod:`grader.api`.

Exit status: 0 success; 1 a self-check or validation found failures; 2 usage
error; 3 the grader itself could not do its job (bad spec, missing sandbox
layer, unreadable input). Errors are one sentence on stderr; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from grader import __version__, api
from grader.errors import GraderError
from grader.results import Result

EXIT_FAILED, EXIT_ERROR = 1, 3
STATUS_MARK = {"passed": "PASS", "failed": "FAIL", "partial": "PART", "error": "ERR ", "timeout": "TIME",
               "memory": "MEM ", "skipped": "SKIP"}


class GraderGroup(click.Group):
    """Turns GraderError into one sentence on stderr (or a traceback with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"grader: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("grader: interrupted; results written so far are kept", err=True)
            sys.exit(130)
        except OSError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"grader: {exc.strerror or exc}{where}; check the path and free disk space", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="grader")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Grade deep-learning coursework in a sandbox.

    An assignment is a folder with assignment.yaml, reference/, starter/ and
    README.md. ASSIGNMENT is that folder or its name under ./assignments.

    \b
    Students:     grader check bp-manual my-work/         (public checks only)
    Instructors:  grader grade bp-manual subs/* --out results/
    Try it:       grader demo                              (grades the bundled examples)
    """
    ctx.obj = {"debug": debug}


insecure_option = click.option(
    "--insecure", is_flag=True,
    help="Grade even if a required sandbox layer is missing on this machine (see `grader doctor`).")


@main.command("list")
def list_cmd() -> None:
    """List the assignments under ./assignments, one line each."""
    found = api.list_assignments()
    if not found:
        click.echo("no assignments under ./assignments", err=True)
    for folder, loaded in found:
        if isinstance(loaded, GraderError):
            click.echo(f"{folder.name:24} INVALID  {loaded}")
        else:
            click.echo(f"{loaded.name:24} {len(loaded.checks):2} checks  {loaded.max_score:g} points  {loaded.spec.title}")


@main.command()
@click.argument("assignment")
@insecure_option
def validate(assignment: str, insecure: bool) -> None:
    """Check that ASSIGNMENT's spec loads and its reference scores full marks.

    Exit status 0 only when both hold.
    """
    loaded = api.load_assignment(assignment)
    click.echo(f"spec: ok ({len(loaded.checks)} checks, {loaded.max_score:g} points)")
    result = api.validate(loaded, insecure=insecure)
    _print_checks(result)
    if result.status != "graded" or result.score < result.max_score:
        click.echo(f"reference: {result.score:g} / {result.max_score:g} — it must score full marks", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"reference: {result.score:g} / {result.max_score:g}")


@main.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of text.")
@insecure_option
def check(assignment: str, submission: Path, as_json: bool, insecure: bool) -> None:
    """Self-check SUBMISSION against ASSIGNMENT's public checks.

    SUBMISSION is a folder, a .zip, or a single .py or .ipynb file. Hidden
    checks are not run; your final grade also includes them. Exit status 0
    when every public check passes, 1 otherwise.
    """
    loaded = api.load_assignment(assignment)
    result = api.check(loaded, submission, insecure=insecure)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_checks(result)
        click.echo(f"\n{result.score:g} / {result.max_score:g} on public checks"
                   + ("" if result.passed else " — fix the failures above and check again"))
    sys.exit(0 if result.passed else EXIT_FAILED)


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for <id>/result.json, <id>/report.html, gradebook.csv and index.html.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Submissions graded at once (default: usable CPU cores).")
@insecure_option
def grade(assignment: str, submissions: tuple[Path, ...], out: Path, jobs: int | None, insecure: bool) -> None:
    """Grade SUBMISSIONS (folders, .zip, .py or .ipynb) with every check of ASSIGNMENT.

    Each result is written as soon as it is ready. Exit status 0 when grading
    ran, whatever the scores.
    """
    loaded = api.load_assignment(assignment)
    total = len(submissions)
    if sys.stdout.isatty():
        with click.progressbar(length=total, label=f"grading {loaded.name}", show_pos=True, show_eta=True) as bar:
            results = api.grade(loaded, list(submissions), out, jobs=jobs, insecure=insecure,
                                progress=lambda r: bar.update(1))
    else:
        done = [0]

        def line(result: Result) -> None:
            done[0] += 1
            click.echo(f"[{done[0]}/{total}] {result.submission}: {result.score:g} / {result.max_score:g}"
                       + (f" ({result.status}: {result.message})" if result.status != "graded" else ""))

        results = api.grade(loaded, list(submissions), out, jobs=jobs, insecure=insecure, progress=line)
    mean = sum(r.score for r in results) / len(results) if results else 0.0
    click.echo(f"graded {len(results)} submission(s) of {loaded.name}; mean {mean:.2f} / {loaded.max_score:g}; "
               f"see {out / 'index.html'} and {out / 'gradebook.csv'}")


@main.command()
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the reports.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Submissions graded at once.")
@insecure_option
def demo(out: Path, jobs: int | None, insecure: bool) -> None:
    """Grade every example submission (./submissions/<assignment>/*) of every assignment."""
    graded = api.demo(out, jobs=jobs, insecure=insecure)
    for name, results in graded.items():
        click.echo(f"{name}:")
        for result in sorted(results, key=lambda r: r.submission):
            click.echo(f"  {result.submission:40} {result.score:5g} / {result.max_score:g}")
    click.echo(f"reports: {out}/<assignment>/index.html")


@main.command()
def doctor() -> None:
    """Show which sandbox layers this machine provides, and prove them.

    Each layer is listed with its mechanism; then a probe runs through the
    same path a submission takes and tries what the layers must stop (open a
    socket, read a planted file, exceed the memory limit, stay root, unshare).
    Exit status 0 when every layer is present and held.
    """
    from grader.engine import Engine
    from grader.sandbox.runner import LAYER_LOSS, available_layers

    layers = available_layers()
    with Engine(1, require=[], preload=["numpy"]) as engine:
        held = engine.self_test()
    for name, mechanism in layers.items():
        proven = held.get(name, False)
        state = "ok     " if mechanism and proven else ("FAILED " if mechanism else "MISSING")
        detail = mechanism if mechanism else "without it: " + LAYER_LOSS[name]
        if mechanism and not proven:
            detail += " — but the probe got through: " + LAYER_LOSS[name]
        click.echo(f"{name:10} {state} {detail}")
    bad = [n for n, m in layers.items() if not (m and held.get(n, False))]
    if bad:
        click.echo(f"\ngrading untrusted code needs --insecure here (not holding: {', '.join(bad)})")
        sys.exit(EXIT_FAILED)
    click.echo("\nall sandbox layers are available and held in a probe")


def _print_checks(result: Result) -> None:
    if result.status == "error":
        click.echo(f"could not grade: {result.message}")
    for c in result.checks:
        click.echo(f"{STATUS_MARK.get(c.status, c.status):4}  {c.id:22} {c.score:4g}/{c.max_score:<4g} {c.message}")
