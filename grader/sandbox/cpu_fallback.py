"""Code that asks for CUDA where there is none runs on the CPU, unchanged.

Installed in the sandboxed child only when the submission's source mentions ``cuda`` and
``torch.cuda.is_available()`` is False there: a torch function mode rewrites every CUDA
device a call is given (``"cuda"``, ``"cuda:0"``, ``torch.device("cuda")``, as an argument
or a ``device=`` keyword: tensor factories, ``.to(...)``, ``nn.Module.to``) to the CPU and
makes ``.cuda()`` return the tensor as it is; ``torch.cuda.synchronize()`` does nothing. The
first place in the student's files where that happened is kept for the result's note. Where
CUDA is available nothing is installed. Nothing here runs in the warm worker, which never
initialises CUDA (children forked from it could not use it then).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["first_request", "install", "mentions_cuda", "no_fork_poisoning"]

_CUDA = re.compile(r"^cuda(:\d+)?$")
_FIRST: dict[str, str] = {}


def install(box: str, place: Any) -> bool:
    """Map CUDA to the CPU for the rest of this process when CUDA is not usable here; whether it did.

    ``place(staged, line)`` names a box file's line as the student knows it."""
    import torch
    from torch.overrides import TorchFunctionMode

    if torch.cuda.is_available():
        return False

    def cpu(value: Any) -> Any:
        if (isinstance(value, torch.device) and value.type == "cuda") or (isinstance(value, str) and _CUDA.match(value)):
            _remember(box, place)
            return torch.device("cpu")
        return value

    class OnCpu(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                               kwargs: dict[str, Any] | None = None) -> Any:
            if func is torch.Tensor.cuda:
                _remember(box, place)
                return args[0]
            return func(*(cpu(a) for a in args), **{k: cpu(v) for k, v in (kwargs or {}).items()})

    OnCpu().__enter__()   # for the rest of the child's life
    torch.cuda.synchronize = lambda device=None: None
    return True


def _remember(box: str, place: Any) -> None:
    if _FIRST:
        return
    for frame in reversed(traceback.extract_stack()):
        if frame.filename.startswith(box):
            _FIRST["at"] = place(os.path.relpath(frame.filename, box), frame.lineno or 0)
            _FIRST["code"] = (frame.line or "").strip()[:120]
            return
    _FIRST["at"] = ""


def first_request() -> dict[str, str]:
    """Where the student's code first asked for CUDA and ran on the CPU instead (empty: it never did)."""
    return dict(_FIRST) if _FIRST.get("at") else {}


def mentions_cuda(sources: dict[str, bytes]) -> bool:
    """Whether any Python source mentions CUDA (only then is the fallback worth its cost per torch call)."""
    return any(b"cuda" in data for name, data in sources.items() if name.endswith((".py", ".ipynb")))



@contextmanager
def no_fork_poisoning() -> Iterator[None]:
    """While the warm worker imports its preloads: ``torch.cuda.device_count()`` asks NVML only.

    torch's own count falls back to the CUDA runtime where NVML cannot answer (no driver), and
    marks every later fork "bad": children could not use CUDA ("Cannot re-initialize CUDA in
    forked subprocess"). d2l's torch module counts GPUs at import (``devices=d2l.try_all_gpus()``
    as a default argument).
    """
    torch = sys.modules.get("torch")
    nvml = getattr(getattr(torch, "cuda", None), "_device_count_nvml", None)
    if torch is None or nvml is None:
        yield
        return
    original = torch.cuda.device_count

    def count(*args: Any) -> int:
        return max(int(nvml()), 0)

    torch.cuda.device_count = count
    try:
        yield
    finally:
        torch.cuda.device_count = original
