"""The grading commands: ``check``, ``grade`` and ``demo`` (registered in :mod:`grader.cli`)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click

from grader import api
from grader.cli_common import ExitCode, ci_outputs, data_dir_option, insecure_option, junit_option, print_checks, read_secret
from grader.results import Result, load_result


@click.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of text.")
@junit_option
@data_dir_option
@insecure_option
def check(assignment: str, submission: Path, as_json: bool, junit: Path | None, data_dir: Path | None,
          insecure: bool) -> ExitCode:
    """Self-check SUBMISSION against ASSIGNMENT's public checks.

    SUBMISSION is a folder, a .zip, or a single .py or .ipynb file. Hidden
    checks are not run; your final grade also includes them. Exit status 0
    when every public check passes, 1 otherwise. With --junit, also writes
    JUnit XML; when $GITHUB_STEP_SUMMARY is set, appends a Markdown summary to it.
    """
    loaded = api.load_assignment(assignment)
    result = api.check(loaded, submission, insecure=insecure, data_dir=data_dir)
    ci_outputs([result], junit, f"grader check {loaded.name}")
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_checks(result)
        click.echo(f"\n{result.score:g} / {result.max_score:g} on public checks"
                   + (f" ({result.pending_points:g} awaiting instructor grading)" if result.pending_points else "")
                   + ("" if result.passed else " — fix the failures above and check again"))
    return ExitCode.OK if result.passed else ExitCode.FAILED


@click.command()
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
          secret_file: Path | None, junit: Path | None, data_dir: Path | None, insecure: bool) -> ExitCode:
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
    stream = api.iter_grade(loaded, list(submissions), out, jobs=jobs, insecure=insecure, force=force, executor=chosen,
                            secret=read_secret(secret_file), overrides=overrides, submitted_at=submitted_at,
                            data_dir=data_dir, warn=lambda message: click.echo(f"grader: warning: {message}", err=True))
    tally = _Tally()
    for result in _with_progress(stream, len(submissions), loaded.name):
        tally.add(result)
    if junit is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        ci_outputs([load_result(out / i / "result.json") for i in sorted(tally.ids)], junit, f"grader grade {loaded.name}")
    tally.print_summary(loaded.name, loaded.max_score, out, overrides)
    return ExitCode.OK


class _Tally:
    """What ``grade`` says after a batch: the mean, manual checks waiting, late submissions."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.total_score = 0.0
        self.pending = 0
        self.late_by_source: dict[str, int] = {}

    def add(self, result: Result) -> None:
        self.ids.append(result.submission)
        self.total_score += result.score
        if result.late is not None and result.late.days_late:
            self.late_by_source[result.late.source] = self.late_by_source.get(result.late.source, 0) + 1
        self.pending += sum(1 for c in result.checks if c.status == "pending")

    def print_summary(self, name: str, max_score: float, out: Path, overrides: Path | None) -> None:
        mean = self.total_score / len(self.ids) if self.ids else 0.0
        click.echo(f"graded {len(self.ids)} submission(s) of {name}; mean {mean:.2f} / {max_score:g}; "
                   f"see {out / 'index.html'} and {out / 'gradebook.csv'}")
        if self.pending:
            click.echo(f"{self.pending} manual check(s) await instructor grading (0 points until then): "
                       + (f"add their scores to {overrides}" if overrides else
                          "give their scores with --overrides FILE (submission,check,points,comment)"))
        if self.late_by_source:
            click.echo(f"{sum(self.late_by_source.values())} submission(s) late; scores include the late penalty "
                       "(gradebook.csv: days_late, late_penalty, score_before_penalty)")
        if self.late_by_source.get("mtime"):
            click.echo(f"grader: warning: {self.late_by_source['mtime']} of them judged late by file modification times, "
                       "which copying, unzipping or git checkout can change; give the LMS's times with --submitted-at FILE",
                       err=True)


def _with_progress(stream: Iterator[Result], total: int, name: str) -> Iterator[Result]:
    """A progress bar on a terminal; plain lines with rate and ETA otherwise (CI logs)."""
    if sys.stdout.isatty():
        with click.progressbar(stream, length=total, label=f"grading {name}", show_pos=True, show_eta=True) as bar:
            yield from bar
        return
    started = time.monotonic()
    for done, result in enumerate(stream, 1):
        rate = done / max(time.monotonic() - started, 1e-9)
        eta = (total - done) / rate if rate else 0.0
        note = f" ({result.status}: {result.message})" if result.status != "graded" else ""
        if result.late is not None and result.late.days_late:
            note += f" ({result.late.days_late} d late, −{round(result.late.penalty * 100, 4):g}%)"
        click.echo(f"[{done}/{total}] {result.submission}: {result.score:g} / {result.max_score:g}{note}"
                   f"  {rate:.1f}/s, ETA {eta:.0f} s")
        yield result


@click.command()
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the reports.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Submissions graded at once.")
@data_dir_option
@insecure_option
def demo(out: Path, jobs: int | None, data_dir: Path | None, insecure: bool) -> ExitCode:
    """Grade every example submission (./submissions/<assignment>/*) of every assignment.

    Runs offline: a training check whose dataset (Fashion-MNIST) is not in the data
    folder trains on an offline stand-in instead, scikit-learn's handwritten digits
    upscaled to 28x28, and says so; those scores are a demonstration, not grades.
    Each training check's dataset is printed after the scores.
    """
    graded = api.demo(out, jobs=jobs, insecure=insecure, data_dir=data_dir, warn=lambda text: click.echo(text))
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
    return ExitCode.OK


COMMANDS = (check, grade, demo)
