"""Uploads, stored by content before they are acknowledged.

``COURSE_DIR/.grader/uploads/<sha256[:2]>/<sha256><suffix>``: written to a temporary
file, flushed to disk and renamed into place, so an acknowledged upload survives a
crash, and the same bytes handed in twice are stored once. The suffix (``.py``,
``.ipynb``, ``.zip``) is kept because the submission reader goes by it. Nothing here
looks inside the file: the existing reader (:mod:`grader.submission`) unpacks it in the
grading step, with its limits on size, entry count and paths.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

SUFFIXES = (".py", ".ipynb", ".zip")


def suffix_of(filename: str) -> str | None:
    lowered = filename.lower()
    return next((s for s in SUFFIXES if lowered.endswith(s)), None)


def put(root: Path, data: bytes, suffix: str) -> tuple[str, Path]:
    """Store ``data``; its sha256 and the stored path."""
    digest = hashlib.sha256(data).hexdigest()
    target = root / digest[:2] / f"{digest}{suffix}"
    if target.exists():
        return digest, target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return digest, target


def path_of(root: Path, digest: str, suffix: str) -> Path:
    return root / digest[:2] / f"{digest}{suffix}"
