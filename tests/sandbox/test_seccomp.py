"""seccomp denylist tests.  Every filter is installed in a forked child only."""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import subprocess
import threading

import pytest

from grader.sandbox.seccomp import SeccompError, available, install_denylist
from sandbox.forked import run_in_child

pytestmark = pytest.mark.skipif(
    not available(), reason="libseccomp.so.2 or kernel seccomp filter support missing"
)

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUTS = 0x04000000
SYS_CLONE = {"x86_64": 56, "aarch64": 220}.get(os.uname().machine)
SYS_CLONE3 = 435


def _errno_of(ret: int) -> int:
    assert ret == -1, f"expected failure, got {ret}"
    return ctypes.get_errno()


def test_sockets_filtered() -> None:
    def body() -> None:
        assert "sockets" in install_denylist()
        for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, 0, 200):
            with pytest.raises(OSError) as info:
                socket.socket(family, socket.SOCK_DGRAM)
            assert info.value.errno == errno.EAFNOSUPPORT, family
        with pytest.raises(OSError):
            socket.socketpair(socket.AF_INET)
        a, b = socket.socketpair(socket.AF_UNIX)
        a.sendall(b"x")
        assert b.recv(1) == b"x"
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()

    run_in_child(body)


def test_allowed_families_are_configurable() -> None:
    def body() -> None:
        install_denylist(allow_socket_families=(socket.AF_UNIX, socket.AF_INET))
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
        with pytest.raises(OSError):
            socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)

    run_in_child(body)


def test_dangerous_syscalls_get_eperm() -> None:
    def body() -> None:
        assert "syscalls" in install_denylist()
        assert _errno_of(libc.unshare(CLONE_NEWUTS)) == errno.EPERM
        assert _errno_of(libc.ptrace(0, 0, None, None)) == errno.EPERM  # PTRACE_TRACEME
        assert _errno_of(libc.syscall(SYS_CLONE3, None, 0)) == errno.ENOSYS
        if SYS_CLONE is not None:
            ret = libc.syscall(SYS_CLONE, CLONE_NEWUTS | 17, None, None, None, None)
            if ret == 0:  # filter failed and we are a new child: leave at once
                os._exit(3)
            assert _errno_of(ret) == errno.EPERM

    run_in_child(body)


def test_fork_threads_and_subprocess_still_work() -> None:
    def body() -> None:
        install_denylist()
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7
        seen: list[int] = []
        t = threading.Thread(target=lambda: seen.append(1))
        t.start()
        t.join()
        assert seen == [1]
        assert subprocess.run(["/bin/true"]).returncode == 0

    run_in_child(body)


def test_rejects_bad_family() -> None:
    def body() -> None:  # in a child too, in case validation ever moves
        with pytest.raises(ValueError):
            install_denylist(allow_socket_families=(-1,))
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()  # nothing installed

    run_in_child(body)
    assert issubclass(SeccompError, OSError)
