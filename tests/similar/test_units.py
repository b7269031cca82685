"""``grader similar``'s parts on their own, without a sandbox: normalisation, winnowing, starter
exclusion, answer classes by rarity, cleared pairs, clusters, and what instructor.json records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.checks.base import Evaluation
from grader.engine import evidence
from grader.errors import GraderError
from grader.normal_form import normalise, tokens
from grader.redaction import InstructorRecord, WrongValue
from grader.similar import code, numbers, rank
from grader.similar.stored import Stored
from grader.similar.winnow import WINDOW, K, winnow
from grader.values import ArrayValue, ScalarValue

ORIGINAL = '''
import numpy as np

def forward(x, w):
    """Forward pass."""
    h = sigmoid(w[:2] @ x)   # hidden layer
    return h, sigmoid(w[2:] @ h)
'''
DISGUISED = '''
import numpy as np
def forward(inputs, weights):
    # the two layers, one after the other
    hidden = sigmoid(weights[:2]
                     @ inputs)
    return hidden, sigmoid(weights[2:] @ hidden)
'''


def forms(text: str) -> list[str]:
    return [form for form, _ in normalise(text)]


def test_renaming_comments_docstrings_and_layout_change_nothing() -> None:
    assert forms(ORIGINAL) == forms(DISGUISED)


def test_library_names_and_numbers_are_kept_apart() -> None:
    assert forms("y = np.exp(x) + 2") == ["V", "=", "np", ".", "exp", "(", "V", ")", "+", "0", ";"]
    assert forms("y = np.exp(x)") != forms("y = np.log(x)")


def test_a_file_that_stops_tokenising_gives_the_tokens_before() -> None:
    assert forms("a = (1,\n")[:3] == ["V", "=", "("]


def _prints(text: str) -> set[int]:
    return set(winnow(tokens({"bp.py": text})).hashes.tolist())


def test_winnowing_finds_a_reordered_copy() -> None:
    body = "\n".join(f"def f{i}(a, b):\n    c = a * {i} + b ** 2 - np.sum(a)\n    return c / (a - b) + np.exp(c)\n"
                     for i in range(6))
    reordered = "\n".join(reversed(body.split("\n\n")))
    mine, theirs = _prints(body), _prints(reordered)
    assert len(mine & theirs) >= 0.8 * len(mine)


def test_starter_fingerprints_are_not_evidence(tmp_path: Path) -> None:
    starter = tmp_path / "starter"
    starter.mkdir()
    scaffold = "".join(f"def step{i}(x, y, z):\n    t = x * y + z - x / (y + {i})\n    return t ** 2 + np.sum(t)\n\n"
                       for i in range(5))
    (starter / "bp.py").write_text(scaffold, encoding="utf-8")
    batch = [Stored("a", 0.0, sources={"bp.py": scaffold + "q = 1\n"}), Stored("b", 0.0, sources={"bp.py": scaffold + "r = 2\n"})]
    coded = code.fingerprint_all(batch, K, WINDOW, jobs=1)
    matrix, kept = code.evidence_prints(coded, code.starter_grams(starter, K), 0.5)
    assert code.similarities(matrix, 1) == {}
    assert kept.size <= 2


def _stored(name: str, check_values: dict[str, list[float]]) -> Stored:
    return Stored(name, 0.0, wrong={c: [WrongValue(case=0, n=len(v), values=v, sum=sum(v))]
                                     for c, v in check_values.items()})


def test_a_rare_wrong_answer_counts_more_than_a_common_one() -> None:
    batch = [_stored("a", {"grad": [1.0, 2.0]}), _stored("b", {"grad": [1.0, 2.0 + 1e-12]}),
             *[_stored(f"c{i}", {"loss": [3.0]}) for i in range(5)], *[_stored(f"d{i}", {}) for i in range(5)]]
    classes = numbers.answer_classes(batch, rtol=1e-6, atol=1e-9)
    assert sorted(map(sorted, classes["grad"])) == [["a", "b"]]
    cases = {(s.id, c): 1 for s in batch for c in s.wrong}
    shared = numbers.shared_answers(classes, cases, len(batch), max_share=0.5)
    rare, common = shared[("a", "b")][0], shared[("c0", "c1")][0]
    assert rare.bits == pytest.approx(np.log2(11)) and common.bits == pytest.approx(np.log2(11 / 4))
    assert numbers.score(shared[("a", "b")]) > numbers.score(shared[("c0", "c1")])


def test_values_that_differ_beyond_float_noise_are_different_answers() -> None:
    batch = [_stored("a", {"grad": [1.0, 2.0]}), _stored("b", {"grad": [1.0, 2.00001]})]
    assert numbers.answer_classes(batch, rtol=1e-6, atol=1e-9) == {}


def test_an_answer_shared_by_most_of_the_class_is_not_evidence() -> None:
    batch = [_stored(f"s{i}", {"loss": [3.0]}) for i in range(6)] + [_stored("t", {})]
    classes = numbers.answer_classes(batch, rtol=1e-6, atol=1e-9)
    assert numbers.shared_answers(classes, {(f"s{i}", "loss"): 1 for i in range(6)}, 7, max_share=0.5) == {}


def test_several_shared_answers_count_more_but_not_fully() -> None:
    one = [numbers.Shared("a", 10, 2, 12, 3.0)]
    two = [*one, numbers.Shared("b", 10, 2, 12, 3.0)]
    assert numbers.bits(two) == pytest.approx(4.5)
    assert numbers.score(two) > numbers.score(one)


def test_cleared_pairs_file(tmp_path: Path) -> None:
    path = tmp_path / "cleared.csv"
    path.write_text("a,b\n# checked\nalice, bob\n\ncarol,dave,extra\n", encoding="utf-8")
    assert rank.read_cleared(path) == {frozenset({"alice", "bob"}), frozenset({"carol", "dave"})}
    path.write_text("alice\n", encoding="utf-8")
    with pytest.raises(GraderError, match="two submission ids"):
        rank.read_cleared(path)


def test_clusters_are_components_of_three_or_more() -> None:
    pair = lambda a, b: rank.Pair(a, b, 0.9, True, None, [])  # noqa: E731
    assert rank.clusters([pair("a", "b"), pair("b", "c"), pair("x", "y")]) == [["a", "b", "c"]]


def test_wrong_values_keep_only_wrong_numeric_cases() -> None:
    right = Evaluation(ok=True, value=ArrayValue(np.array([1.0, 2.0]), "numpy.ndarray"))
    wrong = Evaluation(ok=True, value=(ArrayValue(np.array([1.5, 2.0]), "numpy.ndarray"), ScalarValue(3.0, "float")))
    zeros = Evaluation(ok=True, value=ArrayValue(np.zeros(2), "numpy.ndarray"))
    raised = Evaluation(ok=False, error="ValueError")
    expected = [right, Evaluation(ok=True, value=(ArrayValue(np.array([1.0, 2.0]), "numpy.ndarray"), 3.0)), right, right]
    kept = evidence.wrong_values([right, wrong, zeros, raised], expected, 1e-6, 1e-6)
    assert [(v.case, v.values, v.n) for v in kept] == [(1, [1.5, 2.0, 3.0], 3)]


def test_large_outputs_are_sketched() -> None:
    big = Evaluation(ok=True, value=ArrayValue(np.arange(1, 10_001, dtype=np.float64), "numpy.ndarray"))
    [kept] = evidence.wrong_values([big], [Evaluation(ok=True, value=ArrayValue(np.zeros(3), "numpy.ndarray"))], None, None)
    assert kept.n == 10_000 and len(kept.values) == evidence.SKETCH and kept.sum == pytest.approx(50_005_000)


def test_instructor_record_reads_files_written_before_these_fields() -> None:
    old = '{"schema": "grader.instructor/1", "submission": "a", "checks": [{"id": "x", "details": {"max_abs_err": 1}}]}'
    record = InstructorRecord.model_validate_json(old)
    assert record.sources == {} and record.checks[0].wrong_values == []


def test_stored_normal_forms_give_the_same_tokens_as_the_source() -> None:
    from grader.engine.evidence import normal_form
    from grader.normal_form import from_forms

    sources = {"bp.py": ORIGINAL, "util.py": DISGUISED}
    stored = from_forms([(f.file, f.forms, f.lines) for f in normal_form(sources)])
    direct = tokens(sources)
    assert stored.names == direct.names
    for field in ("hashes", "files", "lines"):
        assert np.array_equal(getattr(stored, field), getattr(direct, field))
