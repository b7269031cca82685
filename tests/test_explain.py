"""What a student reads when code fails: library asserts explained, scripts that stopped early."""

from __future__ import annotations

from pathlib import Path

from conftest import write_assignment

from grader import spec
from grader.checks.base import Evaluation
from grader.explain import explain_d2l_assert, explain_partial_import, failure

TRAIN_LOSS = Evaluation(False, status="error", raised=True, error="AssertionError: 0.733775317509969",
                        traceback='  File "mlp_d2l.py", line 36, in <module>\n    d2l.train_ch3(net, train_iter, test_iter, loss, 10, updater)',
                        origin="train_ch3 in d2l/torch.py, line 333: assert train_loss < 0.5, train_loss")


def test_a_failed_train_ch3_assert_is_explained_in_words() -> None:
    text = explain_d2l_assert(TRAIN_LOSS)
    assert text is not None
    assert text.startswith("d2l's train_ch3 checks the model after the last epoch, and the final training loss, "
                           "0.7338, is not below 0.5 (its `assert train_loss < 0.5` failed)")
    assert "torch.randn(...) * 0.01" in text
    test_acc = Evaluation(False, raised=True, error="AssertionError: 0.1",
                          origin="train_ch3 in d2l/torch.py, line 335: assert test_acc <= 1 and test_acc > 0.7, test_acc")
    assert "the test accuracy it measured, 0.1000, is not above 0.7" in (explain_d2l_assert(test_acc) or "")


def test_other_asserts_are_not_mistaken_for_d2l() -> None:
    own = Evaluation(False, raised=True, error="AssertionError: 0.7", origin=None)
    elsewhere = Evaluation(False, raised=True, error="AssertionError: 0.7",
                           origin="fit in mylib/train.py, line 3: assert train_loss < 0.5, train_loss")
    assert explain_d2l_assert(own) is None and explain_d2l_assert(elsewhere) is None


def test_a_script_that_stopped_is_told_where_and_that_the_checks_still_ran(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "a", "name: s\ntitle: s\nfiles: [mlp_d2l.py]\nimport_errors: continue\n"
                              "checks:\n  - {id: x, kind: compare, call: X}\n", {"mlp_d2l.py": "X = 1\n"})
    note = explain_partial_import(TRAIN_LOSS, spec.load(folder))
    assert note.startswith("mlp_d2l.py stopped at line 36 (`d2l.train_ch3(net, train_iter, test_iter, loss, 10, updater)`): "
                           "d2l's train_ch3 checks the model")
    assert note.endswith("The checks ran on what it had defined and trained by then.")
    plain = Evaluation(False, raised=True, error="NameError: name 'foward' is not defined",
                       traceback='  File "mlp_d2l.py", line 9, in <module>\n    foward(x)')
    assert explain_partial_import(plain, spec.load(folder)) == (
        "mlp_d2l.py stopped at line 9 (`foward(x)`) with NameError: name 'foward' is not defined. "
        "The checks ran on what it had defined by then.")


def test_a_traceback_without_a_whole_frame_gives_no_location_and_no_crash(tmp_path: Path) -> None:
    from grader.explain import explain_load

    folder = write_assignment(tmp_path / "a", "name: s\ntitle: s\nfiles: [work.py]\n"
                              "checks:\n  - {id: x, kind: compare, call: X}\n", {"work.py": "X = 1\n"})
    assignment = spec.load(folder)
    stub = Evaluation(False, raised=True, error="ValueError: bad", traceback="only one line")
    assert explain_load(stub, assignment) == "work.py could not be imported: ValueError: bad."
    whole = Evaluation(False, raised=True, error="ValueError: bad",
                       traceback='  File "work.py", line 3, in <module>\n    raise ValueError("bad")')
    assert explain_load(whole, assignment) == ('work.py could not be imported: ValueError: bad '
                                               '(File "work.py", line 3, in <module>).')


def test_a_run_ended_by_a_signal_carries_the_signal() -> None:
    crashed = failure({"outcome": "exited", "signal": "SIGSEGV"}, 0, 2.0)
    assert (crashed.status, crashed.signal) == ("error", "SIGSEGV")
    assert "segmentation fault" in (crashed.error or "")
    assert failure({"outcome": "exited", "signal": "SIGXCPU"}, 0, 2.0).status == "timeout"
    assert failure({"outcome": "exited", "code": 1}, 0, 2.0).signal is None
