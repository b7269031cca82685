"""A small define-by-run autodiff framework: enough of DeZero for step 43."""

from dezero.core import Function, Variable, as_array, as_variable, no_grad, using_config

__all__ = ["Function", "Variable", "as_array", "as_variable", "no_grad", "using_config"]
