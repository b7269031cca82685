"""A seccomp-bpf syscall denylist for untrusted student code, via libseccomp.

Bound with :mod:`ctypes` to ``libseccomp.so.2`` (no Python bindings needed).
The filter is default-ALLOW: it removes the kernel attack surface and the
escape hatches (namespaces, ptrace, io_uring, bpf, module loading, network
sockets, ...) that coursework never needs, while leaving ordinary Python,
numpy, torch, threads and subprocesses working.

Like every seccomp filter it is permanent and inherited by children; install
it in a forked worker only.  The filter is synchronised to all threads of the
process (``SCMP_FLTATR_CTL_TSYNC``).  System calls made through a foreign ABI
(e.g. 32-bit ``int 0x80`` on x86_64) kill the process (libseccomp's default
bad-architecture action), so the denylist cannot be bypassed that way.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["SeccompError", "available", "install_denylist"]


class SeccompError(OSError):
    """libseccomp is unavailable or failed to build/load the filter."""


# Actions and attributes from <seccomp.h>.
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_FLTATR_CTL_NNP = 3
_SCMP_FLTATR_CTL_TSYNC = 4
_SCMP_CMP_LT = 2
_SCMP_CMP_EQ = 4
_SCMP_CMP_GT = 6
_SCMP_CMP_MASKED_EQ = 7
_PR_GET_SECCOMP = 21


def _act_errno(err: int) -> int:
    """``SCMP_ACT_ERRNO(err)``: fail the call with ``err``."""
    return 0x00050000 | (err & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    """``struct scmp_arg_cmp``."""

    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


# Denied outright with EPERM.  Names unknown on this architecture are skipped.
DENIED_SYSCALLS: tuple[str, ...] = (
    "ptrace", "process_vm_readv", "process_vm_writev",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "keyctl", "add_key", "request_key", "bpf",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl",
    "open_by_handle_at", "name_to_handle_at",
    "settimeofday", "clock_settime", "adjtimex", "syslog", "vhangup",
    "lookup_dcookie", "personality",
)

# clone(2) flags that create namespaces (arg0 of clone on x86_64 and aarch64).
_CLONE_NAMESPACE_FLAGS: tuple[int, ...] = (
    0x00020000,  # CLONE_NEWNS
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x02000000,  # CLONE_NEWCGROUP
)


@functools.lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL | None:
    """Load libseccomp and declare the prototypes we use (None if missing)."""
    if not sys.platform.startswith("linux"):
        return None
    for name in ("libseccomp.so.2", ctypes.util.find_library("seccomp")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name, use_errno=True)
            break
        except OSError:
            continue
    else:
        return None
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_attr_set.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    # The *_array variant avoids passing structs through C varargs.
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_rule_add_array.restype = ctypes.c_int
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_load.restype = ctypes.c_int
    return lib


def available() -> bool:
    """True when libseccomp loads and the kernel supports seccomp filters."""
    lib = _lib()
    if lib is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(_PR_GET_SECCOMP, 0, 0, 0, 0)) >= 0


def _check(ret: int, what: str) -> None:
    if ret < 0:  # libseccomp returns -errno
        raise SeccompError(-ret, f"seccomp: {what} failed: {errno.errorcode.get(-ret, -ret)}")


def install_denylist(*, allow_socket_families: Iterable[int] = (socket.AF_UNIX,)) -> list[str]:
    """Install the denylist filter on the current process (all threads).

    * :data:`DENIED_SYSCALLS` fail with ``EPERM``;
    * ``clone3`` fails with ``ENOSYS`` so glibc falls back to ``clone``, whose
      flags (unlike clone3's, which live in memory) the filter can inspect;
    * ``clone`` with any ``CLONE_NEW*`` namespace flag fails with ``EPERM``;
    * ``socket``/``socketpair`` with a domain not in ``allow_socket_families``
      fail with ``EAFNOSUPPORT``.

    No-new-privs is set by libseccomp.  Returns the installed parts:
    ``["syscalls", "clone", "sockets"]``.  Raises :class:`SeccompError`.
    """
    lib = _lib()
    if lib is None or not available():
        raise SeccompError(errno.EOPNOTSUPP, "seccomp: libseccomp.so.2 or kernel support missing")
    allowed = sorted({int(f) for f in allow_socket_families})
    if any(not 0 <= f < 256 for f in allowed):
        raise ValueError(f"socket families must be in [0, 256): {allowed}")

    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise SeccompError(errno.ENOMEM, "seccomp: seccomp_init failed")

    rule = functools.partial(_add_rule, lib, ctx)
    try:
        _check(lib.seccomp_attr_set(ctx, _SCMP_FLTATR_CTL_NNP, 1), "set NO_NEW_PRIVS")
        _check(lib.seccomp_attr_set(ctx, _SCMP_FLTATR_CTL_TSYNC, 1), "set TSYNC")

        eperm = _act_errno(errno.EPERM)
        for name in DENIED_SYSCALLS:
            rule(eperm, name)

        rule(_act_errno(errno.ENOSYS), "clone3")
        # Separate rules are OR-ed: any one namespace bit set => EPERM.
        for flag in _CLONE_NAMESPACE_FLAGS:
            rule(eperm, "clone", (0, _SCMP_CMP_MASKED_EQ, flag, flag))

        _deny_socket_families(rule, allowed)
        _check(lib.seccomp_load(ctx), "seccomp_load")
    finally:
        lib.seccomp_release(ctx)
    return ["syscalls", "clone", "sockets"]


def _add_rule(lib: Any, ctx: Any, action: int, name: str, *cmps: tuple[int, int, int, int]) -> None:
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    if nr < 0:  # unknown (or pseudo-syscall) on this architecture: skip
        return
    arr = (_ArgCmp * max(len(cmps), 1))(*(_ArgCmp(*c) for c in cmps))
    _check(lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr),
           f"seccomp_rule_add({name})")


def _deny_socket_families(rule: Callable[..., None], allowed: list[int]) -> None:
    """Sockets: an allowlist expressed as deny rules, so it is complete
    (new or exotic families are denied too).  With allowed values
    a1 < ... < ak, deny  domain < a1,  domain > ak,  and domain == v for
    every v strictly between a1 and ak that is not allowed.  Families
    are small integers (< AF_MAX ~ 46), so that is only a few rules.
    The comparison is on the full 64-bit register, so garbage in the
    upper bits lands in "> ak" and is denied as well.  If nothing is
    allowed, socket()/socketpair() are denied unconditionally."""
    eafnosupport = _act_errno(errno.EAFNOSUPPORT)
    for name in ("socket", "socketpair"):
        if not allowed:
            rule(eafnosupport, name)
            continue
        if allowed[0] > 0:
            rule(eafnosupport, name, (0, _SCMP_CMP_LT, allowed[0], 0))
        rule(eafnosupport, name, (0, _SCMP_CMP_GT, allowed[-1], 0))
        for value in range(allowed[0] + 1, allowed[-1]):
            if value not in allowed:
                rule(eafnosupport, name, (0, _SCMP_CMP_EQ, value, 0))
