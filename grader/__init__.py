"""grader: sandboxed, fast, tensor-aware grading of deep-learning coursework."""

__version__ = "0.1.0"
