"""Every attack in `attacks.py`, graded in one batch between two honest controls.

For each attack: the grader finishes normally, the attacked checks score 0 with a
clear status and reason, the controls keep full marks, nothing is left behind,
and files that must not change are byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import socket
import stat
import zipfile
from pathlib import Path

import pytest
from sandbox.leftovers import sandbox_processes

import grader
from adversarial.attacks import ARENA_SPEC, ATTACKS, BY_NAME, HONEST, REFERENCE
from grader import api, spec

PLANTED_ENV = "planted-secret-42"


def _open_tree(path: Path) -> None:
    """World-readable on purpose: only the sandbox, not file modes, may protect these files."""
    for p in [path, *path.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    for parent in path.parents:
        if parent == Path("/"):
            break
        if not parent.stat().st_mode & stat.S_IXOTH:
            parent.chmod(parent.stat().st_mode | stat.S_IXOTH)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sandbox_processes() -> list[int]:
    """This test's sandbox processes (see :mod:`sandbox.leftovers`): another grader running meanwhile is not counted."""
    return sandbox_processes()


class Marker:
    """Unpickling this would create a file: the grader must never unpickle student files."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("arena")
    _open_tree(root)
    folder = root / "assignment"
    (folder / "reference").mkdir(parents=True)
    (folder / "assignment.yaml").write_text(ARENA_SPEC)
    (folder / "reference" / "work.py").write_text(REFERENCE)
    subs = root / "subs"
    out = root / "out"
    (out / "previous").mkdir(parents=True)
    (out / "previous" / "result.json").write_text('{"score": 1}\n')
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", listener.getsockname()[1]))
    udp.setblocking(False)
    marker = root / "unpickled-marker"
    places = {
        "port": listener.getsockname()[1], "reference": str(folder / "reference" / "work.py"),
        "other": str(subs / "control-first" / "work.py"), "results": str(out / "previous" / "result.json"),
        "package": str(Path(grader.__file__)),
    }
    paths = [subs / "control-first"]
    (subs / "control-first").mkdir(parents=True)
    (subs / "control-first" / "work.py").write_text(HONEST)
    for attack in ATTACKS:
        target = subs / attack.name
        target.mkdir()
        code = attack.code
        for key, value in places.items():
            code = code.replace("{" + key + "!r}", repr(value)).replace("{" + key + "}", str(value))
        (target / "work.py").write_bytes(code.encode())
        for name, text in attack.extra_files.items():
            data = pickle.dumps(Marker(str(marker))) if text == "PICKLE" else text.encode()
            (target / name).write_bytes(data)
        paths.append(target)
    cjk = subs / "学生-crlf"
    (subs / "crlf-and-cjk").rename(cjk)
    paths[paths.index(subs / "crlf-and-cjk")] = cjk
    # submissions that attack the grader's reading of them
    bomb = subs / "zip-bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("work.py", HONEST)
        with archive.open("padding.bin", "w") as fh:
            for _ in range(40):
                fh.write(bytes(1 << 20))
    slip = subs / "zip-slip.zip"
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("work.py", HONEST)
        archive.writestr("../../escaped.py", "print('escaped')\n")
    linked = subs / "symlinked"
    linked.mkdir()
    (linked / "work.py").symlink_to(folder / "reference" / "work.py")
    (subs / "control-last").mkdir()
    (subs / "control-last" / "work.py").write_text(HONEST)
    paths += [bomb, slip, linked, subs / "control-last"]
    _open_tree(root)

    protected = [folder / "assignment.yaml", folder / "reference" / "work.py", out / "previous" / "result.json",
                 subs / "control-first" / "work.py", Path(grader.__file__)]
    before = {p: _digest(p) for p in protected}
    shm_before = set(Path("/dev/shm").glob(f"grader-{os.getpid()}-*"))
    os.environ["GRADER_PLANTED"] = PLANTED_ENV
    try:
        results = api.grade(spec.load(folder), paths, out, jobs=2, secret="arena")
    finally:
        del os.environ["GRADER_PLANTED"]
    after = {p: _digest(p) for p in protected}
    accepted = []
    try:
        accepted.append(listener.accept())
    except BlockingIOError:
        pass
    try:
        accepted.append(udp.recvfrom(100))
    except BlockingIOError:
        pass
    listener.close()
    udp.close()
    return {
        "results": {r.submission: r for r in results}, "out": out, "root": root, "before": before, "after": after,
        "accepted": accepted, "marker": marker, "shm_new": set(Path("/dev/shm").glob(f"grader-{os.getpid()}-*")) - shm_before,
    }


def test_controls_keep_full_marks(batch) -> None:
    for name in ("control-first", "control-last"):
        assert batch["results"][name].score == 2.0, batch["results"][name].checks


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_attack_is_harmless(batch, name: str) -> None:
    attack = BY_NAME[name]
    result_name = "学生-crlf" if name == "crlf-and-cjk" else name
    result = batch["results"][result_name]
    assert result.status == "graded"
    not_passed = {c.id: c.status for c in result.checks if c.status != "passed"}
    assert set(not_passed.values()) <= attack.statuses, (not_passed, [c.message for c in result.checks])
    assert result.score == attack.score, [c.message for c in result.checks]
    if attack.message:
        assert any(attack.message in c.message for c in result.checks), [c.message for c in result.checks]
    report = (batch["out"] / result_name / "report.html").read_text()
    assert "<script>alert" not in report and "<img src=x" not in report


def test_protected_files_are_byte_identical(batch) -> None:
    assert batch["before"] == batch["after"]


def test_the_listener_accepted_nothing(batch) -> None:
    assert batch["accepted"] == []


def test_no_student_file_was_unpickled(batch) -> None:
    assert not batch["marker"].exists()


def test_no_process_temp_dir_or_mount_is_left_behind(batch) -> None:
    assert _sandbox_processes() == []
    assert batch["shm_new"] == set()
    assert "grader-box" not in Path("/proc/mounts").read_text()


def test_zip_bomb_is_refused_with_a_reason(batch) -> None:
    result = batch["results"]["zip-bomb"]
    assert result.status == "error" and result.score == 0 and "unpacks to more than" in result.message


def test_zip_slip_entries_are_dropped_and_the_rest_grades(batch) -> None:
    assert batch["results"]["zip-slip"].score == 2.0
    assert not (batch["root"] / "escaped.py").exists() and not (batch["root"].parent / "escaped.py").exists()


def test_symlinked_files_are_not_followed(batch) -> None:
    result = batch["results"]["symlinked"]
    assert result.status == "error" and "has no work.py" in result.message


def test_fake_scores_in_output_do_not_count(batch) -> None:
    data = json.loads((batch["out"] / "fake-score-os-exit" / "result.json").read_text())
    assert data["score"] == 0


def test_a_crash_is_typed_by_its_signal(batch) -> None:
    crashed = [c for c in batch["results"]["segfault"].checks if c.status == "error"]
    assert crashed and all(c.signal == "SIGSEGV" for c in crashed), [(c.id, c.message) for c in crashed]
    assert "crash" in batch["results"]["segfault"].flags
    assert "crash" not in batch["results"]["control-first"].flags
