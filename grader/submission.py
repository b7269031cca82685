"""Submissions: a folder, a ``.zip``, or a single ``.py`` / ``.ipynb`` file.

Reading a submission never runs it: files are copied as bytes (regular files
only, symlinks skipped), zips are unpacked with limits on size, count and
paths, and notebooks are turned into a script with :mod:`nbformat`, magics and
shell escapes stripped. Python sources that are not UTF-8 and declare no
encoding (a GBK file from a Chinese Windows editor, a Latin-1 one) are decoded
as what they are and re-encoded as UTF-8, with a note saying so; line endings
(CRLF) and a UTF-8 byte-order mark are left as they are: Python reads both.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader import mainfile
from grader.errors import SubmissionError

MAX_FILES = 2000
MAX_TOTAL_BYTES = 64 << 20
MAX_FILE_BYTES = 16 << 20


@dataclass(frozen=True)
class Submission:
    """A submission read into memory, ready to be staged into a sandbox box."""

    id: str
    source: Path
    files: dict[str, bytes] = field(repr=False)
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()          # what reading changed, in words (e.g. a GBK source re-encoded)
    names: dict[str, str] = field(default_factory=dict)   # a staged file -> the student's own name for it
    cells: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)   # a notebook's script -> (marker line, cell)

    def own_name(self, staged: str) -> str:
        """The student's own name for a file staged as ``staged``."""
        return self.names.get(staged, staged)

    def shown(self) -> dict[str, dict[str, object]]:
        """How the sandbox names the staged files in tracebacks (see :func:`grader.sandbox.scriptrun.set_names`)."""
        return {staged: {"as": self.own_name(staged), "cells": [list(c) for c in self.cells.get(staged, ())] or None}
                for staged in {*self.names, *self.cells}}

    @property
    def hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name] + b"\0")
        return digest.hexdigest()[:16]

    def missing(self, required: list[str]) -> list[str]:
        return [name for name in required if name not in self.files]


def read(path: Path, required: list[str]) -> Submission:
    """Read a submission; raises :class:`SubmissionError` when it cannot be read at all.

    When the assignment names one ``.py`` file and the submission has no file of that name,
    its main script (:func:`grader.mainfile.choose`) is staged under that name, and a note says so."""
    return _normalised(_with_main(_read(path, required), required))


def _with_main(submission: Submission, required: list[str]) -> Submission:
    targets = [name for name in required if name.endswith(".py")]
    if len(targets) != 1 or targets[0] in submission.files:
        return submission
    target = targets[0]
    choice = mainfile.choose(submission.files, target)
    if choice is None:
        return submission
    files = dict(submission.files)
    cells: dict[str, tuple[tuple[int, int], ...]] = {}
    if choice.name.lower().endswith(".ipynb"):
        files[target], cells[target] = notebook_parts(files[choice.name], choice.name)
    else:
        files[target] = files.pop(choice.name)
    return dataclasses.replace(submission, files=files, names={target: choice.name}, cells=cells,
                               notes=(*submission.notes, choice.why))


def _read(path: Path, required: list[str]) -> Submission:
    if path.is_symlink():
        raise SubmissionError(f"{path} is a symbolic link; give the folder or file itself")
    if path.is_dir():
        return _read_folder(path)
    if not path.is_file():
        raise SubmissionError(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_zip(path)
    if suffix in (".py", ".ipynb"):
        py_targets = [name for name in required if name.endswith(".py")]
        target = py_targets[0] if len(py_targets) == 1 else path.with_suffix(".py").name
        raw = path.read_bytes()
        _check_size(len(raw), path.name)
        code, cells = notebook_parts(raw, path.name) if suffix == ".ipynb" else (raw, ())
        return Submission(path.stem, path, {target: code}, names={target: path.name} if path.name != target else {},
                          cells={target: cells} if cells else {})
    raise SubmissionError(f"{path} is not a folder, .zip, .py or .ipynb file")


# PEP 263: a coding declaration in the first two lines makes Python decode the file itself.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
# Tried in order on a source that is not UTF-8: GB18030 (a superset of GBK and GB2312)
# only when the text it gives holds CJK characters, else Windows-1252, else Latin-1.
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def source_encoding(data: bytes) -> str | None:
    """The encoding a non-UTF-8 Python source is in, or None when Python reads it as it is."""
    if data.startswith(codecs.BOM_UTF8):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    head = b"\n".join(data.splitlines()[:2])
    if _CODING.search(head):
        return None
    try:
        if _CJK.search(data.decode("gb18030")):
            return "gb18030"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


_ENCODING_NAMES = {"gb18030": "GBK (GB18030)", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


def _normalised(submission: Submission) -> Submission:
    """Python sources re-encoded as UTF-8 where they were not (and declared nothing)."""
    files, notes = dict(submission.files), list(submission.notes)
    for name, data in submission.files.items():
        if not name.endswith(".py"):
            continue
        encoding = source_encoding(data)
        if encoding is not None:
            files[name] = data.decode(encoding).encode("utf-8")
            notes.append(f"{name} is not UTF-8; it was read as {_ENCODING_NAMES[encoding]}. "
                         "Save it as UTF-8 to be sure every character means what you wrote.")
    if not notes and files == submission.files:
        return submission
    return dataclasses.replace(submission, files=files, notes=tuple(notes))


def _check_size(size: int, name: str) -> None:
    if size > MAX_FILE_BYTES:
        raise SubmissionError(f"{name} is larger than {MAX_FILE_BYTES >> 20} MiB")


def _read_folder(root: Path) -> Submission:
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".git", ".ipynb_checkpoints"))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            info = os.lstat(full)
            if not stat.S_ISREG(info.st_mode):
                skipped.append(rel)
                continue
            total += info.st_size
            if len(files) >= MAX_FILES or total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{root} holds more than {MAX_FILES} files or {MAX_TOTAL_BYTES >> 20} MiB")
            _check_size(info.st_size, rel)
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fh:
                files[rel] = fh.read(MAX_FILE_BYTES + 1)
    return Submission(root.name or root.resolve().name or "submission", root, files, tuple(skipped))


def _read_zip(path: Path) -> Submission:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{path.name} is not a readable zip file ({exc})") from None
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    total = 0
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_FILES:
            raise SubmissionError(f"{path.name} holds more than {MAX_FILES} files")
        for info in infos:
            name = PurePosixPath(info.filename)
            mode = info.external_attr >> 16
            if name.is_absolute() or ".." in name.parts or stat.S_ISLNK(mode) or "__MACOSX" in name.parts:
                skipped.append(info.filename)
                continue
            total += info.file_size
            if info.file_size > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: {info.filename} unpacks to more than {MAX_FILE_BYTES >> 20} MiB")
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{path.name} unpacks to more than {MAX_TOTAL_BYTES >> 20} MiB")
            with archive.open(info) as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: {info.filename} unpacks to more than {MAX_FILE_BYTES >> 20} MiB")
            files[str(name)] = data
    files = _strip_common_folder(files)
    _check_names(files, path.name)
    return Submission(path.stem, path, files, tuple(skipped))


def _check_names(files: dict[str, bytes], archive: str) -> None:
    """Refuse names that cannot all be files in one folder (``bp.py`` and ``bp.py/x.py``, ``.``)."""
    for name in files:
        parts = name.split("/")
        if any(part in ("", ".", "..") or len(part.encode()) > 255 for part in parts):
            raise SubmissionError(f"{archive} cannot be unpacked: the entry {name[:200]!r} is not a usable file name")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in files:
                raise SubmissionError(f"{archive} cannot be unpacked: {folder[:200]!r} is both a file "
                                      f"and the folder of {name[:200]!r}")


def _strip_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """A zip of a folder (``alice/bp.py``) holds the same files as the folder."""
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        return {name.split("/", 1)[1]: data for name, data in files.items()}
    return files


def notebook_to_script(raw: bytes, name: str) -> bytes:
    """Code cells in order, IPython magics and ``!shell`` lines stripped."""
    return notebook_parts(raw, name)[0]


def notebook_parts(raw: bytes, name: str) -> tuple[bytes, tuple[tuple[int, int], ...]]:
    """:func:`notebook_to_script`'s script, and for each code cell the line of its ``# cell N``
    marker in the script and N (line L of the script is line L - marker of its cell)."""
    import nbformat

    try:
        notebook = nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds of error
        raise SubmissionError(f"{name} is not a readable notebook ({type(exc).__name__}: {exc})") from None
    parts = []
    cells = []
    line = 1
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        lines = []
        for text in str(cell.get("source", "")).splitlines():
            stripped = text.lstrip()
            if stripped.startswith(("%", "!")):
                lines.append(f"{text[:len(text) - len(stripped)]}pass  # stripped: {stripped[:60]}")
            else:
                lines.append(text)
        cells.append((line, index + 1))
        parts.append(f"# cell {index + 1}\n" + "\n".join(lines))
        line += max(len(lines), 1) + 2    # the marker and the blank line between parts (an empty cell: one empty line)
    return ("\n\n".join(parts) + "\n").encode(), tuple(cells)


def stage(submission: Submission, box: Path, extra: dict[str, bytes] | None = None) -> None:
    """Write the submission's files (and any ``extra``) into an empty box folder; a name that
    cannot be written there is a :class:`SubmissionError`, never a bare OSError."""
    for name, data in {**submission.files, **(extra or {})}.items():
        target = box / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            raise SubmissionError(f"the submission's file {name[:200]!r} cannot be written "
                                  f"({exc.strerror or type(exc).__name__})") from None
