"""The ``grader`` command line: a thin click layer over :mod:`grader.api`.

Exit status: 0 success; 1 a self-check or validation found failures; 2 usage
error; 3 the grader itself could not do its job (bad spec, missing sandbox
layer, unreadable input). Errors are one sentence on stderr; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from grader import __version__, api
from grader.errors import GraderError
from grader.results import Result, load_result

EXIT_FAILED, EXIT_ERROR = 1, 3
STATUS_MARK = {"passed": "PASS", "failed": "FAIL", "partial": "PART", "error": "ERR ", "timeout": "TIME",
               "memory": "MEM ", "skipped": "SKIP", "pending": "WAIT"}


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


junit_option = click.option(
    "--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
    help="Also write the results as JUnit XML to FILE (one test case per check), for CI.")

def _use_data_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        from grader.datasets import ENV_DIR
        os.environ[ENV_DIR] = str(value.resolve())  # read by the training checks, in this process and its workers
    return value


data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, expose_value=False,
    callback=_use_data_dir, is_eager=True, metavar="DIR",
    help="Where datasets such as Fashion-MNIST are (torchvision's layout: DIR/FashionMNIST/raw). "
         "Default: $GRADER_DATA, else ~/.cache/grader/data.")

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
@data_dir_option
@insecure_option
def validate(assignment: str, insecure: bool) -> None:
    """Check that ASSIGNMENT is ready to hand out.

    \b
    - the spec loads;
    - the reference scores full marks (manual checks aside);
    - the unchanged starter earns nothing on a hidden check;
    - every check has a title or description for students;
    - starter/ is what `grader starter` makes from reference/'s solution markers.

    Exit status 0 only when all hold.
    """
    loaded = api.load_assignment(assignment)
    click.echo(f"spec: ok ({len(loaded.checks)} checks, {loaded.max_score:g} points)")
    found = api.validate(loaded, insecure=insecure)
    result = found.reference
    _print_checks(result)
    pending = result.pending_points  # manual checks: the instructor grades them, never the reference run
    click.echo(f"reference: {result.score:g} / {result.max_score:g}"
               + (f" (and {pending:g} for the instructor to grade)" if pending else "")
               + ("" if found.reference_full else " — it must score full marks"), err=not found.reference_full)
    if found.starter is not None:
        click.echo(f"starter: {found.starter.score:g} / {found.starter.max_score:g}")
    for problem in found.problems:
        click.echo(f"problem: {problem}", err=True)
    if not found.ok:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of text.")
@junit_option
@data_dir_option
@insecure_option
def check(assignment: str, submission: Path, as_json: bool, junit: Path | None, insecure: bool) -> None:
    """Self-check SUBMISSION against ASSIGNMENT's public checks.

    SUBMISSION is a folder, a .zip, or a single .py or .ipynb file. Hidden
    checks are not run; your final grade also includes them. Exit status 0
    when every public check passes, 1 otherwise. With --junit, also writes
    JUnit XML; when $GITHUB_STEP_SUMMARY is set, appends a Markdown summary to it.
    """
    loaded = api.load_assignment(assignment)
    result = api.check(loaded, submission, insecure=insecure)
    _ci_outputs([result], junit, f"grader check {loaded.name}")
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_checks(result)
        click.echo(f"\n{result.score:g} / {result.max_score:g} on public checks"
                   + (f" ({result.pending_points:g} awaiting instructor grading)" if result.pending_points else "")
                   + ("" if result.passed else " — fix the failures above and check again"))
    sys.exit(0 if result.passed else EXIT_FAILED)


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for <id>/result.json, <id>/report.html, gradebook.csv and index.html.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Submissions graded at once (default: usable CPU cores, divided by the spec's sandbox.threads).")
@click.option("--force", is_flag=True, help="Grade every submission again, even unchanged ones with a current result.")
@click.option("--resume", is_flag=True,
              help="Finish an interrupted batch: only submissions without a current result in --out are graded "
                   "(this is also what happens without the flag; it documents intent in scripts).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where to grade: warm workers on this machine, or one task per submission on a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="The Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask).")
@click.option("--overrides", "overrides", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Merge an instructor's scores (CSV submission,check,points,comment, or YAML) into the "
                                   "results: points for manual checks, or regrades; no submission is graded again for it.")
@click.option("--submitted-at", "submitted_at", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="When each submission was handed in, for the spec's late: penalties: a CSV whose header "
                                   "names submission,submitted_at (ISO 8601 with a UTC offset, e.g. "
                                   "2026-12-02T09:30:00+01:00; an optional due column grants an extension). Without it, "
                                   "or for ids it lacks, the newest modification time of a submission's files is used. "
                                   "Changing it re-applies penalties without grading again.")
@click.option("--secret-file", "secret_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FILE",
              help="The course secret that draws the hidden inputs (first line of FILE). Default: $GRADER_SECRET, else "
                   "a random per-user one kept in ~/.config/grader/secret. Its fingerprint is recorded in each "
                   "result.json as secret_id; never put the secret in files students receive.")
@junit_option
@data_dir_option
@insecure_option
def grade(assignment: str, submissions: tuple[Path, ...], out: Path, jobs: int | None, force: bool, resume: bool,
          executor: str, scheduler: str | None, overrides: Path | None, submitted_at: Path | None,
          secret_file: Path | None, junit: Path | None, insecure: bool) -> None:
    """Grade SUBMISSIONS (folders, .zip, .py or .ipynb) with every check of ASSIGNMENT.

    Each result is written as soon as it is ready, atomically: after Ctrl-C or a
    crash, run the same command again and only what is missing is graded (an
    unchanged submission under an unchanged spec and grader keeps its result
    unless --force). Exit status 0 when grading ran, whatever the scores. With
    --junit, also writes JUnit XML (one test suite per submission); when
    $GITHUB_STEP_SUMMARY is set, appends a Markdown summary to it.
    """
    if force and resume:
        raise click.UsageError("--force and --resume contradict each other; choose one")
    loaded = api.load_assignment(assignment)
    chosen = None
    if executor == "dask":
        if not scheduler:
            raise click.UsageError("--executor dask needs --scheduler ADDRESS")
        from grader.executors import DaskExecutor
        chosen = DaskExecutor(scheduler)
    secret = None
    if secret_file is not None:
        secret = (secret_file.read_text(encoding="utf-8").splitlines() or [""])[0].strip()
        if not secret:
            raise GraderError(f"{secret_file} is empty; put the course secret on its first line")
    stream = (r.to_dict() for r in api.iter_grade(   # minimal edit (result branch): the loop below still reads dicts
        loaded, list(submissions), out, jobs=jobs, insecure=insecure, force=force, executor=chosen, secret=secret,
        overrides=overrides, submitted_at=submitted_at, warn=lambda message: click.echo(f"grader: warning: {message}", err=True)))
    ids: list[str] = []
    total_score = 0.0
    pending = 0
    late_by_source: dict[str, int] = {}
    for data in _with_progress(stream, len(submissions), loaded.name):
        ids.append(data["submission"])
        total_score += data["score"]
        if isinstance(data.get("late"), dict) and data["late"].get("days_late"):
            source = str(data["late"].get("source"))
            late_by_source[source] = late_by_source.get(source, 0) + 1
        pending += sum(1 for c in data.get("checks", []) if c.get("status") == "pending")
    if junit is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        _ci_outputs([load_result(out / i / "result.json") for i in sorted(ids)], junit, f"grader grade {loaded.name}")
    mean = total_score / len(ids) if ids else 0.0
    click.echo(f"graded {len(ids)} submission(s) of {loaded.name}; mean {mean:.2f} / {loaded.max_score:g}; "
               f"see {out / 'index.html'} and {out / 'gradebook.csv'}")
    if pending:
        click.echo(f"{pending} manual check(s) await instructor grading (0 points until then): "
                   + (f"add their scores to {overrides}" if overrides else
                      "give their scores with --overrides FILE (submission,check,points,comment)"))
    if late_by_source:
        click.echo(f"{sum(late_by_source.values())} submission(s) late; scores include the late penalty "
                   "(gradebook.csv: days_late, late_penalty, score_before_penalty)")
    if late_by_source.get("mtime"):
        click.echo(f"grader: warning: {late_by_source['mtime']} of them judged late by file modification times, which "
                   "copying, unzipping or git checkout can change; give the LMS's times with --submitted-at FILE", err=True)


def _with_progress(stream: Iterator[dict[str, Any]], total: int, name: str) -> Iterator[dict[str, Any]]:
    """A progress bar on a terminal; plain lines with rate and ETA otherwise (CI logs)."""
    if sys.stdout.isatty():
        with click.progressbar(stream, length=total, label=f"grading {name}", show_pos=True, show_eta=True) as bar:
            yield from bar
        return
    started = time.monotonic()
    for done, data in enumerate(stream, 1):
        rate = done / max(time.monotonic() - started, 1e-9)
        eta = (total - done) / rate if rate else 0.0
        note = f" ({data['status']}: {data.get('message', '')})" if data["status"] != "graded" else ""
        if isinstance(data.get("late"), dict) and data["late"].get("days_late"):
            note += f" ({data['late']['days_late']} d late, −{round(float(data['late'].get('penalty', 0)) * 100, 4):g}%)"
        click.echo(f"[{done}/{total}] {data['submission']}: {data['score']:g} / {data['max_score']:g}{note}"
                   f"  {rate:.1f}/s, ETA {eta:.0f} s")
        yield data


@main.command()
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the reports.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Submissions graded at once.")
@data_dir_option
@insecure_option
def demo(out: Path, jobs: int | None, insecure: bool) -> None:
    """Grade every example submission (./submissions/<assignment>/*) of every assignment.

    Runs offline: a training check whose dataset (Fashion-MNIST) is not in the data
    folder trains on an offline stand-in instead, scikit-learn's handwritten digits
    upscaled to 28x28, and says so; those scores are a demonstration, not grades.
    Each training check's dataset is printed after the scores.
    """
    graded = api.demo(out, jobs=jobs, insecure=insecure, warn=lambda text: click.echo(text))
    stand_in = False
    for name, results in graded.items():
        click.echo(f"{name}:")
        uses = api.datasets_used(results)
        on_stand_in = {sub for use in uses if use.stand_in for sub in use.submissions}
        for result in sorted(results, key=lambda r: r.submission):
            mark = "  * (stand-in)" if result.submission in on_stand_in else ""
            click.echo(f"  {result.submission:40} {result.score:7.4g} / {result.max_score:g}{mark}")
        for use in uses:   # which dataset each training check used
            some = "" if len(use.submissions) == len(results) else f" (for {', '.join(use.submissions)})"
            if use.missing:
                click.echo(f"  {use.check} could not train{some}: {use.info['missing']}")
            else:
                click.echo(f"  {use.check} trained on {use.describe()}{some}")
            stand_in = stand_in or use.stand_in
    if stand_in:
        from grader.datasets import ENV_DIR, ENV_DOWNLOAD
        click.echo("* scores from the offline stand-in show the grading at work; they are not grades, and a bug "
                   "that only shows over a long training run may go unnoticed on so few images. For "
                   f"Fashion-MNIST itself pass --data-dir DIR (or set {ENV_DIR}) to a folder holding "
                   f"FashionMNIST/raw/, or set {ENV_DOWNLOAD}=1 to download it.")
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
    for note in result.notes:
        click.echo(f"note: {note}")


def _ci_outputs(results: list[Result], junit: Path | None, title: str) -> None:
    """JUnit XML when asked for, and a Markdown job summary when GitHub Actions provides the file."""
    from grader.exports import github
    from grader.exports.junit import write_junit

    if junit is not None:
        write_junit(results, junit)
    try:
        github.append_step_summary(results, title=title)
    except OSError as exc:  # a summary is a courtesy: never fail the check over it
        click.echo(f"grader: could not append to $GITHUB_STEP_SUMMARY ({exc.strerror or exc})", err=True)


# ------------------------------------------------------------------ exports
@main.group("export")
def export_group() -> None:
    """Convert result.json files for other systems (Gradescope, JUnit)."""


@export_group.command("gradescope")
@click.argument("result_json", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", default="results.json", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write Gradescope's results.json ('-' for stdout).")
@click.option("--stdout-visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="hidden", show_default=True, help="When students may see the autograder's own stdout.")
def export_gradescope(result_json: Path, out: Path, stdout_visibility: str) -> None:
    """Write Gradescope's results.json for RESULT_JSON (a result.json, or the folder holding one).

    Public checks are visible to students at once; hidden checks after the
    instructor publishes grades.
    """
    from grader.exports.gradescope import write_gradescope

    data = _read_result(result_json)
    write_gradescope(data, out, stdout_visibility=stdout_visibility)
    if str(out) != "-":
        click.echo(f"wrote {out} ({data.score:g} / {data.max_score:g})")


@export_group.command("junit")
@click.argument("result_json", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The JUnit XML file.")
def export_junit(result_json: tuple[Path, ...], out: Path) -> None:
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


@main.command("gradescope-bundle")
@click.argument("assignment")
@click.option("--out", "out", default="autograder.zip", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to upload as a Gradescope programming assignment's autograder.")
@click.option("--torch", "torch_spec", default=None, metavar="REQUIREMENT",
              help="The torch requirement setup.sh installs (default: this machine's torch version, CPU wheels).")
@insecure_option
def gradescope_bundle(assignment: str, out: Path, torch_spec: str | None, insecure: bool) -> None:
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


def _read_result(path: Path) -> Result:
    file = path / "result.json" if path.is_dir() else path
    try:
        with open(file, encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise GraderError(f"{file} is not valid JSON (line {exc.lineno}): is it a grader result.json?") from None
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("grader.result/"):
        raise GraderError(f"{file} is not a grader result.json (no \"schema\": \"grader.result/1\")")
    try:
        return Result.from_dict(data)
    except ValueError as exc:   # minimal edit (result branch): exports take a Result
        raise GraderError(f"{file} is not a grader result.json ({str(exc).splitlines()[0]})") from None


def _register_authoring() -> None:
    from grader.cli_authoring import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_register_authoring()
