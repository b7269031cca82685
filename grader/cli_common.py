"""What the ``grader`` commands share: the exit codes, common options, and printing a result's checks."""

from __future__ import annotations

import enum
from pathlib import Path

import click

from grader.errors import GraderError
from grader.results import Result

STATUS_MARK = {"passed": "PASS", "failed": "FAIL", "partial": "PART", "error": "ERR ", "timeout": "TIME",
               "memory": "MEM ", "skipped": "SKIP", "pending": "WAIT"}


class ExitCode(enum.IntEnum):
    """The exit status of every command (a contract: README, "Exit status")."""

    OK = 0              # success; for grade: grading ran, whatever the scores
    FAILED = 1          # check / validate / doctor / starter --check found failures
    USAGE = 2           # the command line was wrong
    GRADER_ERROR = 3    # the grader could not do its job (bad spec, missing sandbox layer, unreadable input)
    INTERRUPTED = 130   # Ctrl-C (the shell's convention)


def resolved(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    return value.resolve() if value is not None else None


junit_option = click.option(
    "--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
    help="Also write the results as JUnit XML to FILE (one test case per check), for CI.")

data_dir_option = click.option(
    "--data-dir", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    callback=resolved, metavar="DIR",
    help="Where datasets such as Fashion-MNIST are (torchvision's layout: DIR/FashionMNIST/raw). "
         "Default: $GRADER_DATA, else ~/.cache/grader/data.")

insecure_option = click.option(
    "--insecure", is_flag=True,
    help="Grade even if a required sandbox layer is missing on this machine (see `grader doctor`).")


def print_checks(result: Result) -> None:
    """One line per check (status mark, id, points, message), then the result's notes."""
    if result.status == "error":
        click.echo(f"could not grade: {result.message}")
    for c in result.checks:
        click.echo(f"{STATUS_MARK.get(c.status, c.status):4}  {c.id:22} {c.score:4g}/{c.max_score:<4g} {c.message}")
    for note in result.notes:
        click.echo(f"note: {note}")


def ci_outputs(results: list[Result], junit: Path | None, title: str) -> None:
    """JUnit XML when asked for, and a Markdown job summary when GitHub Actions provides the file."""
    from grader.exports import github
    from grader.exports.junit import write_junit

    if junit is not None:
        write_junit(results, junit)
    try:
        github.append_step_summary(results, title=title)
    except OSError as exc:  # a summary is a courtesy: never fail the check over it
        click.echo(f"grader: could not append to $GITHUB_STEP_SUMMARY ({exc.strerror or exc})", err=True)


def read_secret(secret_file: Path | None) -> str | None:
    """The course secret on the first line of ``secret_file`` (None without one: the default secret)."""
    if secret_file is None:
        return None
    secret = (secret_file.read_text(encoding="utf-8").splitlines() or [""])[0].strip()
    if not secret:
        raise GraderError(f"{secret_file} is empty; put the course secret on its first line")
    return secret
