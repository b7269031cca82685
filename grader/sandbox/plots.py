"""Plots in a sandboxed child: they never block and never need a display."""

from __future__ import annotations

import sys
from importlib.machinery import PathFinder
from typing import Any


def quiet_plots() -> None:
    """Plots never block and never need a display: ``MPLBACKEND=Agg`` is in the environment, and
    ``pyplot.show`` / ``pyplot.pause`` do nothing. matplotlib is not imported for this: a
    one-shot import hook patches pyplot when (if ever) the submission imports it."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # preloaded by the warm worker
        _patch_pyplot(pyplot)
        return
    sys.meta_path.insert(0, _PyplotHook())


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


class _PyplotHook:
    """A meta-path finder that only watches for ``matplotlib.pyplot`` and patches it once loaded."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "matplotlib.pyplot":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        spec = PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            original(module)
            _patch_pyplot(module)

        loader.exec_module = exec_module
        return spec

    def invalidate_caches(self) -> None:
        pass
