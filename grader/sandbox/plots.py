"""Plots in a sandboxed child: they never block and never need a display."""

from __future__ import annotations

import sys
from typing import Any

from grader.sandbox.import_hooks import after_import


def quiet_plots() -> None:
    """Plots never block and never need a display: ``MPLBACKEND=Agg`` is in the environment, and
    ``pyplot.show`` / ``pyplot.pause`` do nothing. matplotlib is not imported for this: a
    one-shot import hook patches pyplot when (if ever) the submission imports it."""
    after_import("matplotlib.pyplot", _patch_pyplot)   # at once where the warm worker preloaded it


def _patch_pyplot(pyplot: Any) -> None:
    def show(*args: Any, **kwargs: Any) -> None:
        """Does nothing while grading (figures are not displayed)."""

    def pause(interval: float = 0.0) -> None:
        """Does nothing while grading (no window, no event loop to run)."""

    pyplot.show = show
    pyplot.pause = pause
    _keep_agg(sys.modules.get("matplotlib"))


def _keep_agg(matplotlib: Any) -> None:
    """``matplotlib.use('TkAgg')`` (common in students' scripts) would need a display: it does
    nothing, and a backend chosen before pyplot was imported goes back to Agg."""
    if matplotlib is None:
        return

    def use(backend: str, force: bool = True) -> None:
        """Does nothing while grading: figures stay on the Agg backend (there is no display)."""

    matplotlib.use = use
    chosen = dict.get(matplotlib.rcParams, "backend")   # dict.get: reading it the usual way resolves it
    if isinstance(chosen, str) and chosen.lower() != "agg":
        matplotlib.rcParams["backend"] = "agg"
