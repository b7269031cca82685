"""The comparison order (type, shape, dtype, finiteness, values) and its messages."""

import numpy as np

from grader.compare import Tolerance, compare
from grader.values import ArrayValue, OpaqueValue, ScalarValue

TOL = Tolerance()


def arr(values, origin="numpy.ndarray", dtype=np.float64) -> ArrayValue:
    return ArrayValue(np.asarray(values, dtype=dtype), origin)


def test_equal_arrays_match() -> None:
    assert compare(arr([1.0, 2.0]), arr([1.0, 2.0]), TOL) is None


def test_float_noise_within_default_float64_tolerance_passes() -> None:
    assert compare(arr([0.1 + 0.2]), arr([0.3]), TOL) is None


def test_type_is_checked_first() -> None:
    problem = compare(OpaqueValue("builtins.function", "<function f>"), arr([1.0, 2.0]), TOL, "o")
    assert problem is not None and problem.step == "type"
    assert "expected a numpy.ndarray, got a builtins.function" in problem.message


def test_tensor_for_ndarray_is_fine_unless_strict() -> None:
    assert compare(arr([1.0], "torch.Tensor"), arr([1.0]), TOL) is None
    problem = compare(arr([1.0], "torch.Tensor"), arr([1.0]), Tolerance(strict_type=True))
    assert problem is not None and problem.step == "type"


def test_shape_before_dtype_and_values() -> None:
    problem = compare(arr([1, 2, 3], dtype=np.int64), arr([1.0, 2.0]), TOL, "o")
    assert problem is not None and problem.step == "shape"
    assert problem.message == "o: expected shape (2,), got shape (3,)"


def test_integer_values_where_floats_are_expected_fail_on_dtype() -> None:
    problem = compare(arr([1, 2], dtype=np.int64), arr([1.0, 2.0]), TOL, "o")
    assert problem is not None and problem.step == "dtype"
    assert "expected floating-point values" in problem.message


def test_float32_answer_uses_the_looser_tolerance() -> None:
    want = arr([0.47693399, 0.52867590])
    got = arr(want.array.astype(np.float32), dtype=np.float32)
    assert compare(got, want, TOL) is None
    assert compare(got, want, Tolerance(strict_dtype=True)).step == "dtype"


def test_nan_is_reported_before_values() -> None:
    problem = compare(arr([1.0, np.nan]), arr([1.0, 2.0]), TOL, "o")
    assert problem is not None and problem.step == "finite"
    assert "got NaN at [1]" in problem.message


def test_values_message_names_worst_element_and_errors() -> None:
    problem = compare(arr([1.0, 2.5, 3.0]), arr([1.0, 2.0, 3.0]), Tolerance(rtol=1e-6, atol=1e-6), "o")
    assert problem is not None and problem.step == "values"
    assert "worst at [1]: expected 2, got 2.5" in problem.message
    assert problem.details["max_abs_err"] == 0.5
    assert problem.details["worst_index"] == [1]


def test_differences_at_1e5_fail_and_at_1e7_pass_with_spec_tolerance() -> None:
    tol = Tolerance(rtol=1e-6, atol=1e-6)
    assert compare(arr([0.2084211 + 1e-7]), arr([0.2084211]), tol) is None
    assert compare(arr([0.2084211 + 1e-5]), arr([0.2084211]), tol) is not None


def test_expected_nan_matches_got_nan() -> None:
    assert compare(arr([np.nan, 1.0]), arr([np.nan, 1.0]), TOL) is None


def test_scalar_accepts_zero_d_and_one_element_arrays() -> None:
    assert compare(arr(0.5), ScalarValue(0.5, "float"), TOL) is None
    assert compare(arr([0.5]), ScalarValue(0.5, "float"), TOL) is None
    assert compare(arr([0.5, 0.5]), ScalarValue(0.5, "float"), TOL).step == "shape"


def test_list_of_numbers_matches_array_leniently() -> None:
    got = [ScalarValue(1.0, "float"), ScalarValue(2.0, "float")]
    assert compare(got, arr([1.0, 2.0]), TOL) is None
    assert compare(arr([1.0, 2.0]), got, TOL) is None


def test_sequences_compare_itemwise_with_paths() -> None:
    problem = compare((arr([1.0]), arr([3.0])), (arr([1.0]), arr([2.0])), TOL, "out")
    assert problem is not None and problem.path == "out[1]"


def test_mapping_reports_missing_keys() -> None:
    problem = compare({"a": ScalarValue(1.0, "float")}, {"a": ScalarValue(1.0, "float"), "b": None}, TOL, "d")
    assert problem is not None and "missing key(s) 'b'" in problem.message


def test_bool_scalar_is_not_a_number() -> None:
    assert compare(ScalarValue(True, "bool"), ScalarValue(True, "bool"), TOL) is None
    assert compare(ScalarValue(1, "int"), ScalarValue(True, "bool"), TOL) is not None


def test_relative_error_against_an_expected_zero_is_not_a_huge_number() -> None:
    problem = compare(arr([0.5, 1.0]), arr([0.0, 1.0]), Tolerance(rtol=1e-6, atol=1e-6), "g")
    assert problem is not None and problem.details["max_rel_err"] is None
    assert "expected value 0" in problem.message and "e+" not in problem.message
