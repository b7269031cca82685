"""Unprivileged filesystem / network / signal confinement with Linux Landlock.

Implemented directly on the three Landlock system calls through :mod:`ctypes`
(no third-party dependency).  See the kernel documentation at
https://docs.kernel.org/userspace-api/landlock.html for the semantics.

Caveats worth knowing before calling :func:`restrict`:

* The restriction is permanent for the calling process and inherited by every
  child; it cannot be undone.  Call it in a forked worker, never in the parent.
* Landlock restricts only the *calling thread* (and threads/processes it
  creates afterwards) on ABI <= 7.  Call :func:`restrict` before starting any
  thread (e.g. before torch spins up its thread pools).
* Landlock checks access when a file is *opened*: descriptors that are already
  open (stdout, pipes, sockets, mmapped libraries) keep working.
* ``EXECUTE`` only governs ``execve``; ``mmap(PROT_EXEC)`` of shared
  libraries (C-extension imports) needs only read access.  But ``execve`` of a
  dynamic binary also needs EXECUTE on its ELF interpreter (``/lib64/ld-*``),
  so put the library directories in ``executable`` when running programs.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import stat
import sys
from collections.abc import Sequence

__all__ = ["LandlockError", "abi_version", "restrict"]


class LandlockError(OSError):
    """Landlock is unavailable or one of its system calls failed."""


# Syscall numbers: x86_64 and aarch64 (asm-generic) share them.
_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_SUPPORTED_MACHINES = {"x86_64", "amd64", "aarch64", "arm64"}

_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem access rights (include/uapi/linux/landlock.h).
FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5

_FS_ABI1 = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
# Rights that make sense on a non-directory; anything else is EINVAL there.
_FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV

# Network access rights (ABI 4) and scopes (ABI 6).
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1


class _RulesetAttr(ctypes.Structure):
    """``struct landlock_ruleset_attr`` (grows with the ABI; size chosen per ABI)."""

    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),  # ABI 4
        ("scoped", ctypes.c_uint64),  # ABI 6
    ]


class _PathBeneathAttr(ctypes.Structure):
    """``struct landlock_path_beneath_attr`` -- packed: 8 + 4 = 12 bytes."""

    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _syscall(libc: ctypes.CDLL, number: int, *args: object) -> int:
    fn = libc.syscall
    fn.restype = ctypes.c_long
    return int(fn(ctypes.c_long(number), *args))


def _fail(what: str) -> LandlockError:
    err = ctypes.get_errno()
    return LandlockError(err, f"landlock: {what} failed: {os.strerror(err)}")


def abi_version() -> int:
    """Return the Landlock ABI version offered by the kernel, or 0 if none.

    0 means: not Linux, an unsupported architecture, a kernel without
    Landlock (``ENOSYS``) or Landlock disabled at boot (``EOPNOTSUPP``).
    """
    if not sys.platform.startswith("linux") or platform.machine().lower() not in _SUPPORTED_MACHINES:
        return 0
    libc = _libc()
    ret = _syscall(libc, _SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                   ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return ret if ret > 0 else 0


def _handled_fs(abi: int) -> int:
    fs = _FS_ABI1
    if abi >= 2:
        fs |= FS_REFER
    if abi >= 3:
        fs |= FS_TRUNCATE
    if abi >= 5:
        fs |= FS_IOCTL_DEV
    return fs


def _add_path_rule(libc: ctypes.CDLL, ruleset_fd: int, path: str, access: int) -> None:
    """Allow ``access`` beneath ``path``; nonexistent paths are skipped."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise LandlockError(exc.errno, f"landlock: cannot open {path!r}: {exc.strerror}") from exc
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FS_FILE_RIGHTS  # Landlock rejects directory rights on files.
        if not access:
            return
        attr = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
        ret = _syscall(libc, _SYS_ADD_RULE, ctypes.c_int(ruleset_fd),
                       ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(attr), ctypes.c_uint32(0))
        if ret != 0:
            raise _fail(f"landlock_add_rule({path!r})")
    finally:
        os.close(fd)


def _ruleset_attr(abi: int, handled_fs: int, deny_tcp: bool, scope_signals: bool) -> tuple[_RulesetAttr, int, list[str]]:
    """The ruleset's attribute for this ABI, its size in bytes, and the features it enforces."""
    attr = _RulesetAttr(handled_access_fs=handled_fs)
    size = 8
    enforced = ["fs"]
    if abi >= 4:
        size = 16
        if deny_tcp:
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
            enforced.append("tcp")
    if abi >= 6:
        size = 24
        if scope_signals:
            attr.scoped = SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET
            enforced.append("signals")
    return attr, size, enforced


def _add_rules(libc: ctypes.CDLL, ruleset_fd: int, handled_fs: int, read_only: Sequence[str],
               executable: Sequence[str], read_write: Sequence[str]) -> None:
    read = FS_READ_FILE | FS_READ_DIR
    rules = (
        (read_only, read),
        (executable, read | FS_EXECUTE),
        (read_write, handled_fs & ~FS_EXECUTE),
    )
    for paths, access in rules:
        for path in paths:
            _add_path_rule(libc, ruleset_fd, os.fspath(path), access)


def restrict(
    read_only: Sequence[str],
    read_write: Sequence[str],
    *,
    executable: Sequence[str] = (),
    deny_tcp: bool = True,
    scope_signals: bool = True,
) -> list[str]:
    """Confine the current process and its future children, irrevocably.

    Filesystem access is denied everywhere except beneath the given paths:

    * ``read_only``: read files and list directories;
    * ``executable``: as ``read_only`` plus executing files;
    * ``read_write``: every access right the ABI knows (create, remove,
      truncate, refer, device ioctls, ...) except executing files.

    Nonexistent paths are skipped; non-directories (``/dev/null``) get only
    the file rights of their category.  With ABI >= 4 and ``deny_tcp`` every
    TCP bind/connect is denied (``EACCES``).  With ABI >= 6 and
    ``scope_signals`` the process can neither signal processes outside its
    Landlock domain nor connect to abstract UNIX sockets created outside it.

    Returns the enforced features among ``"fs"``, ``"tcp"``, ``"signals"``.
    Raises :class:`LandlockError` when Landlock is unsupported or a syscall
    fails.
    """
    abi = abi_version()
    if abi < 1:
        raise LandlockError(errno.EOPNOTSUPP, "landlock: not supported by this kernel/platform")
    libc = _libc()
    # Required for unprivileged landlock_restrict_self(); also blocks setuid gains.
    libc.prctl.restype = ctypes.c_int
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0),
                  ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")

    handled_fs = _handled_fs(abi)
    attr, size, enforced = _ruleset_attr(abi, handled_fs, deny_tcp, scope_signals)
    ruleset_fd = _syscall(libc, _SYS_CREATE_RULESET, ctypes.byref(attr),
                          ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset_fd < 0:
        raise _fail("landlock_create_ruleset")
    try:
        _add_rules(libc, ruleset_fd, handled_fs, read_only, executable, read_write)
        if _syscall(libc, _SYS_RESTRICT_SELF, ctypes.c_int(ruleset_fd), ctypes.c_uint32(0)) != 0:
            raise _fail("landlock_restrict_self")
    finally:
        os.close(ruleset_fd)
    return enforced
