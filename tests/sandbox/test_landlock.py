"""Landlock tests.  Every restriction is applied in a forked child only."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from grader.sandbox import landlock
from grader.sandbox.landlock import LandlockError, abi_version, restrict
from sandbox.forked import run_in_child

ABI = abi_version()
needs_landlock = pytest.mark.skipif(ABI == 0, reason="Landlock not supported by this kernel")


@pytest.fixture()
def tree(tmp_path: Path) -> dict[str, Path]:
    ro, rw, out = tmp_path / "ro", tmp_path / "rw", tmp_path / "out"
    for d in (ro, rw, out):
        d.mkdir()
    (ro / "data.txt").write_text("readable")
    (out / "secret.txt").write_text("secret")
    return {"ro": ro, "rw": rw, "out": out}


def test_abi_version_is_int() -> None:
    assert isinstance(ABI, int) and ABI >= 0


def test_struct_layouts() -> None:
    import ctypes

    assert ctypes.sizeof(landlock._PathBeneathAttr) == 12  # packed
    assert ctypes.sizeof(landlock._RulesetAttr) == 24


@pytest.mark.skipif(ABI != 0, reason="Landlock is supported here")
def test_restrict_raises_when_unsupported() -> None:
    with pytest.raises(LandlockError):
        restrict([], [])


@needs_landlock
def test_filesystem_rules(tree: dict[str, Path]) -> None:
    ro, rw, out = tree["ro"], tree["rw"], tree["out"]

    def body() -> None:
        enforced = restrict([str(ro), "/dev/null", "/nonexistent/path"], [str(rw)])
        assert "fs" in enforced
        assert (ro / "data.txt").read_text() == "readable"
        assert sorted(os.listdir(ro)) == ["data.txt"]
        with pytest.raises(PermissionError):
            (out / "secret.txt").read_text()
        with pytest.raises(PermissionError):
            os.listdir(out)
        (rw / "new.txt").write_text("ok")  # create + write under read_write
        assert (rw / "new.txt").read_text() == "ok"
        (rw / "sub").mkdir()
        (rw / "new.txt").rename(rw / "sub" / "moved.txt")  # REFER
        (rw / "sub" / "moved.txt").unlink()
        with pytest.raises(PermissionError):
            (ro / "new.txt").write_text("no")
        with pytest.raises(PermissionError):
            (ro / "data.txt").write_text("no")  # open for write/truncate
        with pytest.raises(PermissionError):
            (ro / "data.txt").unlink()
        with open("/dev/null", "rb") as f:  # non-directory rule
            assert f.read() == b""

    run_in_child(body)


@needs_landlock
def test_stdlib_imports_and_exec_rules(tree: dict[str, Path]) -> None:
    """Python keeps importing (pure and C-extension) modules from read-only dirs."""
    libs = [sys.base_prefix, sys.prefix, "/etc/ld.so.cache"]
    # execve() of a dynamic binary also needs EXECUTE on its ELF interpreter.
    exe = ["/bin", "/usr/bin", "/lib", "/lib64", "/usr/lib", "/usr/lib64"]

    def body() -> None:
        restrict(libs, [str(tree["rw"])], executable=exe)
        import importlib
        import subprocess

        # Candidates the test process has not imported yet (torch, torchvision and d2l import several).
        c_ext = [m for m in ("_codecs_jp", "_codecs_kr", "_codecs_tw", "_codecs_hk", "_codecs_iso2022", "_lzma",
                             "_decimal", "_curses", "audioop") if m not in sys.modules]
        pure = [m for m in ("colorsys", "sched", "wave", "tabnanny", "pyclbr", "netrc", "sndhdr", "chunk")
                if m not in sys.modules]
        assert c_ext and pure, "every candidate module is already imported"
        importlib.import_module(c_ext[0])  # dlopen() of a lib-dynload .so
        importlib.import_module(pure[0])

        assert subprocess.run(["/bin/true"]).returncode == 0
        # Not executable beneath a read_write directory.
        script = tree["rw"] / "x.sh"
        script.write_text("#!/bin/sh\nexit 0\n")
        script.chmod(0o755)
        with pytest.raises(PermissionError):
            subprocess.run([str(script)])

    run_in_child(body)


@pytest.mark.skipif(ABI < 4, reason="Landlock TCP rules need ABI >= 4")
def test_tcp_connect_denied() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]

        def body() -> None:
            listener.close()
            assert "tcp" in restrict(["/"], [])
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            with pytest.raises(PermissionError):
                c.connect(("127.0.0.1", port))
            with pytest.raises(PermissionError):
                socket.socket(socket.AF_INET, socket.SOCK_STREAM).bind(("127.0.0.1", 0))

        run_in_child(body)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected
    finally:
        listener.close()


@pytest.mark.skipif(ABI < 6, reason="Landlock signal scoping needs ABI >= 6")
def test_cannot_signal_parent() -> None:
    parent = os.getpid()

    def body() -> None:
        assert "signals" in restrict(["/"], [])
        with pytest.raises(PermissionError):
            os.kill(parent, 0)
        os.kill(os.getpid(), 0)  # same domain: allowed

    run_in_child(body)


@needs_landlock
def test_opt_outs() -> None:
    def body() -> None:
        assert restrict(["/"], [], deny_tcp=False, scope_signals=False) == ["fs"]
        os.kill(os.getppid(), 0)

    run_in_child(body)
