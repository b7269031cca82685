"""What a student's page leaves out of the text it shows: the grader's internals, never the student's words.

- the sandbox's scratch paths (``/dev/shm/grader-123-ab/boxes/7/work.py`` reads ``work.py``);
- the instructor's data folder (the course's Fashion-MNIST copy) reads "the course's data folder";
- lines the sandbox itself causes in stderr (PyTorch's cpuinfo cannot read ``/sys`` in the
  sandbox and says so on every run: ``Error in cpuinfo: failed to parse …``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

DATA_FOLDER = "the course's data folder"

# A box: <scratch>/grader-<pid>-<x>/boxes/<n>/ or <tmp>/grader-<pid>-boxes-<x>/<n>/
_BOX = re.compile(r"(?:/[^\s\"'/:]+)*/grader-\d+-[^\s\"'/:]*(?:/boxes)?/\d+/")
# Any other scratch path of the grader (runs, the data mirrored for scripts): its folders go, the file name stays.
_SCRATCH = re.compile(r"(?:/[^\s\"'/:]+)*/grader-\d+-[^\s\"'/:]*/(?:[^\s\"'/:]+/)*")
_NOISE = re.compile(r"^Error in cpuinfo: .*(?:\n|$)", re.MULTILINE)


def data_folders(details: Iterable[Mapping[str, Any]]) -> list[str]:
    """The data folders the checks' details name (a training check's ``dataset``), and ``$GRADER_DATA``."""
    found = {os.environ.get("GRADER_DATA", "")}
    for detail in details:
        data = detail.get("dataset")
        if isinstance(data, Mapping):
            found |= {str(data[key]) for key in ("root", "looked_in") if isinstance(data.get(key), str)}
    # Longest first, so a folder inside another is replaced whole; "/" and the like are never replaced.
    return sorted((f.rstrip("/") for f in found if len(f.strip("/")) > 1), key=len, reverse=True)


def scrub(text: str, folders: Iterable[str] = ()) -> str:
    """``text`` without scratch paths and with each of ``folders`` named in words."""
    text = _SCRATCH.sub("", _BOX.sub("", text))
    for folder in folders:
        text = text.replace(folder, DATA_FOLDER)
    return text


def quiet_stderr(text: str) -> str:
    """``text`` (a run's stderr) without the lines the sandbox itself causes."""
    return _NOISE.sub("", text)
