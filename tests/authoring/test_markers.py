"""Solution markers: what a student's copy keeps, what it loses, and clear errors for bad markers."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.authoring.markers import has_markers, strip_code, strip_notebook
from grader.errors import GraderError

REFERENCE = '''\
import numpy as np


def relu(z):
    """Elementwise max(z, 0)."""
    # Keep the shape; return float64.
    # BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    return np.maximum(z, 0.0)
    # END SOLUTION


class Net:
    def step(self, lr):
        # BEGIN SOLUTION apply one SGD step to every parameter
        for p in self.params:
            p -= lr * p.grad
        # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def _helper():
    return 42
# END SOLUTION

LR = 0.1  # SOLUTION
epochs: int = 10  # SOLUTION
print(LR)  # SOLUTION
'''


def test_blocks_become_a_prompt_and_not_implemented_keeping_signatures_docstrings_and_comments() -> None:
    marked = strip_code(REFERENCE, "ref.py")
    text = marked.text
    assert marked.markers == 6
    assert 'def relu(z):\n    """Elementwise max(z, 0)."""\n    # Keep the shape; return float64.\n' \
           "    # YOUR CODE HERE\n    raise NotImplementedError\n" in text
    assert "        # TODO: apply one SGD step to every parameter\n        raise NotImplementedError\n" in text
    assert "np.maximum" not in text and "p.grad" not in text


def test_no_prompt_blocks_vanish_and_single_lines_keep_their_target() -> None:
    text = strip_code(REFERENCE, "ref.py").text
    assert "_helper" not in text and "42" not in text
    assert "LR = ...  # YOUR CODE HERE\n" in text
    assert "epochs: int = ...  # YOUR CODE HERE\n" in text
    assert "...  # YOUR CODE HERE\n" in text.split("epochs")[1]
    assert "0.1" not in text and "print(LR)" not in text


def test_the_student_copy_is_valid_python_and_raises_not_implemented() -> None:
    namespace: dict[str, object] = {}
    exec(compile(strip_code(REFERENCE, "ref.py").text, "starter.py", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["relu"]([1.0])  # type: ignore[operator]


def test_a_file_without_markers_is_unchanged() -> None:
    plain = "def f(x):\n    return x\n"
    assert not has_markers(plain)
    assert strip_code(plain, "f.py").text == plain
    assert strip_code(plain, "f.py").markers == 0


def test_crlf_line_endings_are_kept() -> None:
    text = "def f(x):\r\n    # BEGIN SOLUTION\r\n    return x\r\n    # END SOLUTION\r\n"
    assert strip_code(text, "f.py").text == "def f(x):\r\n    # YOUR CODE HERE\r\n    raise NotImplementedError\r\n"


@pytest.mark.parametrize("text, expected", [
    ("# BEGIN SOLUTION\nx = 1\n", "f.py:1: BEGIN SOLUTION is never closed"),
    ("x = 1\n# END SOLUTION\n", "f.py:2: END SOLUTION without a BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "f.py:2: BEGIN SOLUTION inside the block opened on line 1"),
    ("if x:\n# BEGIN SOLUTION\n    y = 1\n# END SOLUTION\n", "f.py: the student's copy would not be valid Python"),
])
def test_bad_markers_name_the_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(GraderError, match=expected.replace("(", r"\(")):
        strip_code(text, "f.py")


def test_notebooks_are_stripped_cell_by_cell_with_outputs_cleared() -> None:
    notebook = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("%matplotlib inline\ndef f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n")
    code.outputs = [nbformat.v4.new_output("stream", text="secret output 2")]
    code.execution_count = 3
    answer = nbformat.v4.new_markdown_cell("Why?\n\n<!-- BEGIN SOLUTION -->\nBecause the gradient vanishes.\n<!-- END SOLUTION -->\n")
    notebook.cells = [code, answer]
    marked = strip_notebook(nbformat.writes(notebook).encode(), "hw.ipynb")
    cells = json.loads(marked.text)["cells"]
    source = ["".join(c["source"]) for c in cells]
    assert marked.markers == 2
    assert "raise NotImplementedError" in source[0] and "2 * x" not in source[0] and "%matplotlib" in source[0]
    assert cells[0]["outputs"] == [] and cells[0]["execution_count"] is None
    assert "YOUR ANSWER HERE" in source[1] and "vanishes" not in source[1]
