"""What ``grader similar`` costs for a class of 250, 500 and 1000 bp-manual-sized submissions.

Builds synthetic results folders (``result.json`` + ``instructor.json`` per submission, as
``grade`` writes them): every student's ``bp.py`` is one of the example solutions under
``submissions/bp-manual`` and ``submissions/similar-bp`` with its names changed, its functions
shuffled, comments rewritten and a few statements of their own added; a third of them got some
hidden checks wrong (a few classic bugs shared by many, rare ones by two or three, the rest
their own), and a handful of planted pairs copy each other. Then times the whole of
``grader similar`` (read, tokenise, winnow, rank, write similar.html) with 2 worker processes,
next to the floor every run pays: reading the stored files and nothing else. The judge stores each
submission's normal form at grade time (its cost per submission is printed); a last run times a
class graded before that, which ``similar`` tokenises itself.

Run by hand: python benchmarks/bench_similar.py [--sizes 250 500 1000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import similar  # noqa: E402
from grader.engine.evidence import normal_form  # noqa: E402
from grader.normal_form import KEPT_NAMES, VERSION  # noqa: E402
from grader.similar import page  # noqa: E402
from grader.similar.stored import load  # noqa: E402

CHECKS = ["forward-hidden", "loss-hidden", "gradients-hidden", "update-hidden", "train-hidden"]
EXTRA = ["    _chk{n} = float(np.sum(np.abs({v}))) + {c}\n", "    assert len({v}) >= {c} or True\n",
         "    _log{n} = [{c}, {v}]\n", "    _t{n} = {v} if {c} > 0 else -{c}\n"]


def bases() -> list[str]:
    found = []
    for folder in ("bp-manual", "similar-bp"):
        for path in sorted((ROOT / "submissions" / folder).glob("*/bp.py")):
            text = path.read_bytes().decode("utf-8", errors="replace")
            if "def backward" in text and "while True" not in text and "input(" not in text:
                found.append(text)
    return found


def disguise(text: str, rng: random.Random) -> str:
    """Rename the student's own names, shuffle the functions, rewrite comments, add a few statements."""
    names = {m for m in re.findall(r"\b([a-zA-Z_]\w*)\b", text) if m not in KEPT_NAMES and len(m) > 1
             and not m.startswith("__") and m not in {"def", "return", "for", "in", "if", "else", "import", "from",
                                                      "as", "float", "range", "len", "and", "or", "not", "None", "True"}}
    renamed = {n: f"{n[:2]}_{rng.randrange(10**6)}" for n in sorted(names) if rng.random() < 0.5
               and n not in {"forward", "backward", "loss", "update", "train", "sigmoid", "annotations", "numpy", "typing"}}
    text = re.sub(r"\b\w+\b", lambda m: renamed.get(m.group(0), m.group(0)), text)
    text = re.sub(r"#[^\n]*", lambda _: f"# note {rng.randrange(10**6)}", text)
    head, *functions = re.split(r"\n(?=def )", text)
    rng.shuffle(functions)
    out = [head]
    for function in functions:
        lines = function.split("\n")
        for _ in range(rng.randrange(0, 3)):
            extra = rng.choice(EXTRA).format(n=rng.randrange(1000), v=rng.choice(["0.5", "1.0", "[1, 2]"]),
                                             c=rng.randrange(1, 9))
            lines.insert(min(len(lines), 1 + rng.randrange(1, 3)), extra.rstrip("\n"))
        out.append("\n".join(lines))
    return "\n".join(out)


def wrong_values(rng: random.Random, index: int) -> list[dict]:
    checks = []
    if rng.random() < 0.66:
        return checks
    for check in rng.sample(CHECKS, rng.randrange(1, 4)):
        bug = rng.choice([0, 0, 0, 1, 1, 2]) if rng.random() < 0.6 else (100 + index // 3 if rng.random() < 0.3 else 10**6 + index)
        values = [{"case": case, "n": 8, "values": [round(bug * 0.001 + case + j * 0.1, 9) for j in range(8)],
                   "sum": bug * 0.008 + case * 8 + 2.8} for case in range(10)]
        checks.append({"id": check, "details": {}, "wrong_values": values})
    return checks


def build(folder: Path, n: int, seed: int = 0, stored_forms: bool = True) -> float:
    """Write the results folder; return the seconds spent making normal forms (the judge's share)."""
    rng = random.Random(seed)
    judged = 0.0
    pool = bases()
    copies: dict[int, str] = {}
    for i in range(n):
        sub = f"s{i:04d}"
        if i % 97 == 5 and i - 1 in copies:          # a planted copy of the previous student
            source = disguise(copies[i - 1], rng)
        else:
            source = disguise(rng.choice(pool), rng)
        copies[i] = source
        (folder / sub).mkdir(parents=True)
        result = {"schema": "grader.result/1", "assignment": "bp-manual", "submission": sub, "status": "graded",
                  "score": 7.0, "max_score": 10.0, "checks": []}
        record = {"schema": "grader.instructor/1", "submission": sub, "checks": wrong_values(rng, i),
                  "sources": {"bp.py": source}}
        if stored_forms:   # what the judge stores since the normal form is kept (else similar tokenises)
            started = time.perf_counter()
            record["normal_form"] = [f.model_dump() for f in normal_form({"bp.py": source})]
            judged += time.perf_counter() - started
            record["normal_form_version"] = VERSION
        (folder / sub / "result.json").write_text(json.dumps(result), encoding="utf-8")
        (folder / sub / "instructor.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return judged


def measure(folder: Path, jobs: int) -> tuple[float, float, int, int]:
    started = time.perf_counter()
    load(folder, "bp-manual", lambda _: None)
    floor = time.perf_counter() - started
    started = time.perf_counter()
    analysis = similar.analyse(folder, "bp-manual", ROOT / "assignments" / "bp-manual" / "starter",
                               similar.Options(jobs=jobs))
    page.write(analysis, folder / "similar.html")
    whole = time.perf_counter() - started
    return whole, floor, len(analysis.pairs), sum(p.flagged for p in analysis.pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = Path(tmp) / str(n)
            judged = build(folder, n)
            whole, floor, listed, flagged = measure(folder, args.jobs)
            rows.append((n, whole, floor))
            print(f"{n:5d} submissions: grader similar {whole:6.2f} s ({whole / n * 1000:5.2f} ms each); "
                  f"reading the stored files alone {floor:5.2f} s; {listed} pairs listed, {flagged} flagged; "
                  f"the judge's normal forms {judged / n * 1000:.2f} ms per submission at grade time")
        n = args.sizes[-1]
        folder = Path(tmp) / f"{n}-sources-only"
        build(folder, n, stored_forms=False)
        whole, floor, _, _ = measure(folder, args.jobs)
        print(f"{n:5d} submissions graded before normal forms were stored (tokenised now, {args.jobs} processes): "
              f"{whole:6.2f} s")
    if len(rows) > 1:
        (n0, t0, _), (n1, t1, _) = rows[0], rows[-1]
        print(f"from {n0} to {n1} submissions ({n1 / n0:.0f}x): the time grew {t1 / t0:.2f}x "
              f"(linear would be {n1 / n0:.0f}x, every pair compared one by one {(n1 / n0) ** 2:.0f}x)")


if __name__ == "__main__":
    main()
