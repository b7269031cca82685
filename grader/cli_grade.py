"""The grading commands: ``check``, ``grade`` and ``demo`` (registered in :mod:`grader.cli`)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import click

from grader import api
from grader.cli_common import ExitCode, ci_outputs, data_dir_option, insecure_option, junit_option, read_secret
from grader.console import BatchProgress, Tally, terminal
from grader.results import Result, load_result, write_atomic


@click.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of text.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write your report (the page the grader gives students) to FILE.")
@junit_option
@data_dir_option
@insecure_option
def check(assignment: str, submission: Path, as_json: bool, html: Path | None, junit: Path | None,
          data_dir: Path | None, insecure: bool) -> ExitCode:
    """Self-check SUBMISSION against ASSIGNMENT's public checks.

    SUBMISSION is a folder, a .zip, or a single .py or .ipynb file. Hidden
    checks are not run; your final grade also includes them. A failed public
    check shows the inputs it was called with, so you can run it yourself.
    Exit status 0 when every public check passes, 1 otherwise. With --junit, also
    writes JUnit XML; when $GITHUB_STEP_SUMMARY is set, appends a Markdown summary to it.
    """
    loaded = api.load_assignment(assignment)
    with _status(f"running the public checks of {loaded.name} on {submission.name}"):
        result = api.check(loaded, submission, insecure=insecure, data_dir=data_dir)
    ci_outputs([result], junit, f"grader check {loaded.name}")
    if html is not None:
        from grader import report
        from grader.results import write_atomic

        write_atomic(html, report.render_result(result, show_hidden=False))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from grader.console import format_inputs, print_check_report, terminal
        from grader.public_inputs import public_case

        hidden = sum(c.points for c in loaded.checks if c.visibility != "public")
        print_check_report(terminal(), result, hidden,
                           lambda c, case: format_inputs(public_case(loaded, c.id, case)))
    if html is not None:
        click.echo(f"your report: {html}", err=as_json)
    return ExitCode.OK if result.passed else ExitCode.FAILED


def _status(text: str) -> contextlib.AbstractContextManager[object]:
    """A spinner with ``text`` on a terminal, while a check runs (training takes minutes); nothing in a pipe."""
    console = terminal(stderr=True)
    return console.status(text) if console.is_terminal else contextlib.nullcontext()


@click.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
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
@click.option("--excel", is_flag=True,
              help="Write gradebook.csv with a UTF-8 byte-order mark, so that Excel shows names such as 张三 as they are.")
@junit_option
@data_dir_option
@insecure_option
def grade(assignment: str, submissions: tuple[Path, ...], out: Path, jobs: int | None, force: bool, resume: bool,
          executor: str, scheduler: str | None, overrides: Path | None, submitted_at: Path | None,
          secret_file: Path | None, excel: bool, junit: Path | None, data_dir: Path | None, insecure: bool) -> ExitCode:
    """Grade SUBMISSIONS (folders, .zip, .py or .ipynb) with every check of ASSIGNMENT.

    Each result is written as soon as it is ready, atomically: after Ctrl-C or a
    crash, run the same command again and only what is missing is graded (an
    unchanged submission under an unchanged spec and grader keeps its result
    unless --force). A path that does not exist is reported and skipped; the rest
    are graded. On a terminal each finished submission is printed above a progress
    bar; in a pipe, one plain line each. Exit status 0 when grading ran, whatever the scores. With
    --junit, also writes JUnit XML (one test suite per submission); when
    $GITHUB_STEP_SUMMARY is set, appends a Markdown summary to it.
    """
    if force and resume:
        raise click.UsageError("--force and --resume contradict each other; choose one")
    loaded = api.load_assignment(assignment)
    present = _existing(submissions)
    chosen = None
    if executor == "dask":
        if not scheduler:
            raise click.UsageError("--executor dask needs --scheduler ADDRESS")
        from grader.executors import DaskExecutor
        chosen = DaskExecutor(scheduler)
    with BatchProgress(terminal(), len(present), loaded.name) as shown:
        watch = _Watch(shown)
        stream = api.iter_grade(loaded, present, out, jobs=jobs, insecure=insecure, force=force, executor=chosen,
                                secret=read_secret(secret_file), overrides=overrides, submitted_at=submitted_at,
                                data_dir=data_dir, warn=lambda message: click.echo(f"grader: warning: {message}", err=True),
                                events=watch.event)
        for result in stream:
            watch.add(result)
    tally = shown.tally
    if excel:
        _with_bom(out / "gradebook.csv")
    if junit is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        ci_outputs([load_result(out / i / "result.json") for i in sorted(tally.ids)], junit, f"grader grade {loaded.name}")
    _print_summary(tally, loaded.name, loaded.max_score, out, overrides, len(submissions) - len(present))
    return ExitCode.OK


def _existing(submissions: tuple[Path, ...]) -> list[Path]:
    """The paths that exist; each missing one is reported on stderr (a usage error when none is left)."""
    present = [p for p in submissions if p.exists()]
    for path in submissions:
        if not path.exists():
            click.echo(f"grader: skipped {path}: no such file or folder", err=True)
    if not present:
        raise click.UsageError("none of the SUBMISSIONS exists")
    return present


class _Watch:
    """Passes each result to the display, marked reused or graded from the batch's events."""

    def __init__(self, shown: BatchProgress) -> None:
        self.shown = shown
        self.reused = False

    def event(self, event: api.BatchEvent) -> None:
        if event.kind == "grading":
            self.shown.grading(event.to_grade)
        self.reused = event.kind == "reused"

    def add(self, result: Result) -> None:
        self.shown.add(result, self.reused)


def _with_bom(path: Path) -> None:
    """Excel reads a CSV as the system's code page unless it starts with a UTF-8 byte-order mark."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("\ufeff"):
        write_atomic(path, "\ufeff" + text)


def _print_summary(tally: Tally, name: str, max_score: float, out: Path, overrides: Path | None, skipped: int) -> None:
    """The tally, the mean, manual checks waiting, and the paths that were skipped."""
    mean = tally.score / tally.count if tally.count else 0.0
    click.echo(f"{name}: {tally.line()}" + (f", {skipped} skipped (not found)" if skipped else ""))
    click.echo(f"mean {mean:.2f} / {max_score:g} over {tally.count} submission(s); "
               f"see {out / 'index.html'} and {out / 'gradebook.csv'}")
    if tally.pending:
        click.echo(f"{tally.pending} manual check(s) await instructor grading (0 points until then): "
                   + (f"add their scores to {overrides}" if overrides else
                      "give their scores with --overrides FILE (submission,check,points,comment)"))
    late_by_source = tally.late_by_source
    if late_by_source:
        click.echo(f"{sum(late_by_source.values())} submission(s) late; scores include the late penalty "
                   "(gradebook.csv: days_late, late_penalty, score_before_penalty)")
    if late_by_source.get("mtime"):
        click.echo(f"grader: warning: {late_by_source['mtime']} of them judged late by file modification times, "
                   "which copying, unzipping or git checkout can change; give the LMS's times with --submitted-at FILE",
                   err=True)


@click.command()
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the reports.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Submissions graded at once.")
@data_dir_option
@insecure_option
def demo(out: Path, jobs: int | None, data_dir: Path | None, insecure: bool) -> ExitCode:
    """Grade every example submission (./submissions/<assignment>/*) of every assignment.

    Hidden inputs come from a fixed demo secret, so the scores are the same on every
    machine (grade uses the course secret). Runs offline: a training check whose dataset
    (Fashion-MNIST) is not in the data folder trains on an offline stand-in instead,
    scikit-learn's handwritten digits upscaled to 28x28, and says so; those scores are a
    demonstration, not grades. Each training check's dataset is printed after the scores.
    """
    click.echo(f"grader demo: grading the example submissions under ./submissions, hidden inputs drawn from the "
               f"fixed demo secret {api.DEMO_SECRET!r} (the same scores on every machine; grade uses your course secret)")
    bars = _DemoBars()
    try:
        graded = api.demo(out, jobs=jobs, insecure=insecure, data_dir=data_dir, warn=lambda text: click.echo(text),
                          events=bars.start, progress=bars.add)
    finally:
        bars.close()
    stand_in = False
    for name, results in graded.items():
        click.echo(f"{name}:")
        uses = api.datasets_used(results)
        on_stand_in = {sub for use in uses if use.stand_in for sub in use.submissions}
        for result in sorted(results, key=lambda r: r.submission):
            waiting = f"  + {result.pending_points:g} awaiting instructor grading" if result.pending_points else ""
            mark = "  * (stand-in)" if result.submission in on_stand_in else ""
            click.echo(f"  {result.submission:40} {result.score:7.4g} / {result.max_score:g}{waiting}{mark}")
        for use in uses:   # which dataset each training check used
            some = "" if len(use.submissions) == len(results) else f" (for {', '.join(use.submissions)})"
            if use.missing:
                click.echo(f"  {use.check} could not train{some}: {use.info['missing']}")
            else:
                click.echo(f"  {use.check} trained on {use.describe()}{some}")
            stand_in = stand_in or use.stand_in
    if any(r.pending_points for results in graded.values() for r in results):
        click.echo("+ points of manual checks (written answers) count 0 until an instructor grades them "
                   "(grade --overrides FILE)")
    if stand_in:
        from grader.datasets import ENV_DIR, ENV_DOWNLOAD
        click.echo("* scores from the offline stand-in show the grading at work; they are not grades, and a bug "
                   "that only shows over a long training run may go unnoticed on so few images. For "
                   f"Fashion-MNIST itself pass --data-dir DIR (or set {ENV_DIR}) to a folder holding "
                   f"FashionMNIST/raw/, or set {ENV_DOWNLOAD}=1 to download it.")
    click.echo(f"reports: {out}/<assignment>/index.html")
    return ExitCode.OK


class _DemoBars:
    """One progress display per assignment of the demo, shown from its first second; the table comes after."""

    def __init__(self) -> None:
        self.console = terminal()
        self.current: BatchProgress | None = None
        self.watch: _Watch | None = None

    def start(self, name: str, count: int) -> api.Events:
        self.close()
        self.current = BatchProgress(self.console, count, name, quiet=True).__enter__()
        self.watch = _Watch(self.current)
        return self.watch.event

    def add(self, result: Result) -> None:
        if self.watch is not None:
            self.watch.add(result)

    def close(self) -> None:
        if self.current is not None:
            self.current.__exit__(None, None, None)
            self.current = None


COMMANDS = (check, grade, demo)
