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


def test_a_list_of_bare_names_reads_several_at_once() -> None:
    used, module_names = calls.names(calls.parse("[x, W1, W1.grad]"))
    assert used == set() and module_names == {"x", "W1"}
    module = {"x": 1, "W1": type("V", (), {"grad": 2})}
    assert calls.evaluate(calls.parse("[x, W1.grad]"), module.__getitem__, {})[1] == 2


def test_a_module_attribute_call_names_the_module_not_an_input() -> None:
    assert calls.names(calls.parse("F.sigmoid(x)")) == ({"x"}, {"F"})


def _resolver(module: dict) -> object:
    def resolve(name: str) -> object:
        if name not in module:
            raise NameError(f"name {name!r} is not defined")
        return module[name]
    return resolve


def test_alternatives_take_the_first_form_the_submission_has() -> None:
    tree = calls.parse("predict(x) or model(x)")
    assert calls.names(tree) == ({"x"}, {"predict", "model"})
    step45 = _resolver({"model": lambda x: x * 2})
    assert calls.evaluate(tree, step45, {"x": 3}) == 6
    step43 = _resolver({"predict": lambda x: x + 1, "model": lambda x: x * 2})
    assert calls.evaluate(tree, step43, {"x": 3}) == 4
    attribute = calls.parse("[model.l0.W] or [W1]")
    assert calls.evaluate(attribute, _resolver({"model": object(), "W1": 5}), {}) == [5]


def test_when_no_alternative_evaluates_the_first_ones_error_is_raised() -> None:
    with pytest.raises(NameError, match="predict"):
        calls.evaluate(calls.parse("predict(x) or model(x)"), _resolver({}), {"x": 1})


def test_an_error_inside_a_call_other_than_a_missing_name_is_not_retried() -> None:
    def broken(x: object) -> object:
        raise ZeroDivisionError("student bug")
    with pytest.raises(ZeroDivisionError):
        calls.evaluate(calls.parse("predict(x) or model(x)"), _resolver({"predict": broken, "model": abs}), {"x": 1})


@pytest.mark.parametrize("expr", ["(a or b)(x)", "f(a or b)", "predict(x) or 1", "[]"])
def test_or_joins_only_whole_alternatives(expr: str) -> None:
    with pytest.raises(calls.CallSyntaxError):
        calls.parse(expr)
