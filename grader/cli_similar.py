"""``grader similar``: likely copied pairs of a graded batch, by code and by shared wrong numbers
(registered in :mod:`grader.cli`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader import api
from grader.cli_common import ExitCode
from grader.errors import GraderError


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


@click.command("similar")
@click.argument("assignment")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print {\"pairs\": [{\"a\", \"b\", \"score\", \"flagged\", \"evidence\"}, ...], "
              "\"clusters\": [...]} (pairs by score, highest first) instead of the table.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.5, show_default=True, metavar="SCORE",
              help="Flag pairs scoring at least SCORE.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.1, show_default=True, metavar="SCORE",
              help="List pairs scoring at least SCORE (flagged or not).")
@click.option("--cleared", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Pairs you have looked at and cleared, one 'a,b' per line (# comments); they are left out.")
@click.option("--min-shared", type=click.IntRange(1), default=6, show_default=True, metavar="N",
              help="Code: fewer shared fingerprints than N are not evidence.")
@click.option("--code-floor", type=click.FloatRange(0, 0.99), default=0.25, show_default=True, metavar="SIM",
              help="Code: similarity up to SIM is what independent solutions of a short assignment share anyway; "
                   "the code evidence counts from there (0 at SIM, 1 at 100%).")
@click.option("--common", type=click.FloatRange(0, 1), default=0.1, show_default=True, metavar="SHARE",
              help="Code: fingerprints found in more than SHARE of the batch (and in 10 or more submissions) are "
                   "what everyone writes, not evidence.")
@click.option("--max-share", type=click.FloatRange(0, 1), default=0.5, show_default=True, metavar="SHARE",
              help="Numbers: a wrong answer shared by more than SHARE of the batch is a classic mistake, not evidence.")
@click.option("--rtol", type=click.FloatRange(0), default=1e-6, show_default=True, metavar="RTOL",
              help="Numbers: two wrong values agree when within this relative tolerance (float noise).")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where to write the page with the side-by-side views. Default: RESULTS_DIR/similar.html.")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, metavar="N",
              help="Print at most N pairs in the table (--json prints all listed).")
def similar(assignment: str, results_dir: Path, as_json: bool, threshold: float, min_score: float, cleared: Path | None,
            min_shared: int, code_floor: float, common: float, max_share: float, rtol: float, html: Path | None, top: int) -> ExitCode:
    """Rank pairs of graded submissions by evidence of copying, with the evidence side by side.

    Reads what `grader grade ASSIGNMENT ... --out RESULTS_DIR` stored (result.json and the
    instructor-only instructor.json: a copy of each submission's source and its wrong values
    on the hidden checks). Nothing is run again. Two kinds of evidence:

    \b
    code     token winnowing (as MOSS, JPlag and Dolos do) over a normal form in which
             names, numbers, strings, comments, docstrings and layout are gone; what the
             starter already holds is never evidence. "code 62%" is how much of the
             two submissions' own code is the same.
    numbers  per hidden check, both got it wrong with the same values (within --rtol).
             Correct answers agree for everyone and count for nothing; a wrong answer
             counts by its rarity: shared by 2 of 200 is strong, by half the class
             almost nothing. Rewritten code still returns the same wrong numbers.

    A pair's score (0 to 1) combines both: 1 - (1 - code) * (1 - numbers), where code is
    the similarity above --code-floor rescaled to 0..1 and numbers is 0.5 at 4 bits of
    rare shared wrong answers (a class of n: log2((n-1)/(k-1)) bits for an answer k share;
    the second check counts half, the next a quarter). Flagged pairs
    linking three or more students are shown as one cluster. The page (RESULTS_DIR/similar.html
    unless --html) shows each flagged pair's code side by side, matching regions numbered
    the same on both sides. It holds students' code and hidden values: instructors only.

    \b
    Examples:
      grader similar bp-manual results/
      grader similar bp-manual results/ --json | jq '.pairs[] | select(.flagged)'
      grader similar bp-manual results/ --cleared cleared.csv --threshold 0.6

    Exit status 0 whether or not pairs were flagged; 2 for a bad command line; 3 when the
    results cannot be read.
    """
    from grader import similar as sim
    from grader.similar import page

    loaded = api.load_assignment(assignment)
    options = sim.Options(threshold=threshold, min_score=min_score, min_shared=min_shared, code_floor=code_floor, common=common,
                          max_share=max_share, rtol=rtol)
    pairs_cleared = sim.read_cleared(cleared) if cleared else set()
    analysis = sim.analyse(results_dir, loaded.name, loaded.starter_dir, options, pairs_cleared, _warn)
    if not analysis.stored:
        raise GraderError(f"no results of {loaded.name} in {results_dir}; grade first: grader grade {assignment} ... --out {results_dir}")
    out = html or results_dir / "similar.html"
    page.write(analysis, out)
    if as_json:
        click.echo(json.dumps(analysis.to_dict(), indent=2, ensure_ascii=False))
        return ExitCode.OK
    _print_table(analysis, top)
    click.echo(f"side by side: {out}")
    return ExitCode.OK


def _print_table(analysis: object, top: int) -> None:
    from grader.similar import Analysis

    assert isinstance(analysis, Analysis)
    flagged = sum(p.flagged for p in analysis.pairs)
    click.echo(f"{len(analysis.stored)} submissions of {analysis.assignment}; {flagged} pair(s) flagged, "
               f"{len(analysis.pairs)} listed" + (f", {analysis.cleared} cleared" if analysis.cleared else ""))
    for pair in analysis.pairs[:top]:
        parts = [f"code {pair.code.similarity:.0%}"] if pair.code else []
        parts += [f"same wrong {s.check} ({s.members} of {s.graded})" for s in pair.numbers]
        mark = "FLAG" if pair.flagged else "    "
        click.echo(f"{mark} {pair.score:.2f}  {pair.a} ↔ {pair.b}: {'; '.join(parts)}")
    for members in analysis.clusters:
        click.echo(f"cluster of {len(members)}: {', '.join(members)}")


COMMANDS = (similar,)
