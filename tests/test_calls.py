import pytest

from grader import calls


@pytest.mark.parametrize("expr", ["forward(x, w)", "loss(forward(x, w)[1], y)", "m.f(a, b=2)", "f(x)[0][1]", "f(-1, [a, b])"])
def test_accepts_the_call_language(expr: str) -> None:
    calls.parse(expr)


@pytest.mark.parametrize("expr, reason", [
    ("x + 1", "BinOp"),
    ("f(lambda: 0)", "Lambda"),
    ("f(x).__class__", "attributes are only allowed on names"),
    ("__import__('os').system('id')", "attributes are only allowed on names"),
    ("-x", "must be a call"),
    ("(x, y)", "must be a call"),
    ("f(", "not a valid call expression"),
    ("[f(x) for x in y]", "ListComp"),
])
def test_rejects_everything_else(expr: str, reason: str) -> None:
    with pytest.raises(calls.CallSyntaxError, match=reason):
        calls.parse(expr)


def test_evaluates_inputs_and_functions() -> None:
    funcs = {"f": lambda a, b=0: (a + b, a - b)}
    value = calls.evaluate(calls.parse("f(x, b=2)[1]"), funcs.__getitem__, {"x": 10})
    assert value == 8


def test_names_splits_inputs_from_called_functions() -> None:
    used, called = calls.names(calls.parse("loss(forward(x, w)[1], y)"))
    assert used == {"x", "w", "y"}
    assert called == {"loss", "forward"}


@pytest.mark.parametrize("expr, root", [("W1", "W1"), ("net.hidden.weight", "net"), ("losses[-1]", "losses")])
def test_a_bare_name_reads_what_a_script_defines(expr: str, root: str) -> None:
    used, module_names = calls.names(calls.parse(expr))
    assert used == set() and module_names == {root}
    module = {"W1": [1.0, 2.0], "losses": [3.0, 2.0, 1.0], "net": type("Net", (), {"hidden": type("H", (), {"weight": 7})})}
    assert calls.evaluate(calls.parse(expr), module.__getitem__, {}) == {"W1": [1.0, 2.0], "net": 7, "losses": 1.0}[root]
