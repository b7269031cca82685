"""Advice for errors any check may meet (input() at end-of-file, a hard-coded GPU), in one place
for the verdicts' explanations and the output kind's messages."""

from __future__ import annotations

import re

__all__ = ["GPU_ADVICE", "INPUT_ADVICE", "advice"]

_ASKS_FOR_GPU = re.compile(r"Torch not compiled with CUDA enabled|no NVIDIA driver|No CUDA GPUs are available|"
                           r"CUDA driver initialization failed|deserialize object on a CUDA device|"
                           r"CUDA driver version is insufficient|cudaGetDeviceCount|invalid device ordinal", re.IGNORECASE)
GPU_ADVICE = ("your code asks for the GPU (cuda:0) but grading runs on CPU; "
              "use `device = 'cuda' if torch.cuda.is_available() else 'cpu'`")
INPUT_ADVICE = "it called input(), but the grader gives no keyboard input (input() gets end-of-file)"


def advice(error: str) -> str | None:
    """What to do about an error any check may meet: input() at EOF, a hard-coded GPU."""
    if error.startswith("EOFError"):
        return INPUT_ADVICE
    if _ASKS_FOR_GPU.search(error):
        return GPU_ADVICE
    return None
