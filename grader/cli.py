"""The ``grader`` command line: a thin click layer over :mod:`grader.api`.

:func:`main` parses ``argv``, runs one command and returns its :class:`ExitCode`; only
:func:`run` (the installed ``grader`` script and ``python -m grader``) exits the process.
Errors are one sentence on stderr; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from grader import __version__, api
from grader.cli_common import ExitCode, data_dir_option, insecure_option, print_checks
from grader.errors import GraderError, UnknownAssignment

__all__ = ["ExitCode", "cli", "main", "run"]


class GraderGroup(click.Group):
    """The command group; run standalone (``CliRunner``, the script) it exits with :func:`main`'s code."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        code = _invoke(self, list(sys.argv[1:] if args is None else args), prog_name or "grader")
        if standalone_mode:
            sys.exit(int(code))
        return code


@click.group(cls=GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="grader")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Grade deep-learning coursework in a sandbox.

    An assignment is a folder with assignment.yaml, reference/, starter/ and
    README.md. ASSIGNMENT is that folder or its name under ./assignments.

    \b
    Students:     grader check bp-manual my-work/         (public checks only)
    Instructors:  grader grade bp-manual subs/* --out results/
    A course:     grader serve course/                     (students upload, see results in seconds)
    Try it:       grader demo                              (grades the bundled examples)
    """
    state = ctx.ensure_object(dict)
    state["debug"] = debug or state.get("debug", False)   # _invoke takes --debug from anywhere on the line


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return its exit status.

    0 success; 1 a self-check or validation found failures; 2 usage error; 3 the
    grader could not do its job (bad spec, missing sandbox layer, unreadable input).
    """
    return int(_invoke(cli, list(sys.argv[1:] if argv is None else argv), "grader"))


def run() -> None:
    """The console script: exit the process with :func:`main`'s status."""
    sys.exit(main())


def _invoke(group: click.Group, argv: list[str], prog_name: str) -> int:
    """One command, its exceptions mapped to exit codes and one sentence on stderr.

    ``--debug`` counts wherever it stands before a ``--`` (``grader --debug grade …`` or
    ``grader grade … --debug``); it adds tracebacks and never changes the exit status."""
    end = argv.index("--") if "--" in argv else len(argv)
    state: dict[str, Any] = {"debug": "--debug" in argv[:end]}
    argv = [arg for i, arg in enumerate(argv) if i >= end or arg != "--debug"]
    try:
        returned = click.Group.main(group, argv, prog_name=prog_name, standalone_mode=False, obj=state)
    except click.exceptions.Abort:
        click.echo("grader: interrupted; results written so far are kept", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except UnknownAssignment as exc:   # a name mistyped on the command line: a usage error
        _error(state, str(exc))
        return ExitCode.USAGE
    except GraderError as exc:
        return _error(state, str(exc))
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return _error(state, f"{exc.strerror or exc}{where}; check the path and free disk space")
    return int(returned) if isinstance(returned, int) else ExitCode.OK


def _error(state: dict[str, Any], sentence: str) -> int:
    if state.get("debug"):
        traceback.print_exc()
    click.echo(f"grader: {sentence}", err=True)
    return ExitCode.GRADER_ERROR


@cli.command("list")
def list_cmd() -> ExitCode:
    """List the assignments under ./assignments, one line each."""
    found = api.list_assignments()
    if not found:
        click.echo("no assignments under ./assignments", err=True)
    for folder, loaded in found:
        if isinstance(loaded, GraderError):
            click.echo(f"{folder.name:24} INVALID  {loaded}")
        else:
            click.echo(f"{loaded.name:24} {len(loaded.checks):2} checks  {loaded.max_score:g} points  {loaded.spec.title}")
    return ExitCode.OK


@cli.command()
@click.argument("assignment")
@data_dir_option
@insecure_option
def validate(assignment: str, data_dir: Any, insecure: bool) -> ExitCode:
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
    found = api.validate(loaded, insecure=insecure, data_dir=data_dir)
    result = found.reference
    print_checks(result)
    pending = result.pending_points  # manual checks: the instructor grades them, never the reference run
    click.echo(f"reference: {result.score:g} / {result.max_score:g}"
               + (f" (and {pending:g} for the instructor to grade)" if pending else "")
               + ("" if found.reference_full else " — it must score full marks"), err=not found.reference_full)
    if found.starter is not None:
        click.echo(f"starter: {found.starter.score:g} / {found.starter.max_score:g}")
    for problem in found.problems:
        click.echo(f"problem: {problem}", err=True)
    return ExitCode.OK if found.ok else ExitCode.FAILED


@cli.command()
def doctor() -> ExitCode:
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
        return ExitCode.FAILED
    click.echo("\nall sandbox layers are available and held in a probe")
    return ExitCode.OK


def _register() -> None:
    from grader.cli_authoring import COMMANDS as AUTHORING
    from grader.cli_export import COMMANDS as EXPORT
    from grader.cli_grade import COMMANDS as GRADING
    from grader.cli_serve import COMMANDS as SERVICE
    from grader.cli_similar import COMMANDS as SIMILAR

    for command in (*GRADING, *EXPORT, *AUTHORING, *SIMILAR, *SERVICE):
        cli.add_command(command)


_register()
