"""``grader new NAME``: a new assignment folder that validates as it stands, to edit from there."""

from __future__ import annotations

import re
from pathlib import Path

from grader.errors import GraderError

SPEC = """\
# {name}: an assignment scaffolded by `grader new`. Every key is documented in docs/spec.md.
# Edit this file, reference/{module}.py and README.md, then:
#   grader starter {name}      # starter/ from the solution markers in reference/
#   grader validate {name}     # the reference scores full marks, the starter earns nothing hidden
#   grader bundle {name} --out dist/{name}    # what students get: no reference, no hidden check
name: {name}
title: "{title}"
description: >
  What the assignment is about, in a sentence or two (shown at the top of every report).
files: [{module}.py]        # what students hand in; reference/ and starter/ hold the same names
seed: 0                     # with the course secret (GRADER_SECRET), picks the hidden inputs

sandbox:
  timeout_s: 5              # per check
  memory_mb: 1024
  preload: [numpy]          # imported once by the warm workers; add torch when the work uses it

tolerance: {{rtol: 1.0e-6, atol: 1.0e-6}}   # float64 answers; float32 work wants about 1e-5

inputs:
  given:                    # public: the numbers in README.md, the same for everyone
    z: [-2.0, -0.5, 0.0, 1.5]
  random:                   # hidden: drawn from the course secret, never shown to students
    cases: 10
    z: {{normal: [0, 1], shape: [4, 5]}}

checks:
  - id: relu-given
    kind: compare           # call the student's function and the reference's on the same inputs
    title: ReLU on the README's example
    description: relu(z) returns max(z, 0) elementwise, as a float64 array of z's shape.
    visibility: public      # students see it in `grader check`, with expected and got values
    points: 1
    inputs: given
    call: relu(z)
  - id: relu-random
    kind: compare
    title: ReLU on hidden random inputs
    description: relu(z) is right on inputs nobody has seen, so hard-coded answers earn nothing here.
    visibility: hidden      # only the message is shown, never the inputs or expected values
    points: 2
    inputs: random
    call: relu(z)
"""

REFERENCE = '''\
"""{title}.

Implement every function below (replace each ``raise NotImplementedError``), then check
your work with:  grader check {name} path/to/your/folder
"""

from __future__ import annotations

import numpy as np


def relu(z):
    """Elementwise ``max(z, 0)`` of ``z``, as a float64 array of the same shape."""
    # BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)
    # END SOLUTION
'''

README = """\
# {title}

Implement `relu(z)` in `{module}.py`: the elementwise maximum of `z` and 0, returned as a
float64 NumPy array of the same shape. For example `relu([-2.0, -0.5, 0.0, 1.5])` is
`[0.0, 0.0, 0.0, 1.5]`.

Check your work before you hand it in (public checks only; the grade also runs hidden ones):

```bash
grader check {name} path/to/your/folder
```
"""


def module_name(name: str) -> str:
    """The Python module a scaffolded assignment asks for: ``my-relu`` -> ``my_relu``."""
    module = re.sub(r"\W", "_", name.replace("-", "_")).strip("_").lower() or "solution"
    return module if not module[0].isdigit() else f"hw_{module}"


def create(name: str, root: Path, title: str | None = None) -> list[Path]:
    """Write ``root/assignments/NAME`` (spec, reference, starter, README) and one example submission."""
    from grader import spec
    from grader.authoring import starter

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise GraderError(f"{name!r} cannot name an assignment; use letters, digits, '-', '_' and '.', "
                          "starting with a letter or digit")
    folder = root / "assignments" / name
    if folder.exists():
        raise GraderError(f"{folder} already exists; choose another name or remove it first")
    module = module_name(name)
    values = {"name": name, "module": module, "title": title or f"{name}: ReLU, a first assignment to edit"}
    files = {
        folder / "assignment.yaml": SPEC.format(**values),
        folder / "reference" / f"{module}.py": REFERENCE.format(**values),
        folder / "README.md": README.format(**values),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    loaded = spec.load(folder)
    written = [*files, *(folder / "starter" / f for f in starter.write(loaded))]
    example = root / "submissions" / name / "correct" / f"{module}.py"
    example.parent.mkdir(parents=True, exist_ok=True)
    example.write_text(REFERENCE.format(**values).replace("    # BEGIN SOLUTION\n", "").replace("    # END SOLUTION\n", ""),
                       encoding="utf-8")
    return [*written, example]
