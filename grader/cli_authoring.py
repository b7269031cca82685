"""The authoring commands: ``new``, ``starter``, ``bundle`` and ``strength`` (registered in :mod:`grader.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader import api
from grader.cli_common import ExitCode
from grader.errors import GraderError

if TYPE_CHECKING:
    from grader.authoring.strength import Strength


@click.command("new")
@click.argument("name")
@click.option("--title", default=None, help="The assignment's title (students see it on every report).")
def new_cmd(name: str, title: str | None) -> ExitCode:
    """Scaffold assignments/NAME: a commented spec, reference/ with solution markers,
    the generated starter/, README.md, and submissions/NAME/correct/.

    The scaffold validates as it stands; edit it from there:

    \b
      grader new my-hw && grader validate my-hw
    """
    from grader.authoring import scaffold

    written = scaffold.create(name, Path.cwd(), title)
    for path in written:
        click.echo(f"wrote {path.relative_to(Path.cwd())}")
    click.echo(f"next: edit assignments/{name}/assignment.yaml and reference/, then `grader starter {name}` "
               f"and `grader validate {name}`")
    return ExitCode.OK


@click.command("starter")
@click.argument("assignment")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 when starter/ differs from what the markers generate (for CI).")
def starter_cmd(assignment: str, check_only: bool) -> ExitCode:
    """Write ASSIGNMENT's starter/ from reference/, taking out the solutions.

    \b
    In reference files (.py, and .ipynb cell by cell):
      # BEGIN SOLUTION [prompt] ... # END SOLUTION
          -> "# TODO: prompt" (or "# YOUR CODE HERE") and raise NotImplementedError
      # BEGIN SOLUTION NO PROMPT ... # END SOLUTION   -> removed
      lr = 0.1  # SOLUTION                             -> lr = ...  # YOUR CODE HERE
    Signatures, docstrings and comments outside the markers are kept.
    """
    from grader.authoring import starter

    loaded = api.load_assignment(assignment)
    if check_only:
        stale = starter.stale_files(loaded) if starter.uses_markers(loaded) else []
        if stale:
            click.echo(f"starter/ is out of date: {', '.join(stale)}; run `grader starter {loaded.name}`", err=True)
            return ExitCode.FAILED
        click.echo("starter/ is up to date")
        return ExitCode.OK
    for name in starter.write(loaded):
        click.echo(f"wrote {loaded.starter_dir.name}/{name}")
    return ExitCode.OK


@click.command("bundle")
@click.argument("assignment")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the bundle into (replaced if it holds an earlier bundle).")
@click.option("--insecure", is_flag=True, help="Run the reference even if a sandbox layer is missing here.")
def bundle_cmd(assignment: str, out: Path, insecure: bool) -> ExitCode:
    """Write what students receive for ASSIGNMENT: the starter, README.md, a spec with only
    the public checks, and the reference's answers to them as plain data (expected.json,
    expected.npz). No reference code, hidden check, hidden input or secret goes in.

    Students then run `grader check OUT their-work/` on any machine. The same
    assignment always gives the same bytes.
    """
    from grader.authoring import bundle

    loaded = api.load_assignment(assignment)
    files = bundle.build(loaded, out, insecure=insecure)
    public = sum(1 for c in loaded.checks if c.visibility == "public")
    click.echo(f"wrote {out}: {', '.join(files)} ({public} public checks; "
               f"{len(loaded.checks) - public} hidden checks left out)")
    return ExitCode.OK


@click.command("strength")
@click.argument("assignments", nargs=-1)
@click.option("--max", "limit", type=click.IntRange(1), default=400, show_default=True,
              help="At most this many mutants per assignment (a seeded sample beyond that).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for sampling mutants.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Mutants graded at once.")
@click.option("--diff/--no-diff", default=True, show_default=True, help="Show each survivor's diff.")
@click.option("--insecure", is_flag=True, help="Grade even if a sandbox layer is missing here.")
def strength_cmd(assignments: tuple[str, ...], limit: int, seed: int, jobs: int | None, diff: bool,
                 insecure: bool) -> ExitCode:
    """How many deliberately broken copies of the reference do ASSIGNMENTS' checks catch?

    Every single change a student's bug could be (flip an operator, drop a factor,
    swap operands or arguments, perturb a constant, remove a statement) is made to
    the reference and graded. Survivors are listed with their diff: add a check that
    catches them, or record them in strength.yaml with the reason they cannot be
    told apart from the reference. Default: every assignment under ./assignments.
    Lines marked `# pragma: no mutate` are left alone.
    """
    from grader.authoring import strength
    from grader.engine import Engine

    names = list(assignments) or [folder.name for folder, _ in api.list_assignments()]
    if not names:
        raise GraderError("no assignments under ./assignments; name one")
    loaded = [api.load_assignment(name) for name in names]
    workers = jobs or api.default_jobs()
    rows = []
    with Engine(workers, insecure=insecure, preload=["numpy", "torch"]) as engine:
        for assignment in loaded:
            def tick(done: int, total: int, name: str = assignment.name) -> None:
                if done % 25 == 0 or done == total:
                    click.echo(f"{name}: {done}/{total} mutants graded", err=True)
            measured = strength.measure(assignment, engine, limit=limit, seed=seed, jobs=workers, progress=tick)
            rows.append(measured)
            _print_survivors(measured, diff)
    click.echo("\n(by hidden: caught by a hidden check, or one whose answer no student sees, such as a train check's accuracy)")
    click.echo(f"{'':48} {'of the rest (not equivalent)':>30}")
    click.echo(f"{'assignment':20} {'mutants':>7} {'caught':>8} {'by hidden':>10} {'equivalent':>10} "
               f"{'caught':>8} {'by hidden':>10} {'seconds':>8}")
    for m in rows:
        click.echo(f"{m.assignment:20} {m.total:7d} {m.rate():8.1%} {m.rate('hidden'):10.1%} {m.equivalent:10d} "
                   f"{m.rate('rest'):8.1%} {m.rate('hidden-rest'):10.1%} {m.seconds:8.1f}")
    return ExitCode.OK


def _print_survivors(measured: Strength, diff: bool) -> None:
    public_only = measured.public_only
    if public_only:
        click.echo(f"\n{measured.assignment}: {len(public_only)} caught by public checks only "
                   "(a submission that hard-codes the public answers would pass the hidden checks with this bug)")
        for v in public_only:
            click.echo(f"  {v.mutant.file}:{v.mutant.line}: {v.mutant.description}  [{', '.join(v.failing)}]")
            if diff and v.diff:
                click.echo("\n".join("        " + line for line in v.diff.splitlines()))
    survivors = measured.survivors
    if not survivors:
        return
    reviewed = sum(1 for v in survivors if v.equivalent)
    click.echo(f"\n{measured.assignment}: {len(survivors)} survivors ({reviewed} reviewed as equivalent)")
    for v in survivors:
        click.echo(f"  {v.mutant.file}:{v.mutant.line}: {v.mutant.description}")
        click.echo(f"      equivalent: {v.equivalent}" if v.equivalent else
                   "      NOT REVIEWED: add a check that catches it, or record why it is equivalent in strength.yaml")
        if diff and not v.equivalent and v.diff:
            click.echo("\n".join("        " + line for line in v.diff.splitlines()))


COMMANDS = (new_cmd, starter_cmd, bundle_cmd, strength_cmd)
