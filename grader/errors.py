"""Errors the grader reports to people: one clear sentence, no traceback."""

from __future__ import annotations


class GraderError(Exception):
    """A problem the user can fix; the CLI prints its message as one sentence."""


class SpecError(GraderError):
    """An assignment spec is invalid; the message names file, line and key path."""


class UnknownAssignment(SpecError):
    """No assignment by the name given (the CLI's usage error, exit 2); the message suggests the nearest."""


class SubmissionError(GraderError):
    """A submission cannot be read (bad zip, missing file, unreadable notebook)."""


class SandboxUnavailable(GraderError):
    """A sandbox layer the configuration requires is missing on this machine."""
